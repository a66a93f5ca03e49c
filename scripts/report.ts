/**
 * `npm run report -- <results.json> [more.json…]`: prints the verdict and
 * writes the HTML report, the Markdown summary and the JUnit XML next to
 * each results file, as a run does at its end. Also takes Artillery's own
 * `-o` output (a local, Fargate or Lambda run), whose verdict is computed
 * from its combined metrics. `--baseline last.json` compares one results
 * file with another run's. Exits with the verdict's code (the worst over
 * the files; 1 when the p95 regressed beyond LUNEO_MAX_REGRESSION), 2 on bad input.
 */
import { SECRET_VARIABLES } from '../src/api/credentials.ts';
import { shownPath, writeReports } from '../src/report/index.ts';
import { readResultsFile, ReportInputError } from '../src/report/load.ts';
import { compare, type Comparison, parseRegressionLimit, REGRESSION_VARIABLE, withRegressionVerdict } from '../src/report/baseline.ts';
import { verdictText } from '../src/results/recorder.ts';
import { EXIT } from '../src/verdict/exit-codes.ts';
import { worstExitCode } from '../src/verdict/summary.ts';

const USAGE = `Usage: npm run report -- <results.json> [more.json ...]
       npm run report -- <results.json> --baseline <previous-results.json>

Writes <name>.html (self-contained, opens offline), <name>.md (for a CI job
summary or a pull-request comment) and <name>.junit.xml (the checks, for CI
test views) next to each results file, and prints their paths. A results file is what a run writes (results/load-test-results.json,
results/worker-load-test-results.json) or Artillery's own -o output.

With --baseline, both reports add the baseline's value and the change per
check and per step (p50/p95/p99, error rate, throughput) and for the run
(error rate, throughput, concurrency reached). ${REGRESSION_VARIABLE}=20%
fails the verdict when a step's p95 is more than 20 % above the baseline's.

For Artillery's own -o output of embed.yml or render.yml, the verdict is
computed from its combined metrics with the thresholds of the scenario file.

Secrets in ${SECRET_VARIABLES.join(', ')} are redacted from all three.

Exit codes: the verdict's, the worst over the files: 0 pass, 1 a threshold
failed or p95 regressed beyond ${REGRESSION_VARIABLE}, 3 results invalid, 4 aborted
(0 for a file without thresholds); 2 bad input (missing file, not JSON, not a
results file, a malformed limit).`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(EXIT.pass);
}
let baseline: string | undefined;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === '--baseline' || a.startsWith('--baseline=')) {
    const v = a === '--baseline' ? args[++i] : a.slice('--baseline='.length);
    if (v === undefined || v === '' || v.startsWith('-')) fail('--baseline needs the previous results file: npm run report -- tonight.json --baseline last-night.json');
    if (baseline !== undefined) fail('--baseline is given twice');
    baseline = v;
  } else if (a.startsWith('-')) fail(`unknown option ${a} (see --help)`);
  else files.push(a);
}
if (files.length === 0) fail('no results file given: npm run report -- results/load-test-results.json (see --help)');
if (baseline !== undefined && files.length !== 1) fail(`--baseline compares one results file with it, got ${files.length}: run the report once per scenario`);
let limit: number | undefined;
try {
  limit = parseRegressionLimit(process.env[REGRESSION_VARIABLE]);
} catch (err) {
  fail((err as Error).message);
}
if (limit !== undefined && baseline === undefined) console.warn(`report: ${REGRESSION_VARIABLE} is set but no --baseline was given: nothing to regress against`);

function fail(message: string): never {
  console.error(`report: ${message.replace(/\s+/g, ' ')}`);
  process.exit(EXIT.config);
}

let failed = false;
let regressed = false;
let base: ReturnType<typeof readResultsFile> | undefined;
if (baseline !== undefined) {
  try {
    base = readResultsFile(baseline);
  } catch (err) {
    fail(`baseline ${err instanceof Error ? err.message : String(err)}`);
  }
}
const codes: number[] = [];
for (const file of files) {
  try {
    const loaded = readResultsFile(file);
    let comparison: Comparison | undefined;
    let results = loaded.results;
    if (base && baseline !== undefined) {
      comparison = compare(results, base.results, baseline, limit);
      results = withRegressionVerdict(results, comparison);
      regressed ||= comparison.failed;
    }
    const paths = writeReports(results, file, { noVerdict: loaded.noVerdict, notes: loaded.notes, ...(comparison ? { comparison } : {}) });
    console.log(`${shownPath(file)}${loaded.noVerdict ? ' (no thresholds: no verdict)' : loaded.derived ? ' (Artillery output: verdict from its combined metrics)' : ''}`);
    if (!loaded.noVerdict) {
      console.log(verdictText(results).replace(/^\n/, ''));
      codes.push(results.luneo.verdict.exitCode);
    }
    if (comparison) {
      console.log(`  against ${shownPath(baseline as string)}: ${comparison.steps.map((s) => `${s.title} p95 ${s.p95Change ?? '–'}`).join(', ')}`);
      for (const r of comparison.reasons) console.log(`  - ${r}`);
    }
    console.log(`  report: ${shownPath(paths.html)}`);
    console.log(`  summary: ${shownPath(paths.markdown)}`);
    console.log(`  junit: ${shownPath(paths.junit)}`);
  } catch (err) {
    failed = true;
    const message = err instanceof ReportInputError ? err.message : `${file}: could not write the report: ${err instanceof Error ? err.message : String(err)}`;
    console.error(`report: ${message.replace(/\s+/g, ' ')}`);
  }
}
process.exitCode = failed ? EXIT.config : worstExitCode([...codes, regressed ? EXIT.slo_failed : EXIT.pass]);
