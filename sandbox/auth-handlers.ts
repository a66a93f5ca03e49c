import type { RequestContext } from './context.ts';
import { LOGIN_SCHEMA, REFRESH_SCHEMA, validateBody } from './validation.ts';

export async function login(ctx: RequestContext): Promise<void> {
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  const errors = validateBody(body, LOGIN_SCHEMA);
  if (errors.length > 0) {
    ctx.error(400, 'bad_request', errors);
    return;
  }
  const { email, password } = body as { email: string; password: string };
  const grant = ctx.state.auth.login(email, password, Date.now());
  if (grant === null) {
    ctx.state.stats.unauthorized++;
    ctx.error(401, 'unauthorized', 'Invalid credentials');
    return;
  }
  ctx.state.stats.logins++;
  ctx.ok(grant);
}

export async function refresh(ctx: RequestContext): Promise<void> {
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  const errors = validateBody(body, REFRESH_SCHEMA);
  if (errors.length > 0) {
    ctx.error(400, 'bad_request', errors);
    return;
  }
  const grant = ctx.state.auth.refresh((body as { refreshToken: string }).refreshToken, Date.now());
  if (grant === null) {
    ctx.state.stats.unauthorized++;
    ctx.error(401, 'unauthorized', 'Invalid or expired refresh token');
    return;
  }
  ctx.state.stats.refreshes++;
  ctx.ok(grant);
}
