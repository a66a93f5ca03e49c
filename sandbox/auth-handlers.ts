import type { TokenGrant } from './auth.ts';
import type { RequestContext } from './context.ts';
import { LOGIN_SCHEMA, REFRESH_SCHEMA, validateBody } from './validation.ts';

/** The refresh token from the request's Cookie header (mainline reads it from there). */
function refreshCookie(ctx: RequestContext): string | undefined {
  const header = ctx.req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'refreshToken' && rest.length > 0) return rest.join('=');
  }
  return undefined;
}

/**
 * The grant as the deployment gives it: in the envelope's data (embed
 * branch), or only as httpOnly cookies beside `{user, success}` (mainline).
 */
function answerGrant(ctx: RequestContext, grant: TokenGrant, user: { id: string; email: string }): void {
  if (ctx.state.options.platform.loginTokens === 'cookie') {
    ctx.json(200, { user: { id: user.id, email: user.email }, success: true }, {
      'set-cookie': [
        `accessToken=${grant.accessToken}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${grant.expiresIn}`,
        `refreshToken=${grant.refreshToken}; Path=/api/v1/auth; HttpOnly; SameSite=Lax; Max-Age=${ctx.state.options.refreshTokenTtlSec}`,
      ],
    });
    return;
  }
  ctx.ok(grant);
}

export async function login(ctx: RequestContext): Promise<void> {
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  const errors = validateBody(body, LOGIN_SCHEMA);
  if (errors.length > 0) {
    ctx.error(400, 'bad_request', errors);
    return;
  }
  const { email, password } = body as { email: string; password: string };
  const now = Date.now();
  if (ctx.state.options.platform.concurrentLogin500 && ctx.state.auth.collides(email, password, now)) {
    ctx.state.stats.concurrentLogin500++;
    ctx.error(500, 'internal_error', 'Internal server error');
    return;
  }
  const grant = ctx.state.auth.login(email, password, now);
  if (grant === null) {
    ctx.state.stats.unauthorized++;
    ctx.error(401, 'unauthorized', 'Invalid credentials');
    return;
  }
  ctx.state.stats.logins++;
  answerGrant(ctx, grant, ctx.state.auth.users.find((u) => u.email.toLowerCase() === email.toLowerCase())!);
}

export async function refresh(ctx: RequestContext): Promise<void> {
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  const cookie = ctx.state.options.platform.loginTokens === 'cookie' ? refreshCookie(ctx) : undefined;
  const fromBody = typeof (body as { refreshToken?: unknown }).refreshToken === 'string';
  if (cookie === undefined || fromBody) {
    const errors = validateBody(body, REFRESH_SCHEMA);
    if (errors.length > 0) {
      ctx.error(400, 'bad_request', errors);
      return;
    }
  }
  const token = cookie ?? (body as { refreshToken: string }).refreshToken;
  const grant = ctx.state.auth.refresh(token, Date.now());
  if (grant === null) {
    ctx.state.stats.unauthorized++;
    ctx.error(401, 'unauthorized', 'Invalid refresh token');
    return;
  }
  ctx.state.stats.refreshes++;
  const claims = JSON.parse(Buffer.from(grant.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; email: string };
  answerGrant(ctx, grant, { id: claims.sub, email: claims.email });
}
