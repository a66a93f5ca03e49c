import type { RequestContext } from './context.ts';
import { requireUser } from './guards.ts';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.ts';

/** The platform has no public health route: with platform.healthRequiresUser, v1 health and metrics want the user token. */
function userRequired(ctx: RequestContext): boolean {
  return ctx.style === 'v1' && ctx.state.options.platform.healthRequiresUser;
}

export function health(ctx: RequestContext): void {
  if (userRequired(ctx) && requireUser(ctx) === null) return;
  if (ctx.style !== 'v1') {
    ctx.ok({ status: 'ok' });
    return;
  }
  const { state } = ctx;
  ctx.ok({
    status: 'ok',
    uptime: Math.round((Date.now() - state.startedAt) / 1000),
    queues: {
      'render-processing': { waiting: state.queue.waiting - state.queue.prioritized, prioritized: state.queue.prioritized, active: state.queue.active, completed: state.stats.completed, failed: state.stats.failed },
    },
  });
}

export async function metrics(ctx: RequestContext): Promise<void> {
  if (userRequired(ctx) && requireUser(ctx) === null) return;
  // Backed, the process and HTTP metrics are prom-client's, as on the platform.
  const extra = ctx.state.backing ? await ctx.state.backing.metrics() : '';
  ctx.send(200, PROMETHEUS_CONTENT_TYPE, renderMetrics(ctx.state) + extra);
}
