/**
 * Samples the configured sources once per run, from the process that
 * started it (Artillery's main thread, or the Fargate/Lambda launcher),
 * never once per worker. Each source is read at most once per interval
 * (5 s), one reading at a time: a slow source skips samples rather than
 * pile queries up. A source that fails says so in one line naming it and
 * what to fix, stops itself, and leaves the others and the run alone: what
 * it would have shown is "not measured", never a verdict.
 */
import { signalDef, signalKey, type Reading, type ServerSection, type SignalSeries, type SourceName, type SourceStatus } from './signals.ts';

export const OBSERVE_INTERVAL_MS = 5_000;
/** Transient errors (a timeout under load, a reset) in a row before a source gives up. */
export const MAX_FAILED_SAMPLES = 3;

/** A failure that will not pass by itself: the source stops at once, with what to fix. */
export class SourceFailure extends Error {
  override name = 'SourceFailure';
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

export interface Source {
  readonly name: SourceName;
  /** where it reads from, without credentials, for the report */
  readonly target: string;
  /** First contact: checks access and what the source can read; throws SourceFailure. */
  open(): Promise<void>;
  /** Readings now; counters become rates against the source's own previous sample. */
  sample(at: number): Promise<Reading[]>;
  /** Whole series over the run's window, read once at the end (a Prometheus range query), replacing the live points. */
  range?(fromMs: number, toMs: number): Promise<Omit<SignalSeries, 'source'>[]>;
  /** What it could not read, said once (a missing extension): the other signals go on. */
  readonly notes: readonly string[];
  /** A series' note (worker CPU read off the API process). */
  noteFor?(group: string, name: string): string | undefined;
  close(): Promise<void>;
}

export interface ObserverOptions {
  sources: Source[];
  log: (line: string) => void;
  intervalMs?: number;
  now?: () => number;
  /** redacts what a driver's message might carry (a DSN) before it is printed or kept */
  redact?: (text: string) => string;
}

interface Slot {
  source: Source;
  state: 'opening' | 'sampling' | 'failed';
  failures: number;
  samples: number;
  inFlight: Promise<void> | undefined;
  note?: string;
  notesSaid: number;
}

export class Observer {
  readonly #o: Required<ObserverOptions>;
  readonly #slots: Slot[];
  readonly #series = new Map<string, SignalSeries>();
  readonly #latest = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #opened: Promise<void> | undefined;
  #startedAt: number | undefined;

  constructor(o: ObserverOptions) {
    this.#o = { intervalMs: OBSERVE_INTERVAL_MS, now: Date.now, redact: (t) => t, ...o };
    this.#slots = o.sources.map((source) => ({ source, state: 'opening', failures: 0, samples: 0, inFlight: undefined, notesSaid: 0 }));
  }

  get sources(): readonly SourceName[] {
    return this.#slots.map((s) => s.source.name);
  }

  /** Opens every source, takes a first sample, then one every interval until stop(). */
  start(): Promise<void> {
    if (this.#opened) return this.#opened;
    this.#startedAt = this.#o.now();
    this.#opened = Promise.all(this.#slots.map((slot) => this.#open(slot))).then(() => this.sampleAll());
    this.#timer = setInterval(() => void this.sampleAll(), this.#o.intervalMs);
    // Sampling must never be what keeps the process alive after a run.
    this.#timer.unref();
    return this.#opened;
  }

  /** The last value of a signal from any source, for the status line. */
  latest(group: string, name: string): number | undefined {
    return this.#latest.get(`${group}.${name}`);
  }

  async sampleAll(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.#sample(slot)));
  }

  /** Ends the sampling: a last sample so the series reach the end of the load, the range reads, and every connection closed. */
  async stop(): Promise<ServerSection> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#opened;
    await Promise.all(this.#slots.map((s) => s.inFlight));
    await this.sampleAll();
    const until = this.#o.now();
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.state !== 'sampling' || !slot.source.range || this.#startedAt === undefined) return;
        try {
          for (const s of await slot.source.range(this.#startedAt, until)) {
            if (s.points.length > 0) this.#series.set(`${slot.source.name}|${signalKey(s)}`, { ...s, source: slot.source.name });
          }
        } catch (err) {
          // The live points stay: the range read only makes them finer.
          this.#o.log(`${slot.source.name}: the range read at the end failed (${this.#message(err)}); the report keeps the live samples`);
        }
      }),
    );
    await Promise.all(this.#slots.map((slot) => slot.source.close().catch(() => undefined)));
    return this.section();
  }

  section(): ServerSection {
    const sources: SourceStatus[] = this.#slots.map((s) => {
      const notes = [s.note, ...s.source.notes].filter((n): n is string => n !== undefined);
      return {
        source: s.source.name,
        state: s.state === 'failed' ? 'failed' : 'sampled',
        samples: s.samples,
        target: s.source.target,
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      };
    });
    return { signals: [...this.#series.values()], sources };
  }

  async #open(slot: Slot): Promise<void> {
    try {
      await slot.source.open();
      slot.state = 'sampling';
      this.#sayNotes(slot);
    } catch (err) {
      await this.#fail(slot, err, 'could not start');
    }
  }

  #sample(slot: Slot): Promise<void> {
    if (slot.state !== 'sampling') return Promise.resolve();
    slot.inFlight ??= this.#read(slot).finally(() => {
      slot.inFlight = undefined;
    });
    return slot.inFlight;
  }

  async #read(slot: Slot): Promise<void> {
    const at = this.#o.now();
    let readings: Reading[];
    try {
      readings = await slot.source.sample(at);
    } catch (err) {
      if (err instanceof SourceFailure || ++slot.failures >= MAX_FAILED_SAMPLES) await this.#fail(slot, err);
      return;
    }
    slot.failures = 0;
    slot.samples++;
    this.#sayNotes(slot);
    for (const r of readings) {
      if (!Number.isFinite(r.value)) continue;
      const def = signalDef(r.group, r.name);
      if (!def) continue;
      const key = `${slot.source.name}|${signalKey(r)}`;
      let series = this.#series.get(key);
      if (!series) {
        const note = slot.source.noteFor?.(r.group, r.name);
        series = { group: r.group, name: r.name, source: slot.source.name, unit: def.unit, points: [], ...(note ? { note } : {}) };
        this.#series.set(key, series);
      }
      series.points.push([r.at ?? at, r.value]);
      this.#latest.set(signalKey(r), r.value);
    }
  }

  #sayNotes(slot: Slot): void {
    const notes = slot.source.notes;
    for (; slot.notesSaid < notes.length; slot.notesSaid++) this.#o.log(`${slot.source.name}: ${notes[slot.notesSaid]}`);
  }

  async #fail(slot: Slot, err: unknown, when?: string): Promise<void> {
    if (slot.state === 'failed') return;
    slot.state = 'failed';
    const what =
      err instanceof SourceFailure
        ? `${this.#message(err)}: ${err.fix}`
        : when
          ? `${when}: ${this.#message(err)}`
          : `${MAX_FAILED_SAMPLES} failed samples in a row, last: ${this.#message(err)}`;
    slot.note = `stopped: ${what}`;
    this.#o.log(`${slot.source.name} (${slot.source.target}) not observed from here on: ${what}`);
    await slot.source.close().catch(() => undefined);
  }

  #message(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return this.#o.redact(text.split('\n')[0] ?? text);
  }
}
