/**
 * `npm run report -- <results.json> [more.json…]`: writes the HTML report
 * and the Markdown summary next to each results file, as a run does at its
 * end. Also takes Artillery's own `-o` output (without the luneo section).
 * Exit 0 when every report was written, 2 on bad input.
 */
import { SECRET_VARIABLES } from '../src/api/credentials.ts';
import { shownPath, writeReports } from '../src/report/index.ts';
import { readResultsFile, ReportInputError } from '../src/report/load.ts';
import { EXIT } from '../src/verdict/exit-codes.ts';

const USAGE = `Usage: npm run report -- <results.json> [more.json ...]

Writes <name>.html (self-contained, opens offline) and <name>.md (for a CI job
summary or a pull-request comment) next to each results file, and prints their
paths. A results file is what a run writes (results/load-test-results.json,
results/worker-load-test-results.json) or Artillery's own -o output.

Secrets in ${SECRET_VARIABLES.join(', ')} are redacted from both.

Exit codes: 0 reports written, 2 bad input (missing file, not JSON, not a results file).`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(EXIT.pass);
}
const unknown = args.filter((a) => a.startsWith('-'));
if (unknown.length > 0) {
  console.error(`report: unknown option ${unknown[0]} (see --help)`);
  process.exit(EXIT.config);
}
if (args.length === 0) {
  console.error('report: no results file given: npm run report -- results/load-test-results.json (see --help)');
  process.exit(EXIT.config);
}

let failed = false;
for (const file of args) {
  try {
    const loaded = readResultsFile(file);
    const paths = writeReports(loaded.results, file, { derived: loaded.derived, notes: loaded.notes });
    console.log(`${shownPath(file)}${loaded.derived ? ' (Artillery output: no verdict)' : ''}`);
    console.log(`  report: ${shownPath(paths.html)}`);
    console.log(`  summary: ${shownPath(paths.markdown)}`);
  } catch (err) {
    failed = true;
    const message = err instanceof ReportInputError ? err.message : `${file}: could not write the report: ${err instanceof Error ? err.message : String(err)}`;
    console.error(`report: ${message.replace(/\s+/g, ' ')}`);
  }
}
process.exitCode = failed ? EXIT.config : EXIT.pass;
