/**
 * Who is here, and who should be: once a second each worker samples the
 * virtual users (and renders in flight) alive in it, the users waiting at
 * the rate-limit gate, its share of the profile's concurrency at that
 * moment, and its own health (generator-monitor.ts). Artillery has no
 * active-VU metric, and its created/completed counters only move at
 * 10-second period edges.
 *
 * Everything goes out as counters and histograms that stay meaningful once
 * Artillery has combined workers (local threads, Fargate tasks, Lambda
 * functions): user-seconds and planned user-seconds sum to the whole run's,
 * and the count at each wall-clock second of a period goes to that second's
 * own counter, so the sums are the total alive at that second.
 */
import type { VUEvents } from 'artillery';
import { METRICS } from '../metric-names.ts';
import { GeneratorMonitor } from './generator-monitor.ts';
import { planAt, type WorkerPlan } from './worker-plan.ts';

export type Population = 'users' | 'renders' | 'held';

const counts: Record<Population, number> = { users: 0, renders: 0, held: 0 };

interface Sampling {
  events: VUEvents;
  populations: readonly Population[];
  plan: WorkerPlan;
  /** epoch ms of the profile's time zero */
  epochMs: number;
  monitor: GeneratorMonitor;
  timer?: ReturnType<typeof setTimeout>;
  announced: boolean;
}

let sampling: Sampling | undefined;

/** Samples land at the middle of each wall-clock second, so that a late timer still counts for its own second. */
const SAMPLE_OFFSET_MS = 500;

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export interface PresenceSample {
  /** wall-clock epoch ms of the sample */
  now: number;
  users: number;
  renders: number;
  held: number;
}

/** The metrics of one sample: pure, so the encoding is tested without timers. */
export function sampleMetrics(s: PresenceSample, plan: WorkerPlan, epochMs: number, populations: readonly Population[]): { counters: [string, number][]; histograms: [string, number][] } {
  const L = METRICS.load;
  const counters: [string, number][] = [];
  const histograms: [string, number][] = [];
  const t = (s.now - epochMs) / 1000;
  const p = planAt(plan, t);
  if (populations.includes('users')) {
    counters.push([L.userSeconds, s.users], [`${L.usersAtSecondPrefix}${Math.floor(s.now / 1000) % 10}`, s.users], [L.gateHeldUserSeconds, s.held]);
    histograms.push([L.concurrentUsers, s.users]);
    counters.push([L.plannedUserSeconds, round3(p.planned)]);
    if (p.hold) counters.push([L.holdUserSeconds, s.users], [L.holdPlannedUserSeconds, round3(p.planned)], [L.holdGateHeldUserSeconds, s.held]);
    if (s.users > 0 && t >= 0) histograms.push([L.elapsedSeconds, round3(t)]);
  }
  if (populations.includes('renders')) {
    counters.push([L.renderSeconds, s.renders]);
    histograms.push([L.rendersInFlight, s.renders]);
  }
  return { counters, histograms };
}

function tick(): void {
  const s = sampling;
  if (!s) return;
  const now = Date.now();
  if (!s.announced) {
    s.announced = true;
    s.events.emit('counter', METRICS.load.plannedUsers, s.plan.plannedUsers);
    s.events.emit('histogram', METRICS.load.profileSeconds, s.plan.profileSeconds);
  }
  const m = sampleMetrics({ now, users: counts.users, renders: counts.renders, held: counts.held }, s.plan, s.epochMs, s.populations);
  for (const [name, v] of m.counters) s.events.emit('counter', name, v);
  for (const [name, v] of m.histograms) s.events.emit('histogram', name, v);
  s.monitor.sample(s.events);
  schedule(s);
}

function schedule(s: Sampling): void {
  const now = Date.now();
  let wait = 1000 - (now % 1000) + SAMPLE_OFFSET_MS;
  if (wait > 1000) wait -= 1000;
  // A wait under a few ms would sample the same second twice when the timer fires a little early.
  if (wait < 50) wait += 1000;
  s.timer = setTimeout(tick, wait);
  s.timer.unref();
}

/**
 * Starts this worker's sampler (once): the first user to arrive brings the
 * metrics emitter Artillery gives all of the worker's users, and the run's
 * profile and time zero.
 */
export function startSampling(events: VUEvents, plan: WorkerPlan, epochMs: number, populations: readonly Population[]): void {
  if (sampling) return;
  sampling = { events, populations, plan, epochMs, monitor: new GeneratorMonitor(), announced: false };
  schedule(sampling);
}

export function join(p: Population): void {
  counts[p]++;
}

export function leave(p: Population): void {
  counts[p] = Math.max(0, counts[p] - 1);
}

/** Waits `wait()` out as a user held at the rate-limit gate: present, sending nothing. */
export async function heldWhile<T>(wait: () => Promise<T>): Promise<T> {
  join('held');
  try {
    return await wait();
  } finally {
    leave('held');
  }
}
