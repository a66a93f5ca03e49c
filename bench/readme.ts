/**
 * `npm run bench:readme [-- bench-results/bench.json]`: the README's
 * capacity section from a bench run's output. Keeps the run's headline
 * figures in bench/summary.json (committed beside the README) and rewrites
 * the section between its markers (bench/lib/capacity-section.ts).
 * Run it after `BENCH_REPEAT=3 npm run bench`, so that the section quotes
 * spreads, not one run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCapacitySection, summaryOf, withSection } from './lib/capacity-section.ts';
import type { BenchReport } from './lib/report.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench-results', 'bench.json'));
let report: BenchReport;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
} catch (err) {
  process.stderr.write(`bench:readme: cannot read ${file}: ${(err as Error).message}. Run \`npm run bench\` first.\n`);
  process.exit(2);
}
const summary = summaryOf(report);
writeFileSync(path.join(ROOT, 'bench', 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
const readmePath = path.join(ROOT, 'README.md');
try {
  writeFileSync(readmePath, withSection(readFileSync(readmePath, 'utf8'), renderCapacitySection(summary)));
} catch (err) {
  process.stderr.write(`bench:readme: ${(err as Error).message}\n`);
  process.exit(2);
}
process.stdout.write(`README.md's capacity section and bench/summary.json written from ${path.relative(process.cwd(), file)}\n`);
