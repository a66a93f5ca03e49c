export interface WindowResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** epoch ms when the window resets */
  resetAt: number;
}

interface Window {
  start: number;
  count: number;
}

/** Fixed window per key, started by the key's first request (as NestJS's throttler does). */
export class FixedWindowLimiter {
  readonly #windows = new Map<string, Window>();
  readonly limit: number;
  readonly #windowMs: number;

  constructor(limit: number, windowSec: number) {
    this.limit = limit;
    this.#windowMs = windowSec * 1000;
  }

  hit(key: string, now: number): WindowResult {
    let w = this.#windows.get(key);
    if (w === undefined || now >= w.start + this.#windowMs) {
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    const resetAt = w.start + this.#windowMs;
    if (w.count >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, resetAt };
    w.count++;
    return { allowed: true, limit: this.limit, remaining: this.limit - w.count, resetAt };
  }

  purge(now: number): void {
    for (const [key, w] of this.#windows) if (now >= w.start + this.#windowMs) this.#windows.delete(key);
  }

  clear(): void {
    this.#windows.clear();
  }
}

export interface Block {
  /** the client was told not to come back before this (epoch ms) */
  until: number;
  /** when the 429 that set or last extended the block was sent */
  sentAt: number;
  format: 'seconds' | 'http-date';
}

/** Who was sent a 429 and until when, to spot clients that retry before Retry-After has passed. */
export class BlockTracker {
  readonly #blocks = new Map<string, Block>();

  get size(): number {
    return this.#blocks.size;
  }

  active(client: string, now: number): Block | undefined {
    const b = this.#blocks.get(client);
    if (b === undefined) return undefined;
    if (now >= b.until) {
      this.#blocks.delete(client);
      return undefined;
    }
    return b;
  }

  block(client: string, now: number, until: number, format: Block['format']): void {
    const b = this.#blocks.get(client);
    if (b !== undefined && b.until >= until) return;
    this.#blocks.set(client, { until, sentAt: now, format });
  }

  purge(now: number): void {
    for (const [client, b] of this.#blocks) if (now >= b.until) this.#blocks.delete(client);
  }

  clear(): void {
    this.#blocks.clear();
  }
}

/**
 * Retry-After that a client honouring it cannot undercut: whole seconds
 * rounded up, or an HTTP-date on the next whole second (the format has no
 * fractions, so rounding down would invite an early retry).
 */
export function retryAfterHeader(until: number, now: number, format: Block['format']): string {
  if (format === 'http-date') return new Date(Math.ceil(until / 1000) * 1000).toUTCString();
  return String(Math.max(1, Math.ceil((until - now) / 1000)));
}
