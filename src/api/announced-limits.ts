/**
 * The rate limits a target announces in the headers of its ordinary
 * answers: the IETF draft's `RateLimit-Policy: 100;w=60` and
 * `RateLimit-Limit/Remaining/Reset` (express-rate-limit, the platform's
 * production limiter) and the older `X-RateLimit-*` (NestJS's
 * ThrottlerGuard, its development limiter). Read before the load, so a run
 * knows whether it would measure the limiter.
 */

export type HeaderGet = (name: string) => string | null | undefined;

export interface AnnouncedLimit {
  /** requests allowed per window per client address */
  limit: number;
  windowSec: number;
  /** the window was announced (RateLimit-Policy w=), not assumed */
  windowAnnounced: boolean;
  /** left in the current window after this answer, when announced */
  remaining?: number;
  /** seconds until the current window resets, when announced */
  resetSec?: number;
  /** which header family: 'draft' = RateLimit-* (express-rate-limit), 'x' = X-RateLimit-* (ThrottlerGuard) */
  family: 'draft' | 'x';
  /** the header as announced, for messages */
  source: string;
}

/** Both limiters of the platform count per 60 s; a limit announced without its window is assumed to use it. */
export const ASSUMED_WINDOW_SEC = 60;

function int(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  // Lists (several policies) announce the strictest first.
  const first = v.split(',')[0]!.trim();
  return /^\d+$/.test(first) ? Number(first) : undefined;
}

/** `100;w=60` (possibly a list, possibly quoted names in newer drafts): the first policy's quota and window. */
export function parsePolicy(v: string | null | undefined): { limit: number; windowSec?: number } | undefined {
  if (!v) return undefined;
  const first = v.split(',')[0]!;
  const parts = first.split(';').map((p) => p.trim());
  const limit = Number(/^\d+$/.test(parts[0] ?? '') ? parts[0] : /(?:^|;)\s*q=(\d+)/.exec(first)?.[1]);
  if (!Number.isInteger(limit) || limit <= 0) return undefined;
  const w = /(?:^|;)\s*w=(\d+)/.exec(first)?.[1];
  return w === undefined ? { limit } : { limit, windowSec: Number(w) };
}

/** The limit one answer announces, or undefined when it announces none. */
export function announcedLimit(get: HeaderGet): AnnouncedLimit | undefined {
  const policy = parsePolicy(get('ratelimit-policy'));
  const draftLimit = int(get('ratelimit-limit')) ?? policy?.limit;
  if (draftLimit !== undefined && draftLimit > 0) {
    const out: AnnouncedLimit = {
      limit: draftLimit,
      windowSec: policy?.windowSec ?? ASSUMED_WINDOW_SEC,
      windowAnnounced: policy?.windowSec !== undefined,
      family: 'draft',
      source: get('ratelimit-policy') ? `RateLimit-Policy: ${get('ratelimit-policy')}` : `RateLimit-Limit: ${draftLimit}`,
    };
    const remaining = int(get('ratelimit-remaining'));
    const reset = int(get('ratelimit-reset'));
    if (remaining !== undefined) out.remaining = remaining;
    if (reset !== undefined) out.resetSec = reset;
    return out;
  }
  const xLimit = int(get('x-ratelimit-limit'));
  if (xLimit === undefined || xLimit <= 0) return undefined;
  const out: AnnouncedLimit = { limit: xLimit, windowSec: ASSUMED_WINDOW_SEC, windowAnnounced: false, family: 'x', source: `X-RateLimit-Limit: ${xLimit}` };
  const remaining = int(get('x-ratelimit-remaining'));
  // X-RateLimit-Reset is seconds to go (ThrottlerGuard) or an epoch second (others): only the former is a duration.
  const reset = int(get('x-ratelimit-reset'));
  if (remaining !== undefined) out.remaining = remaining;
  if (reset !== undefined && reset < 10 * 365 * 86400) out.resetSec = reset;
  return out;
}
