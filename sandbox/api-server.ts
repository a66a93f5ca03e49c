import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ADMIN_PREFIX, handleAdmin } from './admin.ts';
import { RequestContext } from './context.ts';
import { handlerFailed, runRoute } from './pipeline.ts';
import { matchApiRoute } from './routes.ts';
import type { SandboxState } from './state.ts';

/** Above the 60 s idle timeout of common load balancers, so the client side closes idle sockets first. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

async function handle(state: SandboxState, ctx: RequestContext): Promise<void> {
  if (ctx.path.startsWith(ADMIN_PREFIX)) {
    await handleAdmin(ctx);
    return;
  }
  const match = matchApiRoute(ctx.req.method, ctx.path);
  if (match.kind === 'none') {
    ctx.style = match.dialect;
    ctx.error(404, 'not_found', `Cannot ${ctx.req.method ?? 'GET'} ${ctx.path}`);
    return;
  }
  if (match.kind === 'method') {
    ctx.style = match.dialect;
    ctx.error(405, 'method_not_allowed', `${ctx.path} accepts ${match.allow.join(', ')}`, { allow: match.allow.join(', ') });
    return;
  }
  ctx.style = match.route.dialect;
  ctx.params = match.params;
  if (match.route.name === 'embed.validate' && state.options.platform.noValidateRoute) {
    // As on every branch of the platform: the service exists, no controller calls it. Counted under its name.
    ctx.route = 'embed.validate';
    ctx.error(404, 'not_found', `Cannot POST ${ctx.path}`);
    return;
  }
  if (state.stopped) return;
  await runRoute(ctx, match.route.name, 'api', match.route.handler);
}

export function createApiServer(state: SandboxState): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ctx = new RequestContext(state, req, res, 'seed');
    const backing = state.backing;
    if (backing) {
      const started = process.hrtime.bigint();
      res.once('finish', () => backing.observeRequest(req.method ?? 'GET', ctx.route ?? 'none', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
    }
    handle(state, ctx).catch((err: unknown) => handlerFailed(ctx, err));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return server;
}
