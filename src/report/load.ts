/**
 * Reading a results file for `npm run report` and for the end of a Fargate
 * or Lambda run: the package's own results file, or Artillery's `-o`
 * output (local, Fargate or Lambda), whose luneo section is computed here
 * from the combined metrics alone: the same verdict, generator health and
 * load delivered as a local run, with the thresholds of the scenario file
 * checked over the aggregate as ensure checks them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type LuneoSection, RESULT_FILES, type ResultsFile, summarizeMetrics } from '../results/recorder.ts';
import type { PeriodReport, Summary } from '../verdict/summary.ts';
import { type EnsureSpec, judgeThresholds, scenarioEnsure } from '../verdict/thresholds.ts';
import { FLOWS } from '../flows/index.ts';
import { diagnose } from '../diagnosis/diagnose.ts';
import { isRecord } from '../config/record.ts';

/** Bad input to the report command: the message is one line that says what is wrong. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

export interface LoadedResults {
  results: ResultsFile;
  /** the luneo section was computed here, not recorded by the run */
  derived: boolean;
  /** no thresholds were found to judge by: the file is not from one of the package's scenarios */
  noVerdict: boolean;
  notes: string[];
}

function numbers(v: unknown): Record<string, number> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

function summaries(v: unknown): Record<string, Summary> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, Summary] => isRecord(e[1]) && typeof e[1].p50 === 'number'));
}

/** Keeps only well-formed numbers and summaries: the report must not break on a hand-edited file. */
function period(v: unknown): PeriodReport {
  const r = isRecord(v) ? v : {};
  const out: PeriodReport = { counters: numbers(r.counters), rates: numbers(r.rates), summaries: summaries(r.summaries) };
  if (typeof r.period === 'number' || typeof r.period === 'string') out.period = r.period;
  if (typeof r.firstMetricAt === 'number') out.firstMetricAt = r.firstMetricAt;
  if (typeof r.lastMetricAt === 'number') out.lastMetricAt = r.lastMetricAt;
  return out;
}

function looksRecorded(v: unknown): v is LuneoSection {
  return (
    isRecord(v) &&
    typeof v.scenario === 'string' &&
    isRecord(v.verdict) &&
    typeof v.verdict.kind === 'string' &&
    Array.isArray(v.checks) &&
    isRecord(v.generator) &&
    Array.isArray(v.generator.phases) &&
    Array.isArray(v.concurrency)
  );
}

function guessScenario(file: string, aggregate: PeriodReport): string {
  const base = path.basename(file);
  for (const [scenario, name] of Object.entries(RESULT_FILES)) if (base === name) return scenario;
  const names = Object.keys(aggregate.counters).concat(Object.keys(aggregate.summaries));
  return Object.values(FLOWS).find((f) => names.some((k) => k.startsWith(f.metricPrefix)))?.name ?? 'unknown';
}

/**
 * The luneo section from the metrics alone, judged by the thresholds the
 * file recorded or, for Artillery's own `-o` output, which records none,
 * those of scenarios/<scenario>.yml as it is today. `noVerdict` when there
 * are no thresholds to judge by.
 */
export function deriveLuneo(
  scenario: string,
  aggregate: PeriodReport,
  intermediate: readonly PeriodReport[],
  recorded?: EnsureSpec,
): { luneo: LuneoSection; noVerdict: boolean } {
  const spec = recorded ?? scenarioEnsure(scenario);
  const checks = judgeThresholds(spec, aggregate);
  const luneo = summarizeMetrics({ scenario, aggregate, intermediate, checks });
  if (spec) luneo.thresholds = spec;
  if (spec && !recorded) luneo.checksFrom = `scenarios/${scenario}.yml`;
  return { luneo, noVerdict: checks.length === 0 };
}

export function readResultsFile(file: string): LoadedResults {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReportInputError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory, not a results file` : `${file}: cannot be read (${code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReportInputError(`${file}: not JSON: expected a results file (${Object.values(RESULT_FILES).join(', ')}) or Artillery's -o output`);
  }
  if (!isRecord(json) || !isRecord(json.aggregate) || !Array.isArray(json.intermediate)) {
    throw new ReportInputError(`${file}: not a results file: it has no "aggregate" and "intermediate" (expected the package's results file or Artillery's -o output)`);
  }
  const aggregate = period(json.aggregate);
  const intermediate = json.intermediate.map(period);
  if (looksRecorded(json.luneo)) {
    const results: ResultsFile = { aggregate, intermediate, luneo: json.luneo };
    // A file from before the diagnosis existed gets one from what it recorded.
    results.luneo.diagnosis ??= diagnose(results);
    return { results, derived: false, noVerdict: false, notes: [] };
  }
  const scenario = guessScenario(file, aggregate);
  const recorded = isRecord(json.luneo) && isRecord(json.luneo.thresholds) ? (json.luneo.thresholds as EnsureSpec) : undefined;
  const { luneo, noVerdict } = deriveLuneo(scenario, aggregate, intermediate, recorded);
  luneo.diagnosis = diagnose({ aggregate, intermediate, luneo });
  const notes = noVerdict
    ? [`No thresholds for scenario "${scenario}": this is not the output of one of the package's scenarios, so there is no verdict; generator health and concurrency are computed from the metrics.`]
    : [
        `${json.luneo === undefined ? "Artillery's own output" : 'A results file with an incomplete luneo section'}: the verdict, generator health and load delivered were computed from its combined metrics, with the thresholds of ${luneo.checksFrom ?? 'the scenario'}.`,
      ];
  return { results: { aggregate, intermediate, luneo }, derived: true, noVerdict, notes };
}
