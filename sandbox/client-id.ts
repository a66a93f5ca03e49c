import { createHash } from 'node:crypto';
import type { RequestContext } from './context.ts';

/**
 * Who is asking, for rate limiting and early-retry records: the bearer
 * credential's identity when one is sent (seed API key, v1 user, embed
 * token's shop), else the remote address. A token whose signature holds
 * names its holder even when expired; anything unrecognised falls back to
 * the address, as an IP-based limiter would.
 */
export function identifyClient(ctx: RequestContext): string {
  // The platform's own limiters count per address only.
  const o = ctx.state.options;
  if (o.clientIdentity === 'address' || o.rateLimit.style !== 'fixed') return `ip:${ctx.req.socket.remoteAddress ?? 'unknown'}`;
  const bearer = ctx.bearer();
  if (bearer !== null) {
    if (ctx.state.apiKeys.has(bearer)) return `key:${bearer}`;
    const v = ctx.jwt();
    if (v !== null && (v.ok || v.reason === 'expired')) {
      return v.claims.type === 'access' ? `user:${v.claims.sub}` : `shop:${v.claims.shop}`;
    }
  }
  return `ip:${ctx.req.socket.remoteAddress ?? 'unknown'}`;
}

const labels = new Map<string, string>();

/** A client as shown in stats: addresses and ids as they are, API keys only as a short hash. */
export function clientLabel(client: string): string {
  if (!client.startsWith('key:')) return client;
  let label = labels.get(client);
  if (label === undefined) {
    label = `key:${createHash('sha256').update(client).digest('hex').slice(0, 10)}`;
    if (labels.size > 10_000) labels.clear();
    labels.set(client, label);
  }
  return label;
}
