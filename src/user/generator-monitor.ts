/**
 * How busy this worker's own thread is, sampled once a second by the
 * worker's sampler (presence.ts): event-loop delay (requests leave late
 * when it grows) and event-loop utilisation (1 = saturated). Each second is
 * judged here, saturated or not, and the worker's own tally travels as
 * metrics that keep the worst worker visible after Artillery has combined
 * all workers: its saturated seconds in the last 20 s and since the start
 * (histograms, whose max is the worst worker's) and counters of sampled
 * and saturated seconds.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { VUEvents } from 'artillery';
import { METRICS } from '../metric-names.ts';
import { GENERATOR_LIMITS, type GeneratorLimits, isSaturated } from '../verdict/generator-health.ts';

/** One second's reading, resolution already taken off the delay. */
export interface GeneratorReading {
  /** seconds since the previous reading (1 unless the loop was too busy to sample on time) */
  seconds: number;
  delayP99Ms: number;
  busyPercent: number;
}

export interface SaturationState {
  saturated: boolean;
  /** this worker's saturated seconds within the last window */
  inWindowS: number;
  /** this worker's saturated seconds since the start */
  totalS: number;
}

/** A worker's saturated seconds, over a sliding window and in total. */
export class SaturationTally {
  readonly #limits: GeneratorLimits;
  /** [end of the reading (s since start), saturated seconds in it] */
  readonly #recent: [number, number][] = [];
  #clock = 0;
  #total = 0;

  constructor(limits: GeneratorLimits = GENERATOR_LIMITS) {
    this.#limits = limits;
  }

  add(r: GeneratorReading): SaturationState {
    this.#clock += r.seconds;
    const saturated = isSaturated(r.delayP99Ms, r.busyPercent, this.#limits);
    const s = saturated ? r.seconds : 0;
    this.#total += s;
    this.#recent.push([this.#clock, s]);
    while (this.#recent.length > 0 && (this.#recent[0] as [number, number])[0] <= this.#clock - this.#limits.windowSeconds) this.#recent.shift();
    const inWindowS = Math.min(this.#limits.windowSeconds, this.#recent.reduce((n, [, x]) => n + x, 0));
    return { saturated, inWindowS, totalS: this.#total };
  }
}

/** The monitor's own timer resolution is in every reading it takes: an idle loop reads about this much. */
export const MONITOR_RESOLUTION_MS = 10;

export function delayWithoutResolution(p99Ns: number, resolutionMs: number = MONITOR_RESOLUTION_MS): number {
  return Math.max(0, p99Ns / 1e6 - resolutionMs);
}

/** The worker's monitor: call sample() about once a second; it emits the readings and the tally. */
export class GeneratorMonitor {
  readonly #delay = monitorEventLoopDelay({ resolution: MONITOR_RESOLUTION_MS });
  readonly #tally = new SaturationTally();
  #lastElu: EventLoopUtilization;
  #lastAt: number;

  constructor(now: number = performance.now()) {
    this.#delay.enable();
    this.#lastElu = performance.eventLoopUtilization();
    this.#lastAt = now;
  }

  sample(events: VUEvents, now: number = performance.now()): SaturationState {
    const elu = performance.eventLoopUtilization(this.#lastElu);
    this.#lastElu = performance.eventLoopUtilization();
    const seconds = Math.max(0, (now - this.#lastAt) / 1000);
    this.#lastAt = now;
    const reading: GeneratorReading = { seconds, delayP99Ms: delayWithoutResolution(this.#delay.percentile(99)), busyPercent: elu.utilization * 100 };
    this.#delay.reset();
    const state = this.#tally.add(reading);
    const G = METRICS.generator;
    events.emit('histogram', G.eventLoopDelayP99Ms, reading.delayP99Ms);
    events.emit('histogram', G.busyShare, reading.busyPercent);
    events.emit('histogram', G.heapUsedMb, process.memoryUsage().heapUsed / 1048576);
    events.emit('counter', G.sampledSeconds, round3(seconds));
    events.emit('counter', G.saturatedSeconds, state.saturated ? round3(seconds) : 0);
    events.emit('histogram', G.saturatedInWindowS, round3(state.inWindowS));
    events.emit('histogram', G.workerSaturatedS, round3(state.totalS));
    return state;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
