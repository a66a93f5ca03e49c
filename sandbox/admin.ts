import type { RequestContext } from './context.ts';
import { FaultsError } from './faults.ts';
import { isLoopbackAddress } from './http-util.ts';

export const ADMIN_PREFIX = '/__admin/';

/**
 * Fault control and stats for tests and operators. Never counted, never
 * rate limited, never faulted; refused unless the caller is on loopback.
 */
export async function handleAdmin(ctx: RequestContext): Promise<void> {
  ctx.counted = false;
  ctx.style = 'seed';
  if (!isLoopbackAddress(ctx.req.socket.remoteAddress)) {
    ctx.error(403, 'forbidden', 'Admin routes are for loopback callers only');
    return;
  }
  const { state } = ctx;
  const method = ctx.req.method === 'HEAD' ? 'GET' : ctx.req.method;
  const route = ctx.path.slice(ADMIN_PREFIX.length);
  const allowed: Record<string, string[]> = { faults: ['GET', 'PUT', 'PATCH'], stats: ['GET'], reset: ['POST'] };
  const methods = allowed[route];
  if (methods === undefined) {
    ctx.error(404, 'not_found', `No admin route ${ctx.path} (try GET /__admin/faults, PUT|PATCH /__admin/faults, GET /__admin/stats, POST /__admin/reset)`);
    return;
  }
  if (method === undefined || !methods.includes(method)) {
    ctx.error(405, 'method_not_allowed', `${ctx.path} accepts ${methods.join(', ')}`, { allow: methods.join(', ') });
    return;
  }
  if (route === 'stats') {
    ctx.json(200, state.snapshot());
    return;
  }
  if (route === 'reset') {
    state.reset();
    ctx.json(200, { reset: true, faults: state.faults });
    return;
  }
  if (method === 'GET') {
    ctx.json(200, state.faults);
    return;
  }
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  try {
    ctx.json(200, method === 'PUT' ? state.replaceFaults(body) : state.patchFaults(body));
  } catch (err) {
    if (!(err instanceof FaultsError)) throw err;
    ctx.error(400, 'invalid_faults', err.message);
  }
}
