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
  pause?: number;
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
 * Users present at `t` by the arrival schedule of phasesFor(stages): during
 * a rise, `from` plus the arrivals so far (rate + 1 per second for the
 * first seconds, then rate); elsewhere C(t).
 */
function populationAt(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  for (const st of stages) {
    if (t < start + st.duration) {
      const rise = st.target - from;
      if (rise <= 0) return concurrencyAt(stages, t);
      const elapsed = Math.max(0, t - start);
      const rate = Math.floor(rise / st.duration);
      const faster = rise - rate * st.duration;
      return from + (rate + 1) * Math.min(elapsed, faster) + rate * Math.max(0, elapsed - faster);
    }
    from = st.target;
    start += st.duration;
  }
  return 0;
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
 * Artillery phases for a profile. Arrival rates are whole numbers because
 * Artillery splits rates across local workers by integer division (a
 * fractional rate trips an assertion there); a ramp of N users over D
 * seconds becomes up to two phases whose arrivals add up to exactly N.
 * `divisor` spreads the load over that many distributed workers (Fargate,
 * Lambda), each of which runs the whole script.
 */
export function phasesFor(stages: readonly Stage[], divisor = 1): Phase[] {
  if (!Number.isInteger(divisor) || divisor < 1) throw new Error(`worker divisor must be a positive integer, got ${divisor}`);
  const phases: Phase[] = [];
  let from = 0;
  stages.forEach((st, i) => {
    const label = `stage ${i + 1}: ${from}→${st.target} users over ${formatDuration(st.duration)}`;
    const arrivals = Math.round((st.target - from) / divisor);
    if (arrivals <= 0) {
      phases.push({ name: label + (st.target < from ? ' (users leave)' : ' (hold)'), pause: st.duration });
    } else {
      const rate = Math.floor(arrivals / st.duration);
      const faster = arrivals - rate * st.duration; // seconds at rate + 1
      if (faster > 0) phases.push({ name: `${label} (${rate + 1}/s)`, duration: faster, arrivalRate: rate + 1 });
      const rest = st.duration - faster;
      if (rest > 0) {
        phases.push(rate > 0 ? { name: `${label} (${rate}/s)`, duration: rest, arrivalRate: rate } : { name: `${label} (arrivals done)`, pause: rest });
      }
    }
    from = st.target;
  });
  return phases;
}

/** Users a list of phases creates in all (arrival phases only). */
export function plannedArrivals(phases: readonly Phase[]): number {
  return phases.reduce((n, p) => n + (p.arrivalRate ?? 0) * (p.duration ?? 0), 0);
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
