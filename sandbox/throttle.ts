import { clientLabel } from './client-id.ts';
import type { RequestContext } from './context.ts';
import { retryAfterHeader, SLOW_DOWN } from './rate-limit.ts';
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

/** The platform's production 429 body: express-rate-limit's own, not the envelope. */
export const EXPRESS_429_BODY = { error: 'Too many requests from this IP, please try again later.', statusCode: 429 };

function reply429(ctx: RequestContext, until: number, now: number, format: Block['format']): void {
  const style = ctx.state.options.rateLimit.style;
  const retryAfter = retryAfterHeader(until, now, format);
  if (style === 'throttler' && ctx.state.throttler !== null) {
    // ThrottlerGuard's 429 carries only Retry-After, with the envelope.
    ctx.error(429, 'rate_limited', 'ThrottlerException: Too Many Requests', { 'retry-after': retryAfter });
    return;
  }
  if (style === 'express' && ctx.state.limiter !== null) {
    setPolicyHeaders(ctx, ctx.state.limiter.limit, 0, Math.max(1, Math.ceil((until - now) / 1000)));
    ctx.json(429, EXPRESS_429_BODY, { 'retry-after': retryAfter });
    return;
  }
  const limiter = ctx.state.limiter;
  if (limiter !== null) {
    ctx.setHeader('X-RateLimit-Limit', limiter.limit);
    ctx.setHeader('RateLimit-Limit', limiter.limit);
  }
  ctx.setHeader('X-RateLimit-Remaining', 0);
  ctx.setHeader('X-RateLimit-Reset', Math.ceil(until / 1000));
  ctx.setHeader('RateLimit-Remaining', 0);
  ctx.setHeader('RateLimit-Reset', Math.max(1, Math.ceil((until - now) / 1000)));
  ctx.error(429, 'rate_limited', ctx.style === 'v1' ? 'ThrottlerException: Too Many Requests' : `Too many requests, retry after ${retryAfter}`, {
    'retry-after': retryAfter,
  });
}

/** express-rate-limit's standard headers (draft 6), on every answer. */
function setPolicyHeaders(ctx: RequestContext, limit: number, remaining: number, resetSec: number): void {
  ctx.setHeader('RateLimit-Policy', `${limit};w=${ctx.state.options.rateLimit.windowSec}`);
  ctx.setHeader('RateLimit-Limit', limit);
  ctx.setHeader('RateLimit-Remaining', remaining);
  ctx.setHeader('RateLimit-Reset', resetSec);
}

/** The platform's guard runs before its throttler: a token request without a valid user is a 401, never a 429. */
function hasValidUser(ctx: RequestContext): boolean {
  const v = ctx.jwt();
  return v !== null && v.ok && v.claims.type === 'access';
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
  const style = state.options.rateLimit.style;
  const forced = state.faults.force429;
  // Probes keep working, except where the platform limits every path (production) or a forced 429 names them;
  // one that comes while its client is told to wait still counts as an early retry.
  if ((route === 'health' || route === 'metrics') && style !== 'express' && !forced?.routes?.includes(route)) {
    if (state.blocks.size > 0 && host === 'api') {
      const block = state.blocks.active(ctx.client(), now);
      if (block !== undefined && now - block.sentAt > state.options.earlyRetryGraceMs) state.stats.recordEarlyRetry(route, clientLabel(ctx.client()), block.until - now, now);
    }
    return true;
  }
  const forcedHere = forced !== null && forced.rate > 0 && (forced.routes !== undefined ? forced.routes.includes(route) : host === 'api' && route !== 'health' && route !== 'metrics');
  const limiter = host === 'api' && style !== 'throttler' ? state.limiter : null;
  const limited =
    limiter !== null && (style === 'express' || ((state.options.rateLimit.scope === 'all' || EMBED_ROUTES.has(route)) && route !== 'health' && route !== 'metrics'));
  const throttled = host === 'api' && state.throttler !== null && route === 'embed.token' && (ctx.style !== 'v1' || hasValidUser(ctx));
  if (state.blocks.size === 0 && !forcedHere && !limited && !throttled) return true;

  // Blocks are per host: a 429 from the API says nothing about the widget CDN.
  const client = host === 'api' ? ctx.client() : `widget|${ctx.client()}`;
  const block = state.blocks.active(client, now);
  // The platform's limiters count every hit, 429s included.
  const throttle = throttled ? state.throttler!.hit(`${ctx.client()}|${route}`, now) : undefined;
  const window = limited ? limiter.hit(`${client}|${style === 'express' ? 'all' : state.options.rateLimit.scope}`, now) : undefined;
  if (block !== undefined) {
    if (now - block.sentAt > state.options.earlyRetryGraceMs) state.stats.recordEarlyRetry(route, clientLabel(client), block.until - now, now);
    else state.stats.rateLimitedInFlight++;
    reply429(ctx, block.until, now, block.format);
    return false;
  }
  if (throttle !== undefined) {
    const until = now + throttle.timeToExpireSec * 1000;
    if (!throttle.allowed) {
      state.blocks.block(client, now, until, 'seconds');
      reply429(ctx, until, now, 'seconds');
      return false;
    }
    ctx.setHeader('X-RateLimit-Limit', state.throttler!.limit);
    ctx.setHeader('X-RateLimit-Remaining', throttle.remaining);
    ctx.setHeader('X-RateLimit-Reset', throttle.timeToExpireSec);
  }
  if (window !== undefined) {
    if (style === 'express') setPolicyHeaders(ctx, window.limit, window.remaining, Math.max(0, Math.ceil((window.resetAt - now) / 1000)));
    else setWindowHeaders(ctx, window, now);
    if (!window.allowed) {
      state.blocks.block(client, now, window.resetAt, 'seconds');
      reply429(ctx, window.resetAt, now, 'seconds');
      return false;
    }
  }
  if (forcedHere && forced.skip !== undefined && forced.skip > 0) {
    forced.skip--;
    return true;
  }
  if (forcedHere && forced.count !== undefined && forced.count <= 0) return true;
  if (forcedHere && Math.random() < forced.rate) {
    if (forced.count !== undefined) forced.count--;
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

/** Production's express-slow-down: how long to hold this request (0 = none). Every API path counts. */
export function slowDownMs(ctx: RequestContext, host: Host): number {
  const slow = ctx.state.slowDown;
  if (slow === null || host !== 'api') return 0;
  const r = slow.hit(`ip:${ctx.req.socket.remoteAddress ?? 'unknown'}`, ctx.arrivedAt);
  if (r.allowed) return 0;
  ctx.state.stats.slowedDown++;
  return SLOW_DOWN.delayMs;
}
