/**
 * The closed-model load of the requirements (k6 stages: "ramp to N users
 * over D") expressed in Artillery's open model.
 *
 * A virtual user is a visitor who arrives once and keeps loading pages
 * until the profile says the population shrinks. Concurrency C(t) is the
 * stage curve, so while C rises by ΔC over D seconds, ΔC users arrive
 * evenly (ΔC/D per second: Little's law with the user's stay as the
 * session length); while C holds or falls nobody arrives, and each user
 * leaves at the first moment C(t) drops below the population it joined
 * (last in, first out, as k6 removes VUs). Departures depend only on the
 * arrival time, so they are right whatever the number of workers.
 */

export interface Stage {
  /** seconds */
  duration: number;
  /** concurrent users at the end of the stage */
  target: number;
}

export interface Profile {
  name: string;
  /** what the profile is for, shown in the README and at start */
  description: string;
  stages: Stage[];
}

/** Artillery phase, as it goes in the scenario YAML. */
export interface Phase {
  name: string;
  duration?: number;
  arrivalRate?: number;
  /** evenly spaced over `duration`: for ramps slower than one user a second */
  arrivalCount?: number;
  pause?: number;
}

/** A stretch of the arrival plan: `arrivals` users evenly over `duration` seconds. */
interface Segment {
  stage: number;
  start: number;
  duration: number;
  arrivals: number;
  /** how Artillery is told: a whole rate, a count over the duration, or nothing */
  kind: 'rate' | 'count' | 'pause';
}

/**
 * Pieces a ramp is cut into. One piece is two phases of whole rates, the
 * faster first (r + 1 users a second for f seconds, then r for D − f), with
 * exactly the ramp's arrivals: the count strays from the straight line by
 * f(1 − f/D) ≤ D/4 users at most (1,000→5,000 over 5 min: 67 users at the
 * worst second), and load delivered is judged on the holds. More pieces
 * follow the line closer and fill the scenario files with phases.
 */
const RAMP_PIECES = 1;

/**
 * The arrival plan both the phases and the departures follow. A rise of N
 * users over D seconds: one phase when N/D is whole; an evenly spaced
 * count when N < D (under one user a second; locally Artillery runs such a
 * phase in one worker, which such a rate does not strain); otherwise two
 * phases of whole rates (RAMP_PIECES) with exactly N arrivals.
 */
function arrivalPlan(stages: readonly Stage[]): Segment[] {
  const plan: Segment[] = [];
  let from = 0;
  let start = 0;
  stages.forEach((st, stage) => {
    const rise = st.target - from;
    if (rise <= 0) {
      plan.push({ stage, start, duration: st.duration, arrivals: 0, kind: 'pause' });
    } else if (rise % st.duration === 0) {
      plan.push({ stage, start, duration: st.duration, arrivals: rise, kind: 'rate' });
    } else if (rise < st.duration) {
      plan.push({ stage, start, duration: st.duration, arrivals: rise, kind: 'count' });
    } else {
      const pieces = Math.min(RAMP_PIECES, st.duration);
      let t = 0;
      let done = 0;
      for (let k = 1; k <= pieces; k++) {
        const until = Math.round((st.duration * k) / pieces);
        const upTo = Math.round((rise * until) / st.duration);
        const d = until - t;
        const a = upTo - done;
        const rate = Math.floor(a / d);
        const faster = a - rate * d; // seconds at rate + 1
        if (faster > 0) plan.push({ stage, start: start + t, duration: faster, arrivals: faster * (rate + 1), kind: 'rate' });
        if (d - faster > 0) plan.push({ stage, start: start + t + faster, duration: d - faster, arrivals: (d - faster) * rate, kind: rate > 0 ? 'rate' : 'pause' });
        t = until;
        done = upTo;
      }
    }
    from = st.target;
    start += st.duration;
  });
  return plan;
}

/** The profile for one of `divisor` distributed workers, each of which runs the whole script. */
export function scaleStages(stages: readonly Stage[], divisor: number): Stage[] {
  if (!Number.isInteger(divisor) || divisor < 1) throw new Error(`worker divisor must be a positive integer, got ${divisor}`);
  return stages.map((s) => ({ duration: s.duration, target: Math.round(s.target / divisor) }));
}

export function totalDuration(stages: readonly Stage[]): number {
  return stages.reduce((s, st) => s + st.duration, 0);
}

export function peakConcurrency(stages: readonly Stage[]): number {
  return stages.reduce((m, st) => Math.max(m, st.target), 0);
}

/** C(t): concurrent users the profile asks for at `t` seconds after the start. */
export function concurrencyAt(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  for (const st of stages) {
    if (t < start + st.duration) {
      const f = st.duration === 0 ? 1 : (t - start) / st.duration;
      return from + (st.target - from) * Math.max(0, f);
    }
    from = st.target;
    start += st.duration;
  }
  return 0;
}

/**
 * Users present at `t` by the arrival plan the phases follow: during a
 * rise, the stage's starting population plus the arrivals so far;
 * elsewhere C(t).
 */
function populationAt(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  let stageIndex = -1;
  for (const [i, st] of stages.entries()) {
    if (t < start + st.duration) {
      stageIndex = i;
      break;
    }
    from = st.target;
    start += st.duration;
  }
  const stage = stages[stageIndex];
  if (!stage || stage.target <= from) return concurrencyAt(stages, t);
  let arrived = 0;
  for (const seg of arrivalPlan(stages)) {
    if (seg.stage !== stageIndex || seg.start > t) continue;
    arrived += seg.arrivals * Math.min(1, (t - seg.start) / seg.duration);
  }
  return from + arrived;
}

/**
 * When a user who arrived at `arrivedAt` seconds leaves: the first time
 * after its arrival at which C(t) falls below the population it joined,
 * and at the latest the end of the profile.
 */
export function departureTime(stages: readonly Stage[], arrivedAt: number): number {
  const end = totalDuration(stages);
  // Rank within the population: the k-th user leaves when C drops below k.
  // Ranks follow the arrivals phasesFor() schedules (the k-th arrival of a
  // ramp gets rank from + k), not C(t): phasesFor front-loads the extra
  // arrivals of a ramp whose rate is not a whole number, and ranks taken
  // from C(t) would then collide early in the ramp and leave gaps later.
  const rank = Math.max(1, Math.ceil(populationAt(stages, arrivedAt) - 1e-9));
  let from = 0;
  let start = 0;
  for (const st of stages) {
    const stageEnd = start + st.duration;
    if (stageEnd > arrivedAt && st.target < from) {
      // C falls linearly from `from` to `target`: it passes rank - 1 at
      const level = rank - 1;
      if (st.target <= level && level < from) {
        const at = start + (st.duration * (from - level)) / (from - st.target);
        if (at > arrivedAt) return Math.min(at, end);
      } else if (level >= from) {
        // Already above the population when this fall starts: leaves at its start.
        return Math.max(arrivedAt, start);
      }
    }
    from = st.target;
    start = stageEnd;
  }
  return end;
}

function formatDuration(s: number): string {
  if (s % 60 === 0 && s >= 60) return `${s / 60}m`;
  return `${s}s`;
}

/**
 * Artillery phases for a profile, following arrivalPlan(). Arrival rates
 * are whole numbers because Artillery splits rates across local workers by
 * integer division (a fractional rate trips an assertion there). `divisor`
 * spreads the load over that many distributed workers (Fargate, Lambda),
 * each of which runs the whole script.
 */
export function phasesFor(stages: readonly Stage[], divisor = 1): Phase[] {
  const scaled = scaleStages(stages, divisor);
  const labels = scaled.map((st, i) => `stage ${i + 1}: ${i === 0 ? 0 : scaled[i - 1]!.target}→${st.target} users over ${formatDuration(st.duration)}`);
  return arrivalPlan(scaled).map((seg) => {
    const st = scaled[seg.stage]!;
    const from = seg.stage === 0 ? 0 : scaled[seg.stage - 1]!.target;
    const label = labels[seg.stage]!;
    if (seg.kind === 'pause') {
      const why = st.target < from ? 'users leave' : st.target === from ? 'hold' : 'arrivals resume';
      return { name: `${label} (${why})`, pause: seg.duration };
    }
    if (seg.kind === 'count') return { name: `${label} (${seg.arrivals} evenly)`, duration: seg.duration, arrivalCount: seg.arrivals };
    const rate = seg.arrivals / seg.duration;
    return { name: `${label} (${rate}/s)`, duration: seg.duration, arrivalRate: rate };
  });
}

/** Users a list of phases creates in all (arrival phases only). */
export function plannedArrivals<P extends Pick<Phase, 'duration' | 'arrivalRate' | 'arrivalCount'>>(phases: readonly P[]): number {
  return phases.reduce((n, p) => n + (p.arrivalCount ?? (p.arrivalRate ?? 0) * (p.duration ?? 0)), 0);
}

export function validateStages(stages: readonly Stage[]): string[] {
  const problems: string[] = [];
  if (stages.length === 0) problems.push('a profile needs at least one stage');
  stages.forEach((st, i) => {
    if (!Number.isInteger(st.duration) || st.duration <= 0) problems.push(`stage ${i + 1}: duration must be a positive whole number of seconds`);
    if (!Number.isInteger(st.target) || st.target < 0) problems.push(`stage ${i + 1}: target must be a whole number of users >= 0 (a negative rate is not a ramp-down)`);
  });
  return problems;
}
