import type { RequestContext } from './context.ts';
import { latencyMs, pickRoute } from './faults.ts';
import { admit, slowDownMs } from './throttle.ts';
import type { Host } from './throttle.ts';
import type { RouteName } from './types.ts';

const INJECTED_ERRORS = [
  [500, 'internal_error'],
  [502, 'bad_gateway'],
  [503, 'service_unavailable'],
] as const;
const PROXY_PAGE = '<html>upstream error page</html>';

let errorsLogged = 0;

/** Handler exceptions become a 500 and one log line (sampled, so a broken route cannot flood the terminal). */
export function handlerFailed(ctx: RequestContext, err: unknown): void {
  errorsLogged++;
  if (errorsLogged <= 10 || errorsLogged % 1000 === 0) {
    console.error(`sandbox: ${ctx.req.method} ${ctx.path} (${ctx.route}) failed [#${errorsLogged}]: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!ctx.sent) ctx.error(500, 'internal_error', 'Internal server error');
}

/** One request through rate limiting and fault injection, then its handler. */
export async function runRoute(ctx: RequestContext, route: RouteName, host: Host, handler: (ctx: RequestContext) => void | Promise<void>): Promise<void> {
  ctx.route = route;
  const { state } = ctx;
  if (!admit(ctx, route, host)) return;
  const slow = slowDownMs(ctx, host);
  if (slow > 0 && !(await state.delay(slow))) return;
  const faults = state.faults;
  const latency = pickRoute(faults.latency, route);
  if (latency !== undefined) {
    const ms = latencyMs(latency);
    if (ms > 0) {
      state.stats.latencyInjected++;
      if (!(await state.delay(ms))) return;
    }
  }
  const errorRate = pickRoute(faults.errors, route);
  if (errorRate !== undefined && Math.random() < errorRate) {
    state.stats.errorsInjected++;
    const [status, code] = INJECTED_ERRORS[Math.floor(Math.random() * INJECTED_ERRORS.length)]!;
    ctx.error(status, code, `Injected fault: ${status}`);
    return;
  }
  const every = pickRoute(faults.failEvery, route);
  if (every !== undefined) {
    const n = (state.seenByRoute.get(route) ?? 0) + 1;
    state.seenByRoute.set(route, n);
    if (n % every === 0) {
      state.stats.errorsInjected++;
      ctx.error(503, 'service_unavailable', 'Injected fault: every Nth request fails');
      return;
    }
  }
  const resetRate = pickRoute(faults.resets, route);
  if (resetRate !== undefined && Math.random() < resetRate) {
    // No answer at all: the client sees ECONNRESET, as from a crashed proxy or a dropped connection.
    state.stats.resetsInjected++;
    ctx.req.socket.destroy();
    return;
  }
  const nonJsonRate = pickRoute(faults.nonJson, route);
  if (nonJsonRate !== undefined && Math.random() < nonJsonRate) {
    state.stats.nonJsonInjected++;
    ctx.html(200, PROXY_PAGE);
    return;
  }
  await handler(ctx);
}
