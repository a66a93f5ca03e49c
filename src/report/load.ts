/**
 * Reading a results file for `npm run report`: the package's own results
 * file, or Artillery's `-o` output, whose missing luneo section is computed
 * here from the metrics as far as they allow (no thresholds, no phases).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type LuneoSection, RESULT_FILES, type ResultsFile } from '../run/recorder.ts';
import { concurrencySeries, generatorHealth, type PeriodReport, type Summary, verdict } from '../verdict/summary.ts';
import { METRICS } from '../metric-names.ts';

/** Bad input to the report command: the message is one line that says what is wrong. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

export interface LoadedResults {
  results: ResultsFile;
  /** the luneo section was computed here, not recorded by the run */
  derived: boolean;
  notes: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numbers(v: unknown): Record<string, number> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

function summaries(v: unknown): Record<string, Summary> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, Summary] => isObject(e[1]) && typeof e[1].p50 === 'number'));
}

/** Keeps only well-formed numbers and summaries: the report must not break on a hand-edited file. */
function period(v: unknown): PeriodReport {
  const r = isObject(v) ? v : {};
  const out: PeriodReport = { counters: numbers(r.counters), rates: numbers(r.rates), summaries: summaries(r.summaries) };
  if (typeof r.period === 'number' || typeof r.period === 'string') out.period = r.period;
  if (typeof r.firstMetricAt === 'number') out.firstMetricAt = r.firstMetricAt;
  if (typeof r.lastMetricAt === 'number') out.lastMetricAt = r.lastMetricAt;
  return out;
}

function looksRecorded(v: unknown): v is LuneoSection {
  return (
    isObject(v) &&
    typeof v.scenario === 'string' &&
    isObject(v.verdict) &&
    typeof v.verdict.kind === 'string' &&
    Array.isArray(v.checks) &&
    isObject(v.generator) &&
    Array.isArray(v.generator.phases) &&
    Array.isArray(v.concurrency)
  );
}

function guessScenario(file: string, aggregate: PeriodReport): string {
  const base = path.basename(file);
  for (const [scenario, name] of Object.entries(RESULT_FILES)) if (base === name) return scenario;
  const names = Object.keys(aggregate.counters).concat(Object.keys(aggregate.summaries));
  if (names.some((k) => k.startsWith('luneo_render_'))) return 'render';
  if (names.some((k) => k.startsWith('luneo_embed_'))) return 'embed';
  return 'unknown';
}

/** The luneo section from the metrics alone, with what verdict/summary.ts can compute without the plugin's records. */
export function deriveLuneo(scenario: string, aggregate: PeriodReport, intermediate: readonly PeriodReport[]): LuneoSection {
  const health = generatorHealth([], aggregate, intermediate);
  const present = (name: string) => name in aggregate.counters || intermediate.some((p) => name in p.counters);
  const concurrency = present(METRICS.load.userSeconds) ? concurrencySeries(intermediate) : [];
  const luneo: LuneoSection = {
    scenario,
    verdict: verdict([], health, false),
    checks: [],
    generator: health,
    concurrency,
    peakUsers: concurrency.reduce((m, p) => Math.max(m, p.users), 0),
    peakUsersSampled: concurrency.reduce((m, p) => Math.max(m, p.usersMax ?? 0), 0),
  };
  if (concurrency.some((p) => p.rendersInFlightMax !== undefined)) {
    luneo.peakRendersInFlight = concurrency.reduce((m, p) => Math.max(m, p.rendersInFlightMax ?? 0), 0);
  }
  return luneo;
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
  if (!isObject(json) || !isObject(json.aggregate) || !Array.isArray(json.intermediate)) {
    throw new ReportInputError(`${file}: not a results file: it has no "aggregate" and "intermediate" (expected the package's results file or Artillery's -o output)`);
  }
  const aggregate = period(json.aggregate);
  const intermediate = json.intermediate.map(period);
  if (looksRecorded(json.luneo)) {
    return { results: { aggregate, intermediate, luneo: json.luneo }, derived: false, notes: [] };
  }
  const luneo = deriveLuneo(guessScenario(file, aggregate), aggregate, intermediate);
  const notes = [
    json.luneo === undefined
      ? "Artillery's own output without the luneo section: no thresholds or phases were recorded, so there is no verdict; generator health and concurrency are computed from the metrics."
      : 'The luneo section of this file is incomplete: it was recomputed from the metrics, without thresholds or phases, so there is no verdict.',
  ];
  return { results: { aggregate, intermediate, luneo }, derived: true, notes };
}
