import { clientLabel } from './client-id.ts';
import type { RequestContext } from './context.ts';
import { retryAfterHeader } from './rate-limit.ts';
import type { Block, WindowResult } from './rate-limit.ts';
import type { RouteName } from './types.ts';

export type Host = 'api' | 'widget';

const EMBED_ROUTES: ReadonlySet<RouteName> = new Set(['embed.token', 'embed.validate']);

function setWindowHeaders(ctx: RequestContext, r: WindowResult, now: number): void {
  ctx.setHeader('X-RateLimit-Limit', r.limit);
  ctx.setHeader('X-RateLimit-Remaining', r.remaining);
  ctx.setHeader('X-RateLimit-Reset', Math.ceil(r.resetAt / 1000));
  ctx.setHeader('RateLimit-Limit', r.limit);
  ctx.setHeader('RateLimit-Remaining', r.remaining);
  ctx.setHeader('RateLimit-Reset', Math.max(0, Math.ceil((r.resetAt - now) / 1000)));
}

function reply429(ctx: RequestContext, until: number, now: number, format: Block['format']): void {
  const limiter = ctx.state.limiter;
  if (limiter !== null) {
    ctx.setHeader('X-RateLimit-Limit', limiter.limit);
    ctx.setHeader('RateLimit-Limit', limiter.limit);
  }
  ctx.setHeader('X-RateLimit-Remaining', 0);
  ctx.setHeader('X-RateLimit-Reset', Math.ceil(until / 1000));
  ctx.setHeader('RateLimit-Remaining', 0);
  ctx.setHeader('RateLimit-Reset', Math.max(1, Math.ceil((until - now) / 1000)));
  const retryAfter = retryAfterHeader(until, now, format);
  ctx.error(429, 'rate_limited', ctx.style === 'v1' ? 'ThrottlerException: Too Many Requests' : `Too many requests, retry after ${retryAfter}`, {
    'retry-after': retryAfter,
  });
}

/**
 * Runs on arrival, before any injected latency: a client still under a
 * Retry-After gets 429 again (counted as an early retry once the grace
 * window for requests already in flight has passed), then the real
 * limiter, then forced 429s. Returns false when it answered.
 */
export function admit(ctx: RequestContext, route: RouteName, host: Host): boolean {
  const { state } = ctx;
  const now = ctx.arrivedAt;
  const forced = state.faults.force429;
  const forcedHere = forced !== null && forced.rate > 0 && (forced.routes !== undefined ? forced.routes.includes(route) : host === 'api');
  const limiter = host === 'api' ? state.limiter : null;
  const limited = limiter !== null && (state.options.rateLimit.scope === 'all' || EMBED_ROUTES.has(route));
  if (state.blocks.size === 0 && !forcedHere && !limited) return true;

  // Blocks are per host: a 429 from the API says nothing about the widget CDN.
  const client = host === 'api' ? ctx.client() : `widget|${ctx.client()}`;
  const block = state.blocks.active(client, now);
  if (block !== undefined) {
    if (now - block.sentAt > state.options.earlyRetryGraceMs) state.stats.recordEarlyRetry(route, clientLabel(client), block.until - now, now);
    reply429(ctx, block.until, now, block.format);
    return false;
  }
  if (limited) {
    const r = limiter.hit(`${client}|${state.options.rateLimit.scope}`, now);
    setWindowHeaders(ctx, r, now);
    if (!r.allowed) {
      state.blocks.block(client, now, r.resetAt, 'seconds');
      reply429(ctx, r.resetAt, now, 'seconds');
      return false;
    }
  }
  if (forcedHere && Math.random() < forced.rate) {
    const format = forced.retryAfterFormat ?? 'seconds';
    let until = now + (forced.retryAfterSec ?? 1) * 1000;
    if (format === 'http-date') until = Math.ceil(until / 1000) * 1000;
    state.blocks.block(client, now, until, format);
    state.stats.forced429++;
    reply429(ctx, until, now, format);
    return false;
  }
  return true;
}
