/**
 * The engine's own counters (http.requests, http.codes.*, http.responses,
 * http.downloaded_bytes, connections, metrics-by-endpoint's codes), summed
 * in the worker before they reach Artillery. Artillery stores every counter
 * event with its timestamp and sums them per 10-second period later: about
 * half a microsecond per event, five events per request. Summed here, one
 * event per name leaves per flush, and every sum still lands in the period
 * its counts belong to: Artillery stamps an event when it is emitted, so a
 * batch is flushed before its period ends (from `marginMs` before the end,
 * any counter flushes and passes straight through; a timer flushes at that
 * point when none comes), and whenever a visitor ends, so that nothing is
 * held when Artillery closes the run after the last visitor.
 * Processors' and plugins' counters do not pass here: they may be emitted
 * outside a visitor, after the last one ended.
 */
import type { EngineEvents } from './request-step.ts';

/** Artillery's metric period (ssms.js normalizeTs: 10-second windows from the minute). */
export const PERIOD_MS = 10_000;

export class CounterBatch {
  readonly #sums = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  readonly #sink: EngineEvents;
  readonly #marginMs: number;
  readonly #now: () => number;

  constructor(sink: EngineEvents, marginMs = 250, now: () => number = Date.now) {
    this.#sink = sink;
    this.#marginMs = marginMs;
    this.#now = now;
  }

  add(name: string, value: number): void {
    const intoPeriod = this.#now() % PERIOD_MS;
    const left = PERIOD_MS - this.#marginMs - intoPeriod;
    if (left <= 0) {
      // Close to the period's end: what is held goes now, and so does this count.
      this.flush();
      this.#sink.emit('counter', name, value);
      return;
    }
    this.#sums.set(name, (this.#sums.get(name) ?? 0) + value);
    // unref: a held count never keeps a worker alive; visitors' ends and the run's end flush it.
    this.#timer ??= setTimeout(() => this.flush(), left).unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sums.size === 0) return;
    for (const [name, value] of this.#sums) this.#sink.emit('counter', name, value);
    this.#sums.clear();
  }
}
