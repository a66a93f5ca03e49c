/**
 * Was the load the profile asks for actually applied? Compares, period by
 * period and all workers together, the users present with the users the
 * profile plans (presence.ts samples both each second in every worker).
 * During holds a shortfall beyond the tolerance makes the run invalid
 * ("load not delivered"): visitors lost to transport errors, users who
 * never arrived, users waiting at a rate-limit gate (present, sending
 * nothing). So does a run that took materially longer than its profile,
 * and one that created too few of its planned users.
 */
import { METRICS } from '../metric-names.ts';
import { createdUsers, describeStretch } from './generator-health.ts';
import type { PeriodReport } from './summary.ts';

export interface DeliveryLimits {
  /** during a hold, users present and not held at a gate below this share of the plan, in a period... */
  minHoldShare: number;
  /** ...and short by more than this many user-seconds (one user missing for a whole period), is load not delivered */
  minShortfallUserSeconds: number;
  /** the last user left this much after the profile's end (seconds, or this share of the profile, the larger) */
  overrunSeconds: number;
  overrunShare: number;
  /** created users below this share of the planned ones */
  minCreatedShare: number;
}

export const DELIVERY_LIMITS: DeliveryLimits = {
  minHoldShare: 0.9,
  minShortfallUserSeconds: 10,
  overrunSeconds: 10,
  overrunShare: 0.1,
  minCreatedShare: 0.97,
};

export interface DeliveredPeriod {
  /** the period's timestamp, epoch ms */
  at: number;
  /** user-seconds present, planned, and held at a rate-limit gate, over the hold seconds of the period (all workers) */
  present: number;
  planned: number;
  held: number;
  /** (present − held) / planned */
  share: number;
}

export interface LoadDelivery {
  delivered: boolean;
  problems: string[];
  /** hold periods, with what was delivered */
  holds: DeliveredPeriod[];
  /** planned and present user-seconds over the whole run */
  plannedUserSeconds?: number;
  presentUserSeconds?: number;
  /** user-seconds spent waiting at rate-limit gates, and milliseconds waited in all */
  gateHeldUserSeconds?: number;
  gateWaitMs?: number;
  profileSeconds?: number;
  /** seconds from the profile's start to when the last user left */
  tookSeconds?: number;
  plannedUsers?: number;
  createdUsers: number;
  /**
   * The load not delivered was users waiting at a rate-limit gate: a hold
   * short mostly by users held there, or a run that overran while they
   * waited. The limiter is then the root cause, not the generator or the
   * network.
   */
  shortfallAtGate?: boolean;
  /** requests that got no answer, and those of them that timed out */
  transportErrors: number;
  timedOut: number;
}

export function loadDelivery(aggregate: PeriodReport, intermediate: readonly PeriodReport[], limits: DeliveryLimits = DELIVERY_LIMITS): LoadDelivery {
  const L = METRICS.load;
  const c = aggregate.counters;
  const problems: string[] = [];
  const out: LoadDelivery = {
    delivered: true,
    problems,
    holds: [],
    createdUsers: createdUsers(c),
    transportErrors: c[METRICS.requests.transportErrors] ?? 0,
    timedOut: c[METRICS.requests.timedOut] ?? 0,
  };
  if (c[L.plannedUserSeconds] !== undefined) out.plannedUserSeconds = c[L.plannedUserSeconds];
  if (c[L.userSeconds] !== undefined) out.presentUserSeconds = c[L.userSeconds];
  if (c[L.gateHeldUserSeconds] !== undefined) out.gateHeldUserSeconds = c[L.gateHeldUserSeconds];
  if (c[L.gateWaitMs] !== undefined) out.gateWaitMs = c[L.gateWaitMs];
  if (c[L.plannedUsers] !== undefined) out.plannedUsers = c[L.plannedUsers];
  const profile = aggregate.summaries[L.profileSeconds]?.max;
  const took = aggregate.summaries[L.elapsedSeconds]?.max;
  if (profile !== undefined) out.profileSeconds = profile;
  if (took !== undefined) out.tookSeconds = took;

  for (const p of [...intermediate].sort((a, b) => Number(a.period) - Number(b.period))) {
    const planned = p.counters[L.holdPlannedUserSeconds] ?? 0;
    if (planned <= 0) continue;
    const present = p.counters[L.holdUserSeconds] ?? 0;
    const held = p.counters[L.holdGateHeldUserSeconds] ?? 0;
    out.holds.push({ at: Number(p.period), present, planned, held, share: (present - held) / planned });
  }
  const short = out.holds.filter((h) => h.share < limits.minHoldShare && h.planned - (h.present - h.held) > limits.minShortfallUserSeconds);
  if (short.length > 0) {
    const worst = short.reduce((a, b) => (b.share < a.share ? b : a));
    const gated = short.some((h) => h.held > 0.05 * h.planned);
    const missing = short.reduce((n, h) => n + h.planned - (h.present - h.held), 0);
    if (short.reduce((n, h) => n + h.held, 0) >= 0.5 * missing) out.shortfallAtGate = true;
    problems.push(
      `load not delivered: ${Math.round(100 * worst.share)} % of the planned concurrency was active during the hold ` +
        `${describeStretch(intermediate, short.map((h) => h.at), 0).replace(/, with .*$/, '')} (${fmt((worst.present - worst.held) / 10)} of ${fmt(worst.planned / 10)} users on average over 10 s; tolerance ${Math.round(100 * limits.minHoldShare)} %)` +
        `${gated ? `; users waited at the rate-limit gate` : ''}${out.transportErrors > 0 ? `; ${out.transportErrors} requests got no answer (transport errors end a visitor with Artillery's HTTP engine)` : ''}`,
    );
  }
  if (profile !== undefined && took !== undefined && took - profile > Math.max(limits.overrunSeconds, limits.overrunShare * profile)) {
    // Held at the gate for at least half the overrun, one user's worth on average: the limiter kept them past their schedule.
    if ((out.gateHeldUserSeconds ?? 0) >= 0.5 * (took - profile)) out.shortfallAtGate = true;
    problems.push(`load not delivered: the run took ${Math.round(took)} s where its profile takes ${Math.round(profile)} s (users stayed in requests or at a rate-limit gate past their schedule)`);
  }
  const planned = out.plannedUsers;
  if (planned !== undefined && planned > 0 && out.createdUsers < planned * limits.minCreatedShare && planned - out.createdUsers > 2) {
    problems.push(`load not delivered: created ${out.createdUsers} of ${planned} planned users (${((100 * out.createdUsers) / planned).toFixed(1)} %)`);
  }
  out.delivered = problems.length === 0;
  if (!out.delivered) out.shortfallAtGate = out.shortfallAtGate === true;
  return out;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
