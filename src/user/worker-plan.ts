/**
 * This worker's part of the profile: which share of the users its phases
 * create, and how many users the profile asks of it at any moment. Summed
 * over workers (Artillery does the summing) that is the whole plan, so
 * the verdict can compare the concurrency reached with the profile from
 * the metrics alone, locally or on Fargate and Lambda.
 */
import { concurrencyAt, phasesFor, plannedArrivals, type Stage, totalDuration } from '../load/model.ts';

/**
 * Where the luneo plugin, loaded in each worker thread with that worker's
 * own phases (Artillery divides them between workers), leaves them for the
 * processor: the processor is bundled separately, so module state is not
 * shared, but the thread's global object is.
 */
export const WORKER_PHASES_KEY = Symbol.for('luneo-load-tests.worker-phases');

export interface PhaseLike {
  duration?: number;
  arrivalRate?: number;
  arrivalCount?: number;
  pause?: number;
}

export function publishWorkerPhases(phases: readonly PhaseLike[], global: Record<symbol, unknown> = globalThis as unknown as Record<symbol, unknown>): void {
  global[WORKER_PHASES_KEY] = phases;
}

export function workerPhases(global: Record<symbol, unknown> = globalThis as unknown as Record<symbol, unknown>): readonly PhaseLike[] | undefined {
  const v = global[WORKER_PHASES_KEY];
  return Array.isArray(v) ? (v as PhaseLike[]) : undefined;
}

export interface WorkerPlan {
  stages: Stage[];
  /** this worker's share of the profile's users, 0..1 */
  share: number;
  /** users this worker's phases create */
  plannedUsers: number;
  /** the profile's length, seconds */
  profileSeconds: number;
}

/**
 * The share comes from the arrivals: Artillery splits each arrival rate
 * between workers by integer division and runs an arrivalCount phase in
 * the first worker only. Without the worker's phases (the plugin is not
 * loaded) the worker is taken to run the whole profile.
 */
export function workerPlan(stages: readonly Stage[], phases: readonly PhaseLike[] | undefined): WorkerPlan {
  const whole = plannedArrivals(phasesFor(stages));
  const own = phases ? plannedArrivals(phases) : whole;
  return { stages: [...stages], share: whole > 0 ? own / whole : 1, plannedUsers: own, profileSeconds: totalDuration(stages) };
}

/** Seconds into a hold before its users count against it, and before its end: arrivals land on whole seconds, departures on page views. */
const HOLD_MARGIN_S = 2;

export interface PlanPoint {
  /** users the profile asks of this worker at t */
  planned: number;
  /** the profile holds its concurrency at t (a flat stage, away from its edges) */
  hold: boolean;
}

export function planAt(plan: WorkerPlan, t: number): PlanPoint {
  if (t < 0 || t >= plan.profileSeconds) return { planned: 0, hold: false };
  let from = 0;
  let start = 0;
  let hold = false;
  for (const st of plan.stages) {
    if (t < start + st.duration) {
      hold = st.target === from && st.target > 0 && t - start >= HOLD_MARGIN_S && start + st.duration - t > HOLD_MARGIN_S;
      break;
    }
    from = st.target;
    start += st.duration;
  }
  return { planned: plan.share * concurrencyAt(plan.stages, t), hold };
}
