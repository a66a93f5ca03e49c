import type { RequestContext } from './context.ts';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.ts';

export function health(ctx: RequestContext): void {
  if (ctx.style !== 'v1') {
    ctx.ok({ status: 'ok' });
    return;
  }
  const { state } = ctx;
  ctx.ok({
    status: 'ok',
    uptime: Math.round((Date.now() - state.startedAt) / 1000),
    queues: {
      'render-processing': { waiting: state.queue.waiting, active: state.queue.active, completed: state.stats.completed, failed: state.stats.failed },
    },
  });
}

export function metrics(ctx: RequestContext): void {
  ctx.send(200, PROMETHEUS_CONTENT_TYPE, renderMetrics(ctx.state));
}
