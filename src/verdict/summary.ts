/**
 * What a finished run means: the concurrency it reached, whether the
 * generator kept its schedule, and the verdict. Pure functions over
 * Artillery's own report objects, shared by the plugin (at the end of a
 * run) and the report command (on a results file).
 */
import { plannedArrivals } from '../load/model.ts';
import { METRICS } from '../metric-names.ts';
import { EXIT } from './exit-codes.ts';
import { abortReason, type AbortRecord, abortRecord } from './abort.ts';

export interface Summary {
  min: number;
  max: number;
  count: number;
  mean?: number;
  p50: number;
  p75?: number;
  p90?: number;
  p95: number;
  p99: number;
  p999?: number;
}

/** One period (10 s) or the aggregate of Artillery's metrics. */
export interface PeriodReport {
  period?: number | string;
  firstMetricAt?: number;
  lastMetricAt?: number;
  counters: Record<string, number>;
  rates?: Record<string, number>;
  summaries: Record<string, Summary>;
}

export interface PhaseRecord {
  index: number;
  name?: string;
  /** set duration, seconds */
  duration?: number;
  pause?: number;
  arrivalRate?: number;
  arrivalCount?: number;
  startTime?: number;
  endTime?: number;
}

export interface Check {
  expression: string;
  passed: boolean;
  strict: boolean;
}

export interface ConcurrencyPoint {
  /** the period's timestamp (epoch ms) */
  at: number;
  /** mean users alive over the period, all workers together */
  users: number;
  /** most users alive at one time on one worker (exact with one worker) */
  usersMax?: number;
  rendersInFlight?: number;
  rendersInFlightMax?: number;
}

/** Artillery reports metrics in periods of this length. */
export const PERIOD_SECONDS = 10;

/**
 * Concurrency per period from the presence samples (see presence.ts):
 * user-seconds over the period's length give the mean, summed correctly
 * over workers; the sampled histograms give the per-worker maximum.
 */
export function concurrencySeries(intermediate: readonly PeriodReport[]): ConcurrencyPoint[] {
  const L = METRICS.load;
  return [...intermediate]
    .sort((a, b) => Number(a.period) - Number(b.period))
    .map((p) => {
      const c = p.counters;
      const point: ConcurrencyPoint = { at: Number(p.period), users: round1((c[L.userSeconds] ?? 0) / PERIOD_SECONDS) };
      const um = p.summaries[L.concurrentUsers]?.max;
      if (um !== undefined) point.usersMax = um;
      if (c[L.renderSeconds] !== undefined) point.rendersInFlight = round1(c[L.renderSeconds] / PERIOD_SECONDS);
      const rm = p.summaries[L.rendersInFlight]?.max;
      if (rm !== undefined) point.rendersInFlightMax = rm;
      return point;
    });
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export interface GeneratorLimits {
  /** a phase may run this much longer than set before the schedule counts as slipped */
  phaseOverrunMs: number;
  phaseOverrunFraction: number;
  /** created + skipped users below this share of the planned ones */
  minCreatedShare: number;
  /** median over the run of each period's event-loop delay p99, milliseconds */
  maxEventLoopDelayMs: number;
  /** median event-loop utilisation of the workers' threads, 0..1 */
  maxBusyShare: number;
  /** with the threads that busy, this much event-loop delay (ms) already means saturation */
  saturatedDelayMs: number;
}

export const GENERATOR_LIMITS: GeneratorLimits = {
  phaseOverrunMs: 1500,
  phaseOverrunFraction: 0.05,
  minCreatedShare: 0.97,
  maxEventLoopDelayMs: 100,
  maxBusyShare: 0.9,
  saturatedDelayMs: 30,
};

export interface GeneratorHealth {
  overloaded: boolean;
  problems: string[];
  plannedUsers: number;
  createdUsers: number;
  phases: { name: string; setMs: number; tookMs?: number }[];
  eventLoopDelayP99Ms?: number;
  busyShare?: number;
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/**
 * Did the generator do what it was asked? Artillery, overloaded, stretches
 * phases and creates fewer users than planned, and its latencies then miss
 * the delay (coordinated omission): such a run must not pass a gate.
 */
export function generatorHealth(
  phases: readonly PhaseRecord[],
  aggregate: PeriodReport,
  intermediate: readonly PeriodReport[],
  limits: GeneratorLimits = GENERATOR_LIMITS,
): GeneratorHealth {
  const problems: string[] = [];
  const planned = plannedArrivals(phases);
  const created = (aggregate.counters['vusers.created'] ?? 0) + (aggregate.counters['vusers.skipped'] ?? 0);
  if (planned > 0 && created < planned * limits.minCreatedShare && planned - created > 2) {
    problems.push(`created ${created} of ${planned} planned users (${((100 * created) / planned).toFixed(1)} %)`);
  }
  const phaseRows = phases.map((p) => {
    const setMs = ((p.duration ?? p.pause ?? 0) as number) * 1000;
    const tookMs = p.startTime !== undefined && p.endTime !== undefined ? p.endTime - p.startTime : undefined;
    const name = p.name ?? `phase ${p.index + 1}`;
    if (tookMs !== undefined && tookMs - setMs > Math.max(limits.phaseOverrunMs, setMs * limits.phaseOverrunFraction)) {
      problems.push(`phase "${name}" took ${(tookMs / 1000).toFixed(1)} s instead of ${(setMs / 1000).toFixed(1)} s`);
    }
    return tookMs === undefined ? { name, setMs } : { name, setMs, tookMs };
  });
  const eld = median(intermediate.map((p) => p.summaries[METRICS.generator.eventLoopDelayP99Ms]?.max).filter((x): x is number => typeof x === 'number'));
  if (eld !== undefined && eld > limits.maxEventLoopDelayMs) {
    problems.push(`worker event loop delayed ${eld.toFixed(0)} ms (p99, median over the run): requests left late`);
  }
  const busy = median(intermediate.map((p) => p.summaries[METRICS.generator.busyShare]?.max).filter((x): x is number => typeof x === 'number'));
  // A busy loop alone is not overload: Artillery's arrival timer spins (yielding to the loop) whenever
  // arrivals are under 25 ms apart, which reads as 100 % busy while nothing runs late. Busy and
  // delayed together is saturation.
  if (busy !== undefined && busy / 100 > limits.maxBusyShare && eld !== undefined && eld > limits.saturatedDelayMs) {
    problems.push(`worker threads busy ${busy.toFixed(0)} % of the time with the loop ${eld.toFixed(0)} ms late (medians over the run): the generator was saturated`);
  }
  const health: GeneratorHealth = { overloaded: problems.length > 0, problems, plannedUsers: planned, createdUsers: created, phases: phaseRows };
  if (eld !== undefined) health.eventLoopDelayP99Ms = eld;
  if (busy !== undefined) health.busyShare = busy / 100;
  return health;
}

export type VerdictKind = 'pass' | 'slo_failed' | 'generator_overloaded' | 'aborted';

export interface Verdict {
  kind: VerdictKind;
  passed: boolean;
  reasons: string[];
  /** exit code the run should end with */
  exitCode: number;
  /** set when the kill switch stopped the run (kind 'aborted') */
  abort?: AbortRecord;
}

export function verdict(checks: readonly Check[], health: GeneratorHealth, acceptOverload: boolean): Verdict {
  const judged = judge(checks, health, acceptOverload);
  // The kill switch (abort.ts) outranks every other outcome: the run did not go the distance.
  const abort = abortRecord();
  if (!abort) return judged;
  return { kind: 'aborted', passed: false, reasons: [abortReason(abort), ...judged.reasons], exitCode: EXIT.aborted, abort };
}

function judge(checks: readonly Check[], health: GeneratorHealth, acceptOverload: boolean): Verdict {
  const failed = checks.filter((c) => !c.passed && c.strict);
  const reasons: string[] = [];
  if (health.overloaded) {
    reasons.push(
      acceptOverload
        ? `generator overloaded (accepted by LUNEO_ACCEPT_OVERLOAD): ${health.problems.join('; ')}`
        : `generator overloaded, results invalid: ${health.problems.join('; ')}`,
    );
  }
  for (const c of failed) reasons.push(`threshold failed: ${c.expression}`);
  if (health.overloaded && !acceptOverload) return { kind: 'generator_overloaded', passed: false, reasons, exitCode: EXIT.generator_overloaded };
  if (failed.length > 0) return { kind: 'slo_failed', passed: false, reasons, exitCode: EXIT.slo_failed };
  if (checks.length === 0) return { kind: 'slo_failed', passed: false, reasons: ['no threshold was checked (is the ensure plugin loaded?)'], exitCode: EXIT.slo_failed };
  return { kind: 'pass', passed: true, reasons, exitCode: EXIT.pass };
}
