/**
 * The gate every request of the package passes: after a 429, nothing goes to
 * that host before the Retry-After has passed, and then one request (the
 * probe) goes first; the others follow only when it was not limited.
 *
 * The platform limits per client address, so the gate is per host and its
 * state lives in a BigInt64Array that can sit on a SharedArrayBuffer: one
 * array serves Artillery's main thread and all its worker threads (see
 * process-gate.ts), and Atomics make "who probes" a single winner across them.
 */

/** Hosts one gate can track; a generator talks to two (API and widget host). */
const SLOTS = 32;
const FIELDS = 4;
const KEY = 0;
const OPEN_AT = 1;
/** 0 = open; 1 = closed, waiting for a probe; any larger value = a probe is out, its lease ends at that epoch ms */
const PHASE = 2;
export const GATE_CELLS = SLOTS * FIELDS;

const OPEN = 0n;
const NEEDS_PROBE = 1n;

export interface GateTicket {
  readonly host: string;
  /** this request is the one that goes first after a wait */
  readonly probe: boolean;
  readonly lease: bigint;
  /** how long this request waited at the gate */
  readonly waitedMs: number;
}

/** A request that would have to wait longer than it may: it gives up instead of going early. */
export class GateClosedError extends Error {
  override name = 'GateClosedError';
  readonly host: string;
  readonly waitMs: number;
  readonly maxWaitMs: number;
  constructor(host: string, waitMs: number, maxWaitMs: number) {
    // One message for all (Artillery names an error metric after it); the figures are fields.
    super('rate-limited: Retry-After beyond maxRetryAfterMs, the request gave up');
    this.host = host;
    this.waitMs = waitMs;
    this.maxWaitMs = maxWaitMs;
  }
}

export interface GateOptions {
  /** storage; a SharedArrayBuffer-backed array shares the gate across threads */
  cells?: BigInt64Array;
  now?: () => number;
  /** margin against the server rounding its clock to whole seconds */
  marginMs?: number;
  /** a probe that never reports back (its VU crashed) frees the way after this long */
  probeLeaseMs?: number;
  /** how often waiters look whether the probe came back */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A stable non-zero 63-bit key for a host name (FNV-1a). */
function keyOf(host: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < host.length; i++) {
    h ^= BigInt(host.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0x7fffffffffffffffn;
  }
  return h === 0n ? 1n : h;
}

export class RateLimitGate {
  #cells: BigInt64Array;
  readonly #slots = new Map<string, number>();
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** waiters of one thread share one timer per host: 10,000 waiting users are one timer, not 10,000 */
  readonly #naps = new Map<string, { until: number; done: Promise<void> }>();
  #ready: Promise<void> | undefined;

  constructor(o: GateOptions = {}) {
    this.#cells = o.cells ?? new BigInt64Array(GATE_CELLS);
    this.#now = o.now ?? Date.now;
    this.#marginMs = o.marginMs ?? 20;
    this.#leaseMs = o.probeLeaseMs ?? 20_000;
    this.#pollMs = o.pollMs ?? 100;
    this.#sleep = o.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  /** Requests wait for this first (a worker thread waiting for the shared storage). */
  waitUntilReady(p: Promise<void>): void {
    this.#ready = p.finally(() => {
      this.#ready = undefined;
    });
  }

  /** Move to shared storage, keeping what this gate already knew (the stricter of both). */
  adopt(shared: BigInt64Array): void {
    if (shared === this.#cells) return;
    const old = this.#cells;
    this.#cells = shared;
    this.#slots.clear();
    for (let s = 0; s < SLOTS; s++) {
      const key = old[s * FIELDS + KEY]!;
      if (key === 0n) continue;
      const slot = this.#slotOfKey(key);
      this.#raise(slot + OPEN_AT, old[s * FIELDS + OPEN_AT]!);
      if (old[s * FIELDS + PHASE]! !== OPEN) Atomics.compareExchange(this.#cells, slot + PHASE, OPEN, NEEDS_PROBE);
    }
  }

  get cells(): BigInt64Array {
    return this.#cells;
  }

  #slotOfKey(key: bigint): number {
    for (let s = 0; s < SLOTS; s++) {
      const at = s * FIELDS;
      const seen = Atomics.compareExchange(this.#cells, at + KEY, 0n, key);
      if (seen === 0n || seen === key) return at;
    }
    // More hosts than slots: share the last one (stricter, never looser).
    return (SLOTS - 1) * FIELDS;
  }

  #slot(host: string): number {
    let s = this.#slots.get(host);
    if (s === undefined) {
      s = this.#slotOfKey(keyOf(host));
      this.#slots.set(host, s);
    }
    return s;
  }

  #raise(index: number, value: bigint): void {
    for (let cur = Atomics.load(this.#cells, index); value > cur; ) {
      const seen = Atomics.compareExchange(this.#cells, index, cur, value);
      if (seen === cur) return;
      cur = seen;
    }
  }

  /** Record a 429 from `host` that asked for `delayMs`: nobody goes before it has passed, then one probe. */
  close(host: string, delayMs: number): void {
    const s = this.#slot(host);
    this.#raise(s + OPEN_AT, BigInt(Math.ceil(this.#now() + Math.max(0, delayMs) + this.#marginMs)));
    // A probe out at this moment can no longer open the gate: the next one must prove it again.
    Atomics.store(this.#cells, s + PHASE, NEEDS_PROBE);
  }

  /** Milliseconds before `host` may be sent to again by Retry-After alone (0 = its time has passed). */
  waitMs(host: string): number {
    const s = this.#slot(host);
    return Math.max(0, Number(Atomics.load(this.#cells, s + OPEN_AT)) - this.#now());
  }

  /**
   * A ticket to send now, or how long to wait. Only one caller in the
   * process wins the probe after a wait; while it is out, others wait.
   */
  #attempt(host: string, waitedMs: number): GateTicket | { waitMs: number } {
    const s = this.#slot(host);
    const now = this.#now();
    const wait = Number(Atomics.load(this.#cells, s + OPEN_AT)) - now;
    if (wait > 0) return { waitMs: wait };
    const phase = Atomics.load(this.#cells, s + PHASE);
    if (phase === OPEN) return { host, probe: false, lease: 0n, waitedMs };
    if (phase === NEEDS_PROBE || phase <= BigInt(now)) {
      const lease = BigInt(now + this.#leaseMs);
      if (Atomics.compareExchange(this.#cells, s + PHASE, phase, lease) === phase) return { host, probe: true, lease, waitedMs };
      return { waitMs: 0 };
    }
    return { waitMs: Math.min(this.#pollMs, Number(phase) - now) };
  }

  /** Non-blocking, for callers that would rather skip than wait (the platform-metrics sampler). */
  tryPass(host: string): GateTicket | undefined {
    const r = this.#attempt(host, 0);
    return 'host' in r ? r : undefined;
  }

  /**
   * Resolves when a request to `host` may leave. With `maxWaitMs`, a wait
   * longer than that rejects with GateClosedError: the request gives up.
   */
  async pass(host: string, o: { maxWaitMs?: number } = {}): Promise<GateTicket> {
    if (this.#ready) await this.#ready;
    const started = this.#now();
    for (;;) {
      const r = this.#attempt(host, this.#now() - started);
      if ('host' in r) return r;
      const retryAfterLeft = this.waitMs(host);
      if (o.maxWaitMs !== undefined && retryAfterLeft > o.maxWaitMs) throw new GateClosedError(host, retryAfterLeft, o.maxWaitMs);
      await this.#nap(host, r.waitMs);
    }
  }

  #nap(host: string, ms: number): Promise<void> {
    const until = this.#now() + ms;
    const current = this.#naps.get(host);
    if (current && current.until <= until + 5) return current.done;
    const done = this.#sleep(Math.max(0, ms)).finally(() => {
      if (this.#naps.get(host)?.done === done) this.#naps.delete(host);
    });
    this.#naps.set(host, { until, done });
    return done;
  }

  /**
   * The answer to a request that passed with `ticket`: a 429 closes the
   * gate for `retryAfterMs`; the probe's non-429 answer opens it for all.
   */
  settle(ticket: GateTicket, status: number, retryAfterMs = 0): void {
    if (status === 429) {
      this.close(ticket.host, retryAfterMs);
      return;
    }
    if (ticket.probe) Atomics.compareExchange(this.#cells, this.#slot(ticket.host) + PHASE, ticket.lease, OPEN);
  }

  /** The probe got no answer at all (transport error): let another request prove the way instead. */
  release(ticket: GateTicket): void {
    if (ticket.probe) Atomics.compareExchange(this.#cells, this.#slot(ticket.host) + PHASE, ticket.lease, NEEDS_PROBE);
  }
}

/** Scheme and authority: all of a URL that its host depends on. */
const ORIGIN_PART = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
/** Hosts by origin part: a worker asks for every request, and WHATWG URL parsing was 2.5 % of a saturated worker's time. */
const hosts = new Map<string, string>();

/** The URL's host as WHATWG URL gives it (lower case, default port dropped), or the text itself when it is not a URL. */
export function hostOf(url: string): string {
  const origin = ORIGIN_PART.exec(url)?.[0];
  const known = origin === undefined ? undefined : hosts.get(origin);
  if (known !== undefined) return known;
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    return url;
  }
  // A handful of origins per run; bounded all the same.
  if (origin !== undefined && hosts.size < 256) hosts.set(origin, host);
  return host;
}
