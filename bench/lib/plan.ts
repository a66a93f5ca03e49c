/**
 * How long and how hard each measurement runs. The full plan fits the
 * issue's 10-minute bound on a 2-core machine; BENCH_QUICK=1 shrinks
 * everything for developing the bench (its figures are rough: few
 * requests between the short and the long run, small user counts).
 */

export interface BenchPlan {
  name: 'full' | 'quick';
  cpu: {
    /** looping embed users, and their fixed page pause: a moderate, steady request rate */
    users: number;
    rampSeconds: number;
    viewMs: number;
    /** the two hold lengths whose difference gives the marginal cost */
    shortSeconds: number;
    longSeconds: number;
  };
  max: {
    /** looping users without pauses: enough to keep one worker saturated */
    users: number;
    rampSeconds: number;
    holdSeconds: number;
  };
  /** the raw undici loop (same users, same pauses): warm-up before its measured window of `seconds` */
  raw: { warmupSeconds: number; seconds: number };
  memory: {
    low: number;
    high: number;
    arrivalsPerSecond: number;
    holdSeconds: number;
    viewMs: [number, number];
  };
  sandbox: { connections: number; seconds: number; warmupSeconds: number };
  /**
   * One worker at its share of the prod embed profile, at the prod page
   * pauses: its users (the full plan: 10,000 visitors over a 4-vCPU
   * machine's 3 workers), arrivals a second (below the 40 at which
   * Artillery's arrival timer spins), and the hold measured.
   */
  share: { users: number; arrivalsPerSecond: number; holdSeconds: number };
  /** seconds each server-view source is observed alone */
  observe: { seconds: number };
  /** seconds each arrival timer runs alone at each rate */
  arrivals: { seconds: number };
}

export const FULL: BenchPlan = {
  name: 'full',
  cpu: { users: 100, rampSeconds: 3, viewMs: 1000, shortSeconds: 15, longSeconds: 45 },
  max: { users: 120, rampSeconds: 3, holdSeconds: 20 },
  raw: { warmupSeconds: 3, seconds: 15 },
  // Pauses below the sandbox's 65 s keep-alive timeout: a thinking user keeps its connections, as a browser tab does.
  memory: { low: 1000, high: 5000, arrivalsPerSecond: 40, holdSeconds: 15, viewMs: [40_000, 60_000] },
  sandbox: { connections: 64, seconds: 10, warmupSeconds: 1 },
  share: { users: 3334, arrivalsPerSecond: 37, holdSeconds: 45 },
  observe: { seconds: 60 },
  arrivals: { seconds: 10 },
};

export const QUICK: BenchPlan = {
  name: 'quick',
  cpu: { users: 100, rampSeconds: 3, viewMs: 1000, shortSeconds: 4, longSeconds: 10 },
  max: { users: 120, rampSeconds: 3, holdSeconds: 6 },
  raw: { warmupSeconds: 2, seconds: 5 },
  memory: { low: 200, high: 600, arrivalsPerSecond: 40, holdSeconds: 8, viewMs: [40_000, 60_000] },
  sandbox: { connections: 64, seconds: 3, warmupSeconds: 1 },
  share: { users: 600, arrivalsPerSecond: 37, holdSeconds: 15 },
  observe: { seconds: 15 },
  arrivals: { seconds: 3 },
};

export type MeasurementName = 'cpu' | 'max' | 'memory' | 'sandbox' | 'share' | 'gate' | 'observe' | 'arrivals';
/** gate: the regression gate's evaluation on synthetic histories (bench/lib/change-point-eval.ts), no load; observe: the server view's own cost (bench/lib/observe-cost.ts); arrivals: the arrival timer's CPU before and after (bench/lib/arrivals-cost.ts) */
export const MEASUREMENTS: readonly MeasurementName[] = ['cpu', 'max', 'memory', 'sandbox', 'share', 'gate', 'observe', 'arrivals'];

/** Seconds of load (not counting Artillery's start-up of about 10–15 s per run). */
export function loadSeconds(p: BenchPlan): Record<MeasurementName, number> {
  const m = p.memory;
  return {
    // + the discarded 5-second warm-up run; each engine a short and a long run; the raw loop once
    cpu: 5 + 4 * (p.cpu.rampSeconds + 1) + 2 * (p.cpu.shortSeconds + p.cpu.longSeconds) + p.raw.warmupSeconds + p.raw.seconds,
    max: 2 * (p.max.rampSeconds + p.max.holdSeconds + 1) + p.raw.warmupSeconds + p.raw.seconds,
    memory: Math.ceil(m.high / m.arrivalsPerSecond) + 2 * m.holdSeconds + 1,
    sandbox: p.sandbox.seconds + p.sandbox.warmupSeconds,
    // the luneo and the stock engine, then the raw loop over the same ramp
    share: 3 * (Math.ceil(p.share.users / p.share.arrivalsPerSecond) + p.share.holdSeconds + 1),
    gate: 5,
    // three sources one after the other, and about 20 s to start PostgreSQL, Redis, Prometheus and the exporters
    observe: 3 * p.observe.seconds + 20,
    // three rates, each timer alone
    arrivals: 6 * p.arrivals.seconds,
  };
}

/** Artillery runs per measurement, each with its start-up cost. */
export const RUNS: Record<MeasurementName, number> = { cpu: 5, max: 2, memory: 1, sandbox: 0, share: 2, gate: 0, observe: 0, arrivals: 0 };
