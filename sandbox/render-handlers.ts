import type { RequestContext } from './context.ts';
import { requireApiKey, requireUser } from './guards.ts';
import { isRecord } from './http-util.ts';
import type { RenderJob } from './render-queue.ts';
import type { RenderType } from './types.ts';
import { V1_RENDER_SCHEMA, validateBody } from './validation.ts';

const SEED_TYPES: readonly string[] = ['2d', '3d', 'ar'];
const RUNNING_WORDS = ['queued', 'processing', 'active'] as const;

function safeFormat(v: unknown): string {
  return typeof v === 'string' && /^[a-z0-9]{1,10}$/i.test(v) ? v.toLowerCase() : 'png';
}

function resultUrl(ctx: RequestContext, job: RenderJob): string {
  return `${ctx.state.apiUrl}/renders/${job.id}.${job.format}`;
}

function queueFull(ctx: RequestContext): boolean {
  if (!ctx.state.queue.isFull()) return false;
  ctx.state.stats.rejected++;
  ctx.error(503, 'queue_full', `Render queue is full (${ctx.state.options.render.queueLimit} waiting)`);
  return true;
}

// ------------------------------------------------------------ seed

function seedBodyError(body: unknown): string | null {
  if (!isRecord(body)) return 'Body must be a JSON object';
  if (typeof body.type !== 'string' || !SEED_TYPES.includes(body.type)) return `type must be one of ${SEED_TYPES.join(', ')}`;
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return 'prompt must be a non-empty string';
  if (body.options !== undefined && body.options !== null && !isRecord(body.options)) return 'options must be an object';
  return null;
}

/** Odd job numbers answer 202 `{jobId}`, even ones 200 `{id}`, so clients must read both. */
export async function seedEnqueue(ctx: RequestContext): Promise<void> {
  if (!requireApiKey(ctx)) return;
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  const problem = seedBodyError(body);
  if (problem !== null) {
    ctx.error(400, 'bad_request', problem);
    return;
  }
  if (queueFull(ctx)) return;
  const b = body as { type: RenderType; options?: { format?: unknown } | null };
  const job = ctx.state.queue.enqueue('seed', b.type, 0, safeFormat(b.options?.format), Date.now());
  if (job.num % 2 === 1) ctx.json(202, { jobId: job.id, status: 'queued' });
  else ctx.json(200, { id: job.id, status: 'queued' });
}

/**
 * Odd jobs report under `status`, even ones under `state`; running jobs
 * cycle through queued/processing/active poll by poll, finished ones say
 * completed|done and failed|error.
 */
export function seedStatus(ctx: RequestContext): void {
  if (!requireApiKey(ctx)) return;
  const job = ctx.state.queue.get(ctx.params[0]!);
  if (job === undefined || job.dialect !== 'seed') {
    ctx.error(404, 'not_found', 'Unknown job id');
    return;
  }
  const odd = job.num % 2 === 1;
  const body: Record<string, unknown> = odd ? { jobId: job.id } : { id: job.id };
  const key = odd ? 'status' : 'state';
  if (job.state === 'completed') {
    body[key] = odd ? 'completed' : 'done';
    body.url = resultUrl(ctx, job);
  } else if (job.state === 'failed') {
    body[key] = odd ? 'failed' : 'error';
    body.error = job.error;
  } else {
    body[key] = RUNNING_WORDS[job.polls++ % RUNNING_WORDS.length];
  }
  ctx.json(200, body);
}

// ------------------------------------------------------------ v1

interface V1RenderBody {
  productId: string;
  brandId: string;
  designId?: string;
  priority?: number;
  options: { width: number; height: number; quality?: string | number; format?: string };
}

export function v1Enqueue(type: '2d' | '3d'): (ctx: RequestContext) => Promise<void> {
  return async (ctx) => {
    const user = requireUser(ctx);
    if (user === null) return;
    const body = await ctx.bodyOrFail();
    if (body === undefined) return;
    const errors = validateBody(body, V1_RENDER_SCHEMA);
    if (errors.length > 0) {
      ctx.error(400, 'bad_request', errors);
      return;
    }
    const { state } = ctx;
    const quota = state.options.render.quotaPerUser;
    const used = state.quotaUsed.get(user.id) ?? 0;
    if (quota > 0 && used >= quota) {
      ctx.error(403, 'forbidden', 'Render quota exceeded');
      return;
    }
    if (queueFull(ctx)) return;
    const b = body as V1RenderBody;
    // The platform gives every job a priority ("normal"), so BullMQ files the backlog under prioritized.
    const priority = b.priority ?? (state.options.render.prioritized ? 1 : 0);
    const now = Date.now();
    const job = state.queue.enqueue('v1', type, priority, safeFormat(b.options.format), now);
    state.quotaUsed.set(user.id, used + 1);
    if (state.options.render.synchronous) {
      // Mainline renders in the request: 200 with the finished render.
      await state.queue.finished(job);
      if (job.state === 'completed') ctx.ok({ renderId: job.id, status: 'success', url: resultUrl(ctx, job), type });
      else ctx.ok({ renderId: job.id, status: 'failed', error: job.error, type });
      return;
    }
    ctx.ok(
      {
        renderId: job.id,
        jobId: String(job.num),
        queue: 'render-processing',
        state: priority > 0 ? 'prioritized' : 'waiting',
        priority: state.options.render.prioritized && b.priority === undefined ? 'normal' : priority,
        enqueuedAt: new Date(now).toISOString(),
      },
      202,
    );
  };
}

/** A failed render shows as queueState failed (odd jobs) or completed (even): both occur on the platform. */
export function v1Status(ctx: RequestContext): void {
  if (requireUser(ctx) === null) return;
  const job = ctx.state.queue.get(ctx.params[0]!);
  if (job === undefined || job.dialect !== 'v1') {
    ctx.ok(null);
    return;
  }
  const base = { renderId: job.id };
  switch (job.state) {
    case 'waiting':
      ctx.ok({ ...base, status: 'processing', queueState: job.priority > 0 ? 'prioritized' : 'waiting' });
      return;
    case 'active':
      ctx.ok({ ...base, status: 'processing', queueState: 'active' });
      return;
    case 'completed':
      ctx.ok({ ...base, status: 'success', queueState: 'completed', url: resultUrl(ctx, job) });
      return;
    case 'failed':
      ctx.ok({ ...base, status: 'failed', queueState: job.num % 2 === 1 ? 'failed' : 'completed', error: job.error });
      return;
  }
}
