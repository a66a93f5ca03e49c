/**
 * One render as the client sees it: enqueue (retrying after 429s within
 * bounds), poll with backoff until the job succeeds, fails or passes its
 * deadline; or, where the deployment renders synchronously, the finished
 * render in the enqueue's answer. Pure: the processor feeds it responses
 * and the clock.
 */
import { type BackoffPolicy, nextPollDelayMs } from '../api/backoff.ts';
import { extractJobId, extractJobOutcome, extractRenderResult, RENDER_TYPES, type RenderJobInput, type RenderType } from '../api/dialect.ts';
import { beyondMaxWait, type RateLimitPolicy } from '../api/retry-after.ts';

export type RenderOutcome = 'succeeded' | 'failed' | 'timed_out' | 'not_enqueued' | 'lost';

export interface RenderJob {
  type: RenderType;
  enqueueAttempts: number;
  /** 429s in a row on the current request (enqueue or poll) */
  rateLimitedInARow: number;
  /** a 401 was answered with one fresh login; a second one in a row is a failure */
  reauthenticated: boolean;
  jobId?: string;
  /** epoch ms of the enqueue response that accepted the job */
  enqueuedAt?: number;
  polls: number;
  outcome?: RenderOutcome;
  /** epoch ms when the outcome became known */
  finishedAt?: number;
}

export function newRenderJob(type: RenderType): RenderJob {
  return { type, enqueueAttempts: 0, rateLimitedInARow: 0, reauthenticated: false, polls: 0 };
}

/**
 * What to render, from a row of data/designs.csv (designId, productId,
 * brandId). A load render asks for a standard 1024² PNG; the contract
 * check a draft 256² one, cheap for the platform.
 */
export function renderInput(row: Record<string, unknown>, type: RenderType, kind: 'load' | 'contract'): RenderJobInput {
  const designId = String(row.designId);
  const size = kind === 'load' ? 1024 : 256;
  return {
    type,
    designId,
    productId: String(row.productId),
    brandId: String(row.brandId),
    prompt: kind === 'load' ? `load test ${type} render of design ${designId}` : 'contract check render',
    quality: kind === 'load' ? 'standard' : 'draft',
    format: 'png',
    width: size,
    height: size,
  };
}

/** A render type drawn from weights such as {2d: 60, 3d: 30, ar: 10}. */
export function pickRenderType(mix: Record<RenderType, number>, random: () => number = Math.random): RenderType {
  const total = RENDER_TYPES.reduce((s, t) => s + Math.max(0, mix[t]), 0);
  let x = random() * total;
  for (const t of RENDER_TYPES) {
    x -= Math.max(0, mix[t]);
    if (x < 0) return t;
  }
  return RENDER_TYPES.findLast((t) => mix[t] > 0) ?? '2d';
}

export type EnqueueStep =
  | { next: 'poll' }
  /** a synchronous render answered with the finished render: nothing to poll */
  | { next: 'finished'; outcome: 'succeeded' | 'failed' }
  | { next: 'retry'; reason: 'rate_limited' | 'unauthorized' }
  | { next: 'done'; outcome: 'not_enqueued'; reason: 'rate_limit_give_up' | 'http_error' | 'bad_body'; detail: string };

export interface EnqueueContext {
  /** the Retry-After of a 429, milliseconds: beyond the policy's maximum the render gives up */
  retryAfterMs?: number;
  /** the deployment renders synchronously (api.syncRender) */
  sync?: boolean;
  /** response time of the enqueue: a synchronous render's whole processing time */
  latencyMs?: number;
}

export function onEnqueueResponse(job: RenderJob, status: number, body: unknown, now: number, policy: RateLimitPolicy, c: EnqueueContext = {}): EnqueueStep {
  job.enqueueAttempts++;
  if (status === 429) {
    job.rateLimitedInARow++;
    if (c.retryAfterMs !== undefined && beyondMaxWait(c.retryAfterMs, policy)) {
      settle(job, 'not_enqueued', now);
      return { next: 'done', outcome: 'not_enqueued', reason: 'rate_limit_give_up', detail: `Retry-After ${Math.ceil(c.retryAfterMs / 1000)} s beyond maxRetryAfterMs` };
    }
    if (job.rateLimitedInARow > policy.maxRetries) {
      settle(job, 'not_enqueued', now);
      return { next: 'done', outcome: 'not_enqueued', reason: 'rate_limit_give_up', detail: `still 429 after ${policy.maxRetries} retries` };
    }
    return { next: 'retry', reason: 'rate_limited' };
  }
  job.rateLimitedInARow = 0;
  if (status === 401 && !job.reauthenticated) {
    job.reauthenticated = true;
    return { next: 'retry', reason: 'unauthorized' };
  }
  if (status < 200 || status >= 300) {
    settle(job, 'not_enqueued', now);
    return { next: 'done', outcome: 'not_enqueued', reason: 'http_error', detail: `HTTP ${status}` };
  }
  if (c.sync) {
    const result = extractRenderResult(body);
    if (!result.ok) {
      settle(job, 'not_enqueued', now);
      return { next: 'done', outcome: 'not_enqueued', reason: 'bad_body', detail: result.reason };
    }
    const id = extractJobId(body);
    job.jobId = id.ok ? id.value : `sync-${job.enqueueAttempts}`;
    job.enqueuedAt = now - Math.max(0, c.latencyMs ?? 0);
    job.reauthenticated = false;
    settle(job, result.value, now);
    return { next: 'finished', outcome: result.value };
  }
  const id = extractJobId(body);
  if (!id.ok) {
    settle(job, 'not_enqueued', now);
    return { next: 'done', outcome: 'not_enqueued', reason: 'bad_body', detail: id.reason };
  }
  job.jobId = id.value;
  job.enqueuedAt = now;
  job.reauthenticated = false;
  return { next: 'poll' };
}

function settle(job: RenderJob, outcome: RenderOutcome, now: number): void {
  job.outcome = outcome;
  job.finishedAt = now;
}

export type PollStep =
  | { next: 'poll' }
  | { next: 'done'; outcome: 'succeeded' | 'failed' | 'lost'; reason?: string };

/**
 * A status response. Transient trouble (5xx, 429, a non-JSON page from a
 * proxy, a job the API does not know yet) is polled again: the deadline,
 * not one bad answer, decides when to stop watching.
 */
export function onStatusResponse(job: RenderJob, status: number, body: unknown, now: number, policy: RateLimitPolicy, retryAfterMs?: number): PollStep {
  if (status === 429) {
    job.rateLimitedInARow++;
    if (job.rateLimitedInARow > policy.maxRetries || (retryAfterMs !== undefined && beyondMaxWait(retryAfterMs, policy))) {
      settle(job, 'lost', now);
      return { next: 'done', outcome: 'lost', reason: 'rate_limit_give_up' };
    }
    return { next: 'poll' };
  }
  job.rateLimitedInARow = 0;
  job.polls++;
  if (status === 401) {
    if (job.reauthenticated) {
      settle(job, 'lost', now);
      return { next: 'done', outcome: 'lost', reason: 'unauthorized' };
    }
    job.reauthenticated = true;
    return { next: 'poll' };
  }
  job.reauthenticated = false;
  if (status < 200 || status >= 300) return { next: 'poll' };
  const o = extractJobOutcome(body);
  if (!o.ok || o.value === 'running') return { next: 'poll' };
  settle(job, o.value, now);
  return { next: 'done', outcome: o.value };
}

/** Wait before the next poll, or a timeout outcome once the deadline leaves no room. */
export function nextPoll(job: RenderJob, policy: BackoffPolicy, now: number, random?: () => number): { delayMs: number } | { timedOut: true } {
  const elapsed = now - (job.enqueuedAt ?? now);
  const delay = nextPollDelayMs(policy, job.polls, elapsed, random);
  if (delay === undefined) {
    settle(job, 'timed_out', now);
    return { timedOut: true };
  }
  return { delayMs: delay };
}
