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
  /** the latest wall-clock second sampled (epoch s) */
  lastSecond?: number;
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

/**
 * The wall-clock seconds (epoch s) a sample taken at `nowMs` stands for,
 * when `last` was the latest second sampled: each second is sampled exactly
 * once, whatever the timer's lateness. A timer that fires early (still in
 * `last`) samples nothing; one that fires late also stands for the seconds
 * it skipped, but only those of its own 10-s period: Artillery files a
 * counter under the period of the moment it is emitted, so a skipped second
 * of an earlier period would land in this one as an eleventh second (and on
 * the per-second counter of another second of this one).
 */
export function secondsToSample(last: number | undefined, nowMs: number): number[] {
  const now = Math.floor(nowMs / 1000);
  if (last !== undefined && now <= last) return [];
  const periodStart = now - (now % PERIOD_S);
  const from = last === undefined ? now : Math.max(last + 1, periodStart);
  const out: number[] = [];
  for (let sec = from; sec <= now; sec++) out.push(sec);
  return out;
}

/** How long to wait after `nowMs` for the middle of the first second after `last`. */
export function delayToNextSample(last: number | undefined, nowMs: number): number {
  const next = last === undefined ? Math.floor(nowMs / 1000) : last + 1;
  const at = next * 1000 + SAMPLE_OFFSET_MS;
  // Already past that second's middle (or in it): sample now, the second is still unsampled.
  return Math.max(0, at - nowMs);
}

const PERIOD_S = 10;

function tick(): void {
  const s = sampling;
  if (!s) return;
  const now = Date.now();
  if (!s.announced) {
    s.announced = true;
    s.events.emit('counter', METRICS.load.workers, 1);
    s.events.emit('counter', METRICS.load.plannedUsers, s.plan.plannedUsers);
    s.events.emit('histogram', METRICS.load.profileSeconds, s.plan.profileSeconds);
  }
  const seconds = secondsToSample(s.lastSecond, now);
  for (const sec of seconds) {
    // A skipped second gets the counts seen now: the nearest reading there is, at its own second's slot.
    const at = sec === Math.floor(now / 1000) ? now : sec * 1000 + SAMPLE_OFFSET_MS;
    const m = sampleMetrics({ now: at, users: counts.users, renders: counts.renders, held: counts.held }, s.plan, s.epochMs, s.populations);
    for (const [name, v] of m.counters) s.events.emit('counter', name, v);
    for (const [name, v] of m.histograms) s.events.emit('histogram', name, v);
  }
  if (seconds.length > 0) {
    s.lastSecond = seconds[seconds.length - 1];
    s.monitor.sample(s.events);
  }
  schedule(s);
}

function schedule(s: Sampling): void {
  s.timer = setTimeout(tick, delayToNextSample(s.lastSecond, Date.now()));
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
