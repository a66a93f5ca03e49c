/**
 * Did the load generator keep up? Each worker judges each second of its
 * own (generator-monitor.ts): saturated when its event loop was busy and
 * late, or very late whatever it was doing. A run is invalid when any one
 * worker stayed saturated through most of a 20-second window (two of
 * Artillery's periods) or for more than a small share of the run: then
 * requests left late and the latencies miss the delay (coordinated
 * omission). A short spike passes. Computed from Artillery's combined
 * metrics alone, so every runner gets the same judgement.
 */
import { METRICS } from '../metric-names.ts';
import type { PeriodReport } from './summary.ts';

/** Users Artillery started, or skipped under maxVusers: both were delivered by the arrival plan. */
export function createdUsers(counters: Readonly<Record<string, number>>): number {
  return (counters['vusers.created'] ?? 0) + (counters['vusers.skipped'] ?? 0);
}

export interface GeneratorLimits {
  /** a second with the loop busy at least this share (percent)... */
  busyPercent: number;
  /** ...and its p99 delay (monitor resolution taken off) above this is saturated: busy alone is Artillery's arrival timer spinning */
  lateMs: number;
  /** a p99 delay above this is saturated whatever the busy share (a blocked loop: GC, synchronous work) */
  blockedMs: number;
  /** the sliding window a worker's saturated seconds are counted over */
  windowSeconds: number;
  /** saturated seconds within one window that make the overload sustained */
  maxSaturatedInWindowS: number;
  /** a worker saturated for more than this share of the profile, in total... */
  maxSaturatedShare: number;
  /** ...and at least this many seconds, fails as well: overload that comes and goes all run long */
  minSaturatedTotalS: number;
}

export const GENERATOR_LIMITS: GeneratorLimits = {
  busyPercent: 90,
  lateMs: 20,
  blockedMs: 100,
  windowSeconds: 20,
  maxSaturatedInWindowS: 15,
  maxSaturatedShare: 0.1,
  minSaturatedTotalS: 10,
};

export function isSaturated(delayP99Ms: number, busyPercent: number, limits: GeneratorLimits = GENERATOR_LIMITS): boolean {
  return delayP99Ms > limits.blockedMs || (busyPercent >= limits.busyPercent && delayP99Ms > limits.lateMs);
}

export interface GeneratorHealth {
  overloaded: boolean;
  problems: string[];
  /** users the workers' phases planned, and those Artillery created (load-delivered.ts judges the gap) */
  plannedUsers: number;
  createdUsers: number;
  /** Artillery's phases as the main thread saw them (first worker's timing): shown, not judged */
  phases: { name: string; setMs: number; tookMs?: number }[];
  /** the median second's event-loop delay p99 (resolution taken off) and busy share, and the worst second's delay */
  eventLoopDelayP99Ms?: number;
  worstEventLoopDelayMs?: number;
  busyShare?: number;
  /** the worst worker's saturated seconds within any 20-s window, and in total */
  worstSaturatedInWindowS?: number;
  worstWorkerSaturatedS?: number;
  /** worker-seconds saturated, of worker-seconds sampled */
  saturatedSeconds?: number;
  sampledSeconds?: number;
  /** periods (epoch ms) in which some worker's window passed the limit */
  saturatedPeriods: number[];
}

function sortedPeriods(intermediate: readonly PeriodReport[]): PeriodReport[] {
  return [...intermediate].sort((a, b) => Number(a.period) - Number(b.period));
}

/** Where in the run, and at what concurrency, a stretch of periods lies: "50–70 s into the run, with 300 users (the peak)". */
export function describeStretch(intermediate: readonly PeriodReport[], periods: readonly number[], lookback: number = 10): string {
  const all = sortedPeriods(intermediate);
  const start = Number(all[0]?.period ?? periods[0] ?? 0);
  const first = Math.min(...periods);
  const last = Math.max(...periods);
  // Most users at one second (all workers), else the period's mean: a stretch at the end of the peak still reads as the peak.
  const atSecond = (p: PeriodReport) => Object.keys(p.counters).filter((k) => k.startsWith(METRICS.load.usersAtSecondPrefix)).map((k) => p.counters[k] ?? 0);
  const users = (p: PeriodReport) => {
    const seconds = atSecond(p);
    return seconds.length > 0 ? Math.max(...seconds) : (p.counters[METRICS.load.userSeconds] ?? 0) / 10;
  };
  // The profile's own level over the seconds that had users: an overloaded generator starts its users late and keeps
  // them past their schedule, so the users present can lag the plan at its peak and crowd a later period instead.
  const planned = (p: PeriodReport) => (p.counters[METRICS.load.plannedUserSeconds] ?? 0) / (atSecond(p).filter((n) => n > 0).length || 10);
  const stretch = all.filter((p) => Number(p.period) >= first && Number(p.period) <= last);
  const during = stretch.reduce((m, p) => Math.max(m, users(p)), 0);
  const near = (level: (p: PeriodReport) => number) => {
    const peak = all.reduce((m, p) => Math.max(m, level(p)), 0);
    return peak > 0 && stretch.some((p) => level(p) >= 0.9 * peak);
  };
  // A sliding window's period says where the window ended: it began up to `lookback` seconds before.
  const from = Math.max(0, Math.round((first - start) / 1000 - lookback));
  const profile = all.reduce((m, p) => Math.max(m, p.summaries[METRICS.load.profileSeconds]?.max ?? 0), 0);
  const end = Math.round((last - start) / 1000 + 10);
  const to = profile > from ? Math.min(end, Math.ceil(profile)) : end;
  const atPeak = near(users) || near(planned);
  return `${from}–${to} s into the run${during > 0 ? `, with ${Math.round(during)} users${atPeak ? ' (the peak)' : ''}` : ''}`;
}

export function generatorHealth(
  aggregate: PeriodReport,
  intermediate: readonly PeriodReport[],
  opts: { phases?: GeneratorHealth['phases']; profileSeconds?: number; limits?: GeneratorLimits } = {},
): GeneratorHealth {
  const limits = opts.limits ?? GENERATOR_LIMITS;
  const G = METRICS.generator;
  const L = METRICS.load;
  const s = aggregate.summaries;
  const c = aggregate.counters;
  const problems: string[] = [];
  const health: GeneratorHealth = {
    overloaded: false,
    problems,
    plannedUsers: c[L.plannedUsers] ?? 0,
    createdUsers: createdUsers(c),
    phases: opts.phases ?? [],
    saturatedPeriods: [],
  };
  if (s[G.eventLoopDelayP99Ms]) {
    health.eventLoopDelayP99Ms = s[G.eventLoopDelayP99Ms].p50;
    health.worstEventLoopDelayMs = s[G.eventLoopDelayP99Ms].max;
  }
  if (s[G.busyShare]) health.busyShare = s[G.busyShare].p50 / 100;
  if (c[G.sampledSeconds] !== undefined) {
    health.sampledSeconds = c[G.sampledSeconds];
    health.saturatedSeconds = c[G.saturatedSeconds] ?? 0;
  }
  const windowMax = s[G.saturatedInWindowS]?.max;
  const totalMax = s[G.workerSaturatedS]?.max;
  if (windowMax !== undefined) health.worstSaturatedInWindowS = windowMax;
  if (totalMax !== undefined) health.worstWorkerSaturatedS = totalMax;

  health.saturatedPeriods = sortedPeriods(intermediate)
    .filter((p) => (p.summaries[G.saturatedInWindowS]?.max ?? 0) >= limits.maxSaturatedInWindowS)
    .map((p) => Number(p.period));
  if (windowMax !== undefined && windowMax >= limits.maxSaturatedInWindowS) {
    const where = health.saturatedPeriods.length > 0 ? ` ${describeStretch(intermediate, health.saturatedPeriods)}` : '';
    problems.push(
      `a worker was saturated (busy and late) for ${Math.round(windowMax)} of ${limits.windowSeconds} s${where}: requests left late, so the latencies miss the delay`,
    );
  }
  const profileSeconds = opts.profileSeconds ?? s[L.profileSeconds]?.max;
  if (totalMax !== undefined && profileSeconds !== undefined && profileSeconds > 0 && problems.length === 0) {
    if (totalMax >= limits.minSaturatedTotalS && totalMax > limits.maxSaturatedShare * profileSeconds) {
      problems.push(
        `a worker was saturated (busy and late) for ${Math.round(totalMax)} s in all, ${Math.round((100 * totalMax) / profileSeconds)} % of the ${Math.round(profileSeconds)}-s profile (limit ${Math.round(100 * limits.maxSaturatedShare)} %)`,
      );
    }
  }
  health.overloaded = problems.length > 0;
  return health;
}
