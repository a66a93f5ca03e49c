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

/** NestJS ThrottlerGuard 5's in-memory storage: each hit (429s included) decays `ttl` after it was made; the key's expiry restarts once passed. */
export class DecayingHitLimiter {
  readonly #keys = new Map<string, { hits: number[]; expiresAt: number }>();
  readonly limit: number;
  readonly #ttlMs: number;

  constructor(limit: number, windowSec: number) {
    this.limit = limit;
    this.#ttlMs = windowSec * 1000;
  }

  /** Records the hit; `timeToExpireSec` is what the guard sends as X-RateLimit-Reset or Retry-After. */
  hit(key: string, now: number): { allowed: boolean; totalHits: number; remaining: number; timeToExpireSec: number } {
    let k = this.#keys.get(key);
    if (k === undefined) {
      k = { hits: [], expiresAt: now + this.#ttlMs };
      this.#keys.set(key, k);
    }
    while (k.hits.length > 0 && k.hits[0]! + this.#ttlMs <= now) k.hits.shift();
    if (k.expiresAt <= now) k.expiresAt = now + this.#ttlMs;
    k.hits.push(now);
    const totalHits = k.hits.length;
    return { allowed: totalHits <= this.limit, totalHits, remaining: Math.max(0, this.limit - totalHits), timeToExpireSec: Math.max(1, Math.ceil((k.expiresAt - now) / 1000)) };
  }

  purge(now: number): void {
    for (const [key, k] of this.#keys) if (k.hits.every((h) => h + this.#ttlMs <= now) && k.expiresAt <= now) this.#keys.delete(key);
  }

  clear(): void {
    this.#keys.clear();
  }
}

/** Production's express-slow-down, hard-coded in the platform: +500 ms per request after the 100th in 15 minutes per address. */
export const SLOW_DOWN = { afterRequests: 100, windowSec: 900, delayMs: 500 } as const;

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
