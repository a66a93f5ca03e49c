/**
 * `npm run history`: the run history as an offline HTML page (every series,
 * its change points and the levels between them), as the nightly job's
 * Markdown summary, or seeded from past results files.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { historyMarkdown, historyPage } from '../src/history/page.ts';
import { recordOf } from '../src/history/record.ts';
import { appendRecord, HISTORY_VARIABLE, historyDir, readHistory } from '../src/history/store.ts';
import { readResultsFile, ReportInputError } from '../src/report/load.ts';
import { resultsDir } from '../src/results/recorder.ts';
import { EXIT } from '../src/verdict/exit-codes.ts';

const USAGE = `Usage: npm run history [-- --dir DIR] [--out FILE]
       npm run history -- --markdown [--dir DIR]
       npm run history -- --add results.json [more.json ...] [--commit SHA] [--env NAME] [--profile NAME] [--dir DIR]

The history is a directory with one file per run: results/history/ by
default, ${HISTORY_VARIABLE} or --dir for another. Every run appends itself
there and is judged against it (exit 5 when a figure changed for the worse).

Without options, writes an offline HTML page (results/history.html, or
--out) with every series, its change points and the levels between them.
--markdown prints the nightly job's summary: a line per gated series with a
sparkline of the last 30 runs. --add seeds the history from past results
files (what a run writes, or Artillery's -o output), each as one run at the
time it ran.

Exit codes: 0 done, 2 bad usage or an unreadable file.`;

function main(): number {
  let values: ReturnType<typeof parse>['values'];
  let files: string[];
  try {
    ({ values, positionals: files } = parse());
  } catch (err) {
    console.error(`history: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.config;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = values.dir ? path.resolve(values.dir) : historyDir(resultsDir(), process.env);
  if (dir === undefined) {
    console.error(`history: ${HISTORY_VARIABLE}=off: no history to read; give one with --dir`);
    return EXIT.config;
  }
  if (values.add) {
    if (files.length === 0) {
      console.error(`history: --add needs results files\n\n${USAGE}`);
      return EXIT.config;
    }
    for (const file of files) {
      try {
        const loaded = readResultsFile(file);
        const at = loaded.results.aggregate.lastMetricAt ?? loaded.results.aggregate.firstMetricAt;
        const ctx: Parameters<typeof recordOf>[1] = { at: at !== undefined ? new Date(at) : new Date() };
        if (values.commit) ctx.commit = values.commit;
        if (values.env) ctx.environment = values.env;
        if (values.profile) ctx.profile = values.profile;
        const rec = recordOf(loaded.results, ctx);
        const written = appendRecord(dir, rec);
        console.log(`history: ${file} → ${path.relative(process.cwd(), written)} (${rec.scenario}, ${rec.environment}, ${rec.profile}, ${rec.valid ? 'valid' : `${rec.verdict}: recorded, never a reference`})`);
      } catch (err) {
        if (err instanceof ReportInputError) {
          console.error(`history: ${err.message}`);
          return EXIT.config;
        }
        throw err;
      }
    }
    return 0;
  }
  if (files.length > 0) {
    console.error(`history: unexpected ${files.join(' ')} (did you mean --add?)\n\n${USAGE}`);
    return EXIT.config;
  }
  const loaded = readHistory(dir);
  for (const s of loaded.skipped) console.error(`history: skipped ${s}`);
  if (values.markdown) {
    process.stdout.write(historyMarkdown(loaded.records));
    return 0;
  }
  const out = path.resolve(values.out ?? path.join(path.dirname(dir), 'history.html'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, historyPage(loaded.records, existsSync(dir) ? path.relative(process.cwd(), dir) || dir : `${dir} (empty)`));
  console.log(`history: ${loaded.records.length} runs from ${path.relative(process.cwd(), dir) || dir} → ${path.relative(process.cwd(), out)}`);
  return 0;
}

function parse() {
  return parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      out: { type: 'string' },
      markdown: { type: 'boolean' },
      add: { type: 'boolean' },
      commit: { type: 'string' },
      env: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = main();
