/**
 * BENCH_REPEAT=N: the headline figures over N bench runs in a row, each
 * with its median and range. This machine's speed drifts by a quarter over
 * an hour, so one run's figure says little on its own; the ratios, taken
 * within one run, move much less.
 */
import { median } from '../../src/history/stats.ts';
import type { RawRun } from './measurements.ts';
import type { BenchReport } from './report.ts';

export interface Spread {
  key: HeadlineKey;
  figure: string;
  unit: string;
  /** one value per run that measured it, in run order */
  values: number[];
  median?: number;
  min?: number;
  max?: number;
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
/** The floor counts only from a raw run without problems (one held back by the sandbox reads low). */
const usableRaw = (raw: RawRun | undefined) => (raw?.usable ? raw : undefined);

/** The figures the closing notes and the README quote, read off one run's report. */
const HEADLINES = [
  { key: 'satLuneo', figure: 'saturated: luneo engine, CPU per 1,000 requests', unit: 'ms', read: (r) => r.max?.package.cpuMsPer1000 },
  { key: 'satStock', figure: 'saturated: stock HTTP engine, CPU per 1,000 requests', unit: 'ms', read: (r) => r.max?.stock.cpuMsPer1000 },
  { key: 'satRaw', figure: 'saturated: raw undici loop, CPU per 1,000 requests', unit: 'ms', read: (r) => usableRaw(r.max?.raw)?.cpuMsPer1000 },
  { key: 'satLuneoVsRaw', figure: 'saturated: luneo ÷ raw', unit: '×', read: (r) => (usableRaw(r.max?.raw) ? r.max?.cpuVsRaw : undefined) },
  { key: 'satLuneoVsStock', figure: 'saturated: luneo ÷ stock', unit: '×', read: (r) => r.max?.cpuVsStock },
  { key: 'satStockVsRaw', figure: 'saturated: stock ÷ raw', unit: '×', read: (r) => ratio(r.max?.stock.cpuMsPer1000, usableRaw(r.max?.raw)?.cpuMsPer1000) },
  { key: 'satMaxRate', figure: 'saturated: luneo engine, max rate on one worker', unit: 'req/s', read: (r) => r.max?.package.requestsPerSecond },
  { key: 'shareLuneo', figure: 'prod share: luneo engine, CPU per 1,000 requests (process)', unit: 'ms', read: (r) => r.share?.processCpuMsPer1000 },
  { key: 'shareStock', figure: 'prod share: stock HTTP engine, CPU per 1,000 requests (process)', unit: 'ms', read: (r) => r.share?.stock?.processCpuMsPer1000 },
  { key: 'shareRaw', figure: 'prod share: raw undici loop, CPU per 1,000 requests', unit: 'ms', read: (r) => usableRaw(r.share?.raw)?.cpuMsPer1000 },
  { key: 'shareLuneoVsRaw', figure: 'prod share: luneo ÷ raw', unit: '×', read: (r) => (usableRaw(r.share?.raw) ? r.share?.vsRaw : undefined) },
  { key: 'shareLuneoVsStock', figure: 'prod share: luneo ÷ stock', unit: '×', read: (r) => r.share?.vsStock },
  { key: 'shareStockVsRaw', figure: 'prod share: stock ÷ raw', unit: '×', read: (r) => ratio(r.share?.stock?.processCpuMsPer1000, usableRaw(r.share?.raw)?.cpuMsPer1000) },
  { key: 'shareWorkerCores', figure: 'prod share: luneo worker thread', unit: 'cores', read: (r) => r.share?.workerCores },
  { key: 'shareRate', figure: 'prod share: luneo request rate', unit: 'req/s', read: (r) => r.share?.requestsPerSecond },
  { key: 'shareBusy', figure: 'prod share: luneo busy, typical', unit: '%', read: (r) => (r.share?.busyShare !== undefined ? r.share.busyShare * 100 : undefined) },
  { key: 'sharePass', figure: 'prod share: luneo generator verdict PASS', unit: 'pass', read: (r) => (r.share?.run.verdict === undefined ? undefined : r.share.run.verdict === 'pass' ? 1 : 0) },
  { key: 'shareStockPass', figure: 'prod share: stock generator verdict PASS', unit: 'pass', read: (r) => (r.share?.stock?.run.verdict === undefined ? undefined : r.share.stock.run.verdict === 'pass' ? 1 : 0) },
  { key: 'prodPerWorker', figure: 'prod on one 4-vCPU machine: share of a core per worker', unit: '%', read: (r) => (r.prodOnOneMachine?.workerCores !== undefined ? r.prodOnOneMachine.workerCores * 100 : undefined) },
  { key: 'moderateLuneo', figure: 'moderate rate: luneo engine, marginal CPU per 1,000 requests', unit: 'ms', read: (r) => r.cpu?.package.marginal?.cpuMsPer1000 },
  { key: 'memoryKbPerUser', figure: 'memory per thinking user', unit: 'KB', read: (r) => r.memory?.kbPerUser },
  { key: 'memoryThinkingCores', figure: 'memory run, 40 arrivals/s then thinking: worker thread in the high hold', unit: 'cores', read: (r) => r.memory?.high.workerCores },
  { key: 'memoryThinkingBusy', figure: 'memory run, 40 arrivals/s then thinking: busy in the high hold', unit: '%', read: (r) => r.memory?.high.busyPercent },
] as const satisfies readonly { key: string; figure: string; unit: string; read(r: BenchReport): number | undefined }[];

/** A headline figure's name in code: what the README section looks figures up by. */
export type HeadlineKey = (typeof HEADLINES)[number]['key'];

export function spreads(reports: readonly BenchReport[]): Spread[] {
  const out: Spread[] = [];
  for (const h of HEADLINES) {
    const values = reports.map((r) => h.read(r)).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0) continue;
    const s: Spread = { key: h.key, figure: h.figure, unit: h.unit, values };
    s.median = median(values);
    s.min = Math.min(...values);
    s.max = Math.max(...values);
    out.push(s);
  }
  return out;
}

function num(v: number, unit: string): string {
  if (unit === 'pass') return String(v);
  const digits = unit === '×' || unit === 'cores' ? 2 : Math.abs(v) >= 100 ? 0 : 1;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One line per figure: median (min–max) over the runs; a count for verdicts. */
export function spreadText(s: Spread): string {
  if (s.unit === 'pass') return `${s.values.filter((v) => v === 1).length} of ${s.values.length}`;
  const u = s.unit === '×' ? '' : ` ${s.unit}`;
  return `${num(s.median ?? NaN, s.unit)}${u} (${num(s.min ?? NaN, s.unit)}–${num(s.max ?? NaN, s.unit)}, ${s.values.length} run${s.values.length === 1 ? '' : 's'})`;
}
