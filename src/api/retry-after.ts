/**
 * `Retry-After` as RFC 9110 defines it: delay-seconds or an HTTP-date.
 * Returns milliseconds to wait, or undefined when the header is absent or
 * unusable, so that the caller applies its own default.
 */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // A date must look like one: Date.parse accepts bare numbers and other
  // oddities ("Retry 5", "June 5"). Every HTTP-date form has a time of day.
  if (!/[a-z]/i.test(value) || !/\d{1,2}:\d{2}:\d{2}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface RateLimitPolicy {
  /** used when a 429 carries no usable Retry-After */
  defaultRetryAfterMs: number;
  /** a server asking for longer than this is not waited for: the request gives up (it never goes early) */
  maxRetryAfterMs: number;
  /** retries of one request after 429s before it gives up */
  maxRetries: number;
}

export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = {
  defaultRetryAfterMs: 1000,
  maxRetryAfterMs: 120_000,
  maxRetries: 5,
};

/**
 * How long the server asked us to stay away after a 429: never shortened,
 * since every request of this address must honour it (see rate-limit-gate.ts).
 */
export function retryAfterMs(header: string | string[] | undefined, policy: RateLimitPolicy, nowMs: number = Date.now()): number {
  return parseRetryAfter(header, nowMs) ?? policy.defaultRetryAfterMs;
}

/** A wait longer than the environment allows: the request gives up rather than wait (or, worse, go early). */
export function beyondMaxWait(delayMs: number, policy: RateLimitPolicy): boolean {
  return delayMs > policy.maxRetryAfterMs;
}
