/**
 * Artillery's arrival timer, without the spin. Its phases take arrivals
 * from the `arrivals` package's uniform process, which waits on nanotimer
 * 0.3.14: every interval longer than 25 ms is waited out with setTimeout and
 * then spun through its last 25 ms on setImmediate, so at R arrivals a
 * second a worker burns about R × 25 ms of every second (a whole core at
 * 40/s) on the thread that also runs its users. This process keeps the
 * package's contract (the same count, evenly spaced, `arrival` events then
 * `finished`) on ordinary timers aimed at absolute times: each wake-up
 * emits every arrival that is due, so a late timer catches up instead of
 * drifting, and nothing runs between arrivals.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

export class SteadyArrivals extends EventEmitter {
  readonly #intervalMs: number;
  readonly #max: number;
  #count = 0;
  #start = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** As arrivals' uniform process: an arrival every `tickIntervalMs`, for `durationMs` (falsy: until stopped). */
  constructor(tickIntervalMs: number, durationMs: number) {
    super();
    // The same integer microseconds the original counts in, so a phase gets exactly as many users.
    const tickMicros = Math.floor(tickIntervalMs * 1000);
    this.#intervalMs = tickMicros / 1000;
    this.#max = durationMs ? Math.floor((durationMs * 1000) / tickMicros) : Infinity;
  }

  get arrivals(): number {
    return this.#count;
  }

  start(): this {
    this.#start = performance.now();
    if (this.#max <= 0) {
      // As the original: a phase too short for one interval has no arrival (and the original never finishes; this one does).
      queueMicrotask(() => this.stop());
      return this;
    }
    this.#schedule();
    return this;
  }

  stop(): this {
    if (this.#stopped) return this;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.emit('finished');
    return this;
  }

  #due(n: number): number {
    return this.#start + n * this.#intervalMs;
  }

  #schedule(): void {
    const delay = Math.max(0, this.#due(this.#count + 1) - performance.now());
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    const now = performance.now();
    // Node's timers fire on whole milliseconds, never early by more than that: what is due within it goes now.
    while (!this.#stopped && this.#count < this.#max && this.#due(this.#count + 1) <= now + 1) {
      this.#count++;
      this.emit('arrival');
    }
    if (this.#stopped) return;
    if (this.#count >= this.#max) this.stop();
    else this.#schedule();
  }
}

interface ArrivalsModule {
  uniform: { process: (tickInterval: number, duration: number) => EventEmitter & { start(): unknown; stop(): unknown } };
}

const INSTALLED = Symbol.for('luneo-load-tests.steady-arrivals');

/**
 * Puts SteadyArrivals behind Artillery's uniform arrivals in this thread.
 * Artillery's phases hold the `arrivals` module object and look the
 * process up when a phase starts, so replacing it before the first phase
 * is enough. Returns false when the package is not where Artillery has it.
 */
export function installSteadyArrivals(): boolean {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED]) return true;
  let mod: ArrivalsModule;
  try {
    // Resolved from Artillery's own directory: the copy its phases import.
    const fromArtillery = createRequire(createRequire(import.meta.url).resolve('artillery/package.json'));
    mod = fromArtillery('arrivals') as ArrivalsModule;
  } catch {
    return false;
  }
  mod.uniform.process = (tickInterval, duration) => new SteadyArrivals(tickInterval, duration);
  g[INSTALLED] = true;
  return true;
}
