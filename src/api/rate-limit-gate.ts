/**
 * The platform limits per client address (and per key): when it answers
 * 429, every virtual user of this generator that talks to the same host is
 * limited, not only the one that got the 429. The gate is shared by all
 * virtual users of a worker, per host, so that no request leaves before the
 * `Retry-After` the server gave has passed.
 */
export class RateLimitGate {
  readonly #openAt = new Map<string, number>();
  readonly #now: () => number;
  /** margin against the server rounding its clock to whole seconds */
  readonly #marginMs: number;

  constructor(now: () => number = Date.now, marginMs = 20) {
    this.#now = now;
    this.#marginMs = marginMs;
  }

  /** Record a 429 from `host` that asked for `delayMs`. */
  close(host: string, delayMs: number): void {
    const until = this.#now() + delayMs + this.#marginMs;
    const current = this.#openAt.get(host) ?? 0;
    if (until > current) this.#openAt.set(host, until);
  }

  /** Milliseconds to wait before the next request to `host` may go out (0 = go). */
  waitMs(host: string): number {
    const at = this.#openAt.get(host);
    if (at === undefined) return 0;
    const wait = at - this.#now();
    if (wait <= 0) {
      this.#openAt.delete(host);
      return 0;
    }
    return wait;
  }

  /** Resolve once `host` may be sent to again; re-checks, since another 429 may extend the wait meanwhile. */
  async pass(host: string, sleep: (ms: number) => Promise<void>): Promise<number> {
    let waited = 0;
    for (let w = this.waitMs(host); w > 0; w = this.waitMs(host)) {
      await sleep(w);
      waited += w;
    }
    return waited;
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
