/**
 * From runs to figures: pure functions over the samples, phase events and
 * results of finished runs, so that the arithmetic can be checked apart
 * from the machinery (bench/figures.test.ts).
 */
import type { ResultsFile } from '../../src/results/recorder.ts';
import { METRICS } from '../../src/metric-names.ts';
import type { PeriodReport } from '../../src/verdict/summary.ts';
import { type PhaseEvent, type Sample, valueAt } from './artillery.ts';
import { median } from './proc.ts';

export interface Window {
  from: number;
  to: number;
}

export function requestsOf(r: ResultsFile | undefined): number {
  return r?.aggregate.counters['http.requests'] ?? 0;
}

/** Requests that did not end in a 2xx, plus transport errors, over requests sent. */
export function failedShare(r: ResultsFile | undefined): number {
  if (!r) return 1;
  const c = r.aggregate.counters;
  const sent = c['http.requests'] ?? 0;
  let ok = 0;
  let errors = 0;
  for (const [k, v] of Object.entries(c)) {
    if (/^http\.codes\.2\d\d$/.test(k)) ok += v;
    if (k.startsWith('errors.')) errors += v;
  }
  if (sent === 0) return 1;
  return Math.max(0, sent - ok) / sent + errors / sent;
}

export interface Marginal {
  /** CPU milliseconds per 1,000 more requests */
  cpuMsPer1000: number;
  /** CPU seconds the run costs whatever its length (start-up, bundling, shutdown) */
  fixedCpuSeconds: number;
  requestsShort: number;
  requestsLong: number;
  cpuShort: number;
  cpuLong: number;
}

/**
 * The cost of one more request: the CPU difference between a long and a
 * short run of the same flow over their request-count difference, so that
 * the start-up cost (bundling, loading, writing results) cancels out.
 */
export function marginalCost(short: { cpu: number; requests: number }, long: { cpu: number; requests: number }): Marginal | undefined {
  const dr = long.requests - short.requests;
  if (dr <= 0) return undefined;
  const perRequest = (long.cpu - short.cpu) / dr;
  return {
    cpuMsPer1000: perRequest * 1e6,
    fixedCpuSeconds: short.cpu - perRequest * short.requests,
    requestsShort: short.requests,
    requestsLong: long.requests,
    cpuShort: short.cpu,
    cpuLong: long.cpu,
  };
}

/** From the `started` event of the first phase matching `first` to the `completed` event of the last one matching `last`. */
export function phaseWindow(events: readonly PhaseEvent[], first: (e: PhaseEvent) => boolean, last: (e: PhaseEvent) => boolean = first): Window | undefined {
  const start = events.find((e) => e.kind === 'started' && first(e));
  const ends = events.filter((e) => e.kind === 'completed' && last(e));
  const end = ends[ends.length - 1];
  if (!start || !end || end.at <= start.at) return undefined;
  return { from: start.at, to: end.at };
}

/** The n-th (0-based) phase whose name matches, as a window. */
export function nthPhase(events: readonly PhaseEvent[], match: RegExp, n: number): Window | undefined {
  const indices = [...new Set(events.filter((e) => match.test(e.name)).map((e) => e.index))].sort((a, b) => a - b);
  const index = indices[n];
  if (index === undefined) return undefined;
  return phaseWindow(events, (e) => e.index === index);
}

/** Cores used by the series `pick` between two instants (CPU seconds per second). */
export function coresUsed(samples: readonly Sample[], w: Window, pick: (s: Sample) => number | undefined): number | undefined {
  const a = valueAt(samples, w.from, pick);
  const b = valueAt(samples, w.to, pick);
  if (a === undefined || b === undefined || w.to <= w.from) return undefined;
  return (b - a) / ((w.to - w.from) / 1000);
}

export function medianRssKb(samples: readonly Sample[], w: Window): { medianKb: number; samples: number } | undefined {
  const xs = samples.filter((s) => s.at >= w.from && s.at <= w.to && s.rssKb !== undefined).map((s) => s.rssKb as number);
  const m = median(xs);
  return m === undefined ? undefined : { medianKb: m, samples: xs.length };
}

/** Artillery's 10-second periods that lie entirely inside a window. */
export function periodsInside(intermediate: readonly PeriodReport[], w: Window, periodMs = 10_000): PeriodReport[] {
  return intermediate.filter((p) => {
    const start = Number(p.period);
    return Number.isFinite(start) && start >= w.from && start + periodMs <= w.to;
  });
}

/**
 * A second estimate of CPU per request from inside one run: the process's
 * CPU over the steady 10-second periods divided by the requests Artillery
 * counted in them. No start-up to cancel, but few periods in a short run.
 */
export function steadyCpuMsPer1000(samples: readonly Sample[], intermediate: readonly PeriodReport[], w: Window): { cpuMsPer1000: number; periods: number } | undefined {
  let cpu = 0;
  let requests = 0;
  let n = 0;
  for (const p of periodsInside(intermediate, w)) {
    const start = Number(p.period);
    const c = coresUsed(samples, { from: start, to: start + 10_000 }, (s) => s.cpu);
    const r = p.counters['http.requests'];
    if (c === undefined || r === undefined || r === 0) continue;
    cpu += c * 10;
    requests += r;
    n++;
  }
  return n === 0 ? undefined : { cpuMsPer1000: (cpu / requests) * 1e6, periods: n };
}

/** The best 10-second period's request rate inside a window (what the generator sustained at its best). */
export function bestPeriodRate(intermediate: readonly PeriodReport[], w: Window): number | undefined {
  const rates = periodsInside(intermediate, w).map((p) => (p.counters['http.requests'] ?? 0) / 10);
  return rates.length === 0 ? undefined : Math.max(...rates);
}

/**
 * Artillery's 10-second period that overlaps a window the most, if it
 * overlaps by at least half a period: its figures describe the window
 * rather than the ramps on either side.
 */
export function periodMostlyIn(intermediate: readonly PeriodReport[], w: Window, periodMs = 10_000): PeriodReport | undefined {
  let best: { p: PeriodReport; overlap: number } | undefined;
  for (const p of intermediate) {
    const start = Number(p.period);
    if (!Number.isFinite(start)) continue;
    const overlap = Math.min(start + periodMs, w.to) - Math.max(start, w.from);
    if (overlap > (best?.overlap ?? 0)) best = { p, overlap };
  }
  return best && best.overlap >= periodMs / 2 ? best.p : undefined;
}

/** Users one worker held during a window (median of the package's once-a-second presence samples in the period most inside it). */
export function usersAlive(r: ResultsFile | undefined, w: Window): number | undefined {
  const p = r ? periodMostlyIn(r.intermediate, w) : undefined;
  return p?.summaries[METRICS.load.concurrentUsers]?.p50;
}

/** Requests per second Artillery counted between its first and last metric. */
export function achievedRate(r: ResultsFile | undefined): { rate: number; elapsedSeconds: number } | undefined {
  const a = r?.aggregate;
  if (!a || a.firstMetricAt === undefined || a.lastMetricAt === undefined || a.lastMetricAt <= a.firstMetricAt) return undefined;
  const elapsedSeconds = (a.lastMetricAt - a.firstMetricAt) / 1000;
  return { rate: requestsOf(r) / elapsedSeconds, elapsedSeconds };
}

/** Arrival phases: how long they took against how long they were set to last. */
export function phaseStretch(r: ResultsFile | undefined): { setSeconds: number; tookSeconds: number; stretch: number } | undefined {
  const rows = r?.luneo.generator.phases.filter((p) => p.tookMs !== undefined && p.setMs > 0 && !/\((hold|users leave)\)/.test(p.name));
  if (!rows || rows.length === 0) return undefined;
  const set = rows.reduce((s, p) => s + p.setMs, 0);
  const took = rows.reduce((s, p) => s + (p.tookMs ?? 0), 0);
  return { setSeconds: set / 1000, tookSeconds: took / 1000, stretch: took / set };
}

export interface ThreadCores {
  /** the main thread (thread id = pid): plugins, metrics aggregation, console */
  main?: number;
  /** the busiest other thread: with one local worker, the worker that runs the virtual users */
  worker?: number;
}

/**
 * Cores used per thread over a window. A worker thread far below one core
 * while its event loop reports itself busy was waiting for a CPU, not
 * working: the machine, not the generator, set the pace.
 */
export function threadCores(samples: readonly Sample[], w: Window, mainTid: number | undefined): ThreadCores {
  const inside = samples.filter((s) => s.threads && s.at >= w.from && s.at <= w.to);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (!first?.threads || !last?.threads || last.at <= first.at) return {};
  const seconds = (last.at - first.at) / 1000;
  const out: ThreadCores = {};
  let busiest: number | undefined;
  for (const [tid, cpu] of Object.entries(last.threads)) {
    const before = first.threads[Number(tid)];
    if (before === undefined) continue;
    const cores = (cpu - before) / seconds;
    if (Number(tid) === mainTid) out.main = cores;
    else if (busiest === undefined || cores > busiest) busiest = cores;
  }
  if (busiest !== undefined) out.worker = busiest;
  return out;
}
