import type { ResolvedUser } from './auth.ts';
import type { RequestContext } from './context.ts';

/** v1: a valid, unexpired access token of a known user; otherwise answers 401 and returns null. */
export function requireUser(ctx: RequestContext): ResolvedUser | null {
  const v = ctx.jwt();
  if (v !== null && v.ok && v.claims.type === 'access') {
    const user = ctx.state.auth.userById(v.claims.sub);
    if (user !== undefined) return user;
  }
  ctx.state.stats.unauthorized++;
  const expired = v !== null && !v.ok && v.reason === 'expired' && v.claims.type === 'access';
  ctx.error(401, 'unauthorized', expired ? 'Access token expired' : 'Unauthorized');
  return null;
}

/** seed: `Authorization: Bearer <API key>`; otherwise answers 401 and returns false. */
export function requireApiKey(ctx: RequestContext): boolean {
  const key = ctx.bearer();
  if (key !== null && ctx.state.apiKeys.has(key)) return true;
  ctx.state.stats.unauthorized++;
  ctx.error(401, 'unauthorized', key === null ? 'Missing API key (Authorization: Bearer <key>)' : 'Invalid API key');
  return false;
}
