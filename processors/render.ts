/**
 * Hooks of scenarios/render.yml: a client that enqueues a render, polls it
 * to completion with backoff, thinks, and renders again. Thin wiring; the
 * job's logic is ../src/flows/render-job.ts.
 */
import type { AfterResponseHookFunction, HookDone, VUContext, VUEvents } from 'artillery';
import { makeBeforeHook } from '../src/before/before-hook.ts';
import { runtimeCredentials } from '../src/api/credentials.ts';
import { routes } from '../src/api/dialect.ts';
import type { RunSettings } from '../src/config/environments.ts';
import { join, leave, startSampling } from '../src/user/presence.ts';
import { COMMON_ZERO_AT_START, METRICS, RENDER_ZERO_AT_START } from '../src/metric-names.ts';
import { newRenderJob, nextPoll, renderInput, onEnqueueResponse, onStatusResponse, pickRenderType, type RenderJob } from '../src/flows/render-job.ts';
import {
  accountResponse,
  countSuccess,
  countTransportError,
  departureAt,
  passGate,
  policyOf,
  randomIn,
  requestFailed,
  runVars,
  sessionFor,
  settingsFor,
  workerPlanFor,
  zeroCounters,
} from '../src/user/vu-runtime.ts';

type RenderSettings = RunSettings['render'];
type HttpResponse = Parameters<AfterResponseHookFunction>[1];
const M = METRICS.render;

export const prepareRun = makeBeforeHook('render');

function settingsOf(context: VUContext): RenderSettings {
  return settingsFor(runVars(context)).render;
}

function jobOf(context: VUContext): RenderJob {
  return context.vars.renderJob as RenderJob;
}

export async function startRenderer(context: VUContext, events: VUEvents): Promise<void> {
  const vars = runVars(context);
  zeroCounters(events, [...RENDER_ZERO_AT_START, ...COMMON_ZERO_AT_START]);
  startSampling(events, workerPlanFor(vars), Number(vars.luneoEpochMs), ['users', 'renders']);
  join('users');
  context.vars.departAt = departureAt(vars);
}

/** Function step: a new render of a type drawn from the mix. */
export async function beginRender(context: VUContext): Promise<void> {
  const vars = runVars(context);
  const s = settingsOf(context);
  const job = newRenderJob(pickRenderType(s.mix));
  context.vars.renderJob = job;
  const spec = routes.enqueueRender(settingsFor(vars).deployment, renderInput(context.vars, job.type, 'load'));
  context.vars.enqueueUrl = vars.luneoBaseUrl + spec.path;
  context.vars.enqueueJson = spec.json;
  context.vars.pollDelayMs = 0;
  context.vars.polling = false;
}

async function authorize(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  const vars = runVars(context);
  const token = vars.luneoDialect === 'v1' ? await sessionFor(vars, events).accessToken() : runtimeCredentials().apiKey;
  context.vars.usedAccessToken = token;
  req.headers = { ...(req.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` };
}

async function renewAfter401(context: VUContext, events: VUEvents): Promise<void> {
  const vars = runVars(context);
  if (vars.luneoDialect === 'v1') await sessionFor(vars, events).onUnauthorized(String(context.vars.usedAccessToken));
}

export async function enqueueRequest(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  await passGate(req, context, String(context.vars.enqueueUrl), policyOf(context), events);
  req.json = context.vars.enqueueJson;
  await authorize(req, context, events);
}

export async function afterEnqueue(req: Record<string, unknown>, res: HttpResponse, context: VUContext, events: VUEvents): Promise<void> {
  const r = accountResponse(req, res, context, events, policyOf(context));
  events.emit('counter', M.enqueueAttempts, 1);
  const job = jobOf(context);
  const sync = settingsFor(runVars(context)).deployment.syncRender;
  const step = onEnqueueResponse(job, res.statusCode ?? 0, res.body, Date.now(), policyOf(context), { retryAfterMs: r.retryAfterMs, sync, latencyMs: r.ms });
  if (r.verdict === 'rate_limited') events.emit('counter', M.rateLimited, 1);
  if (step.next === 'retry') {
    if (step.reason === 'unauthorized') await renewAfter401(context, events);
    return;
  }
  if (step.next === 'done') {
    // Giving up on 429s is the limiter's doing, not the platform's: it counts towards the rate-limited share only.
    if (step.reason === 'rate_limit_give_up') return void events.emit('counter', M.rateLimitGiveUps, 1);
    events.emit('counter', M.enqueueFailed, 1);
    if (r.verdict === 'ok') events.emit('counter', METRICS.requests.failed, 1);
    return;
  }
  countSuccess(events, M.enqueueMs, r.ms);
  events.emit('counter', M.enqueueOk, 1);
  events.emit('counter', M.jobsEnqueued, 1);
  join('renders');
  // A synchronous render is finished already: endRender counts it, with the enqueue's latency as its processing time.
  if (step.next === 'finished') return;
  const vars = runVars(context);
  context.vars.statusUrl = vars.luneoBaseUrl + routes.jobStatus(settingsFor(vars).deployment, job.jobId ?? '');
  schedulePoll(context);
}

function schedulePoll(context: VUContext): void {
  const p = nextPoll(jobOf(context), settingsOf(context).poll, Date.now());
  context.vars.polling = 'delayMs' in p;
  context.vars.pollDelayMs = 'delayMs' in p ? p.delayMs : 0;
}

/** whileTrue of the enqueue loop: again after a 429 (the gate waits) or one fresh login. */
export function retryEnqueue(context: VUContext, next: (again: boolean) => void): void {
  const job = jobOf(context);
  next(job.outcome === undefined && job.jobId === undefined);
}

export async function statusRequest(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  await passGate(req, context, String(context.vars.statusUrl), policyOf(context), events);
  await authorize(req, context, events);
}

export async function afterStatus(req: Record<string, unknown>, res: HttpResponse, context: VUContext, events: VUEvents): Promise<void> {
  const r = accountResponse(req, res, context, events, policyOf(context));
  if (r.verdict === 'rate_limited') events.emit('counter', M.rateLimited, 1);
  if (r.verdict === 'failed') events.emit('counter', M.statusFailed, 1);
  if (r.verdict === 'ok') countSuccess(events, M.statusMs, r.ms);
  const job = jobOf(context);
  const step = onStatusResponse(job, res.statusCode ?? 0, res.body, Date.now(), policyOf(context), r.retryAfterMs);
  if (res.statusCode === 401) await renewAfter401(context, events);
  if (step.next === 'done') {
    context.vars.polling = false;
    if (step.reason === 'rate_limit_give_up') events.emit('counter', M.rateLimitGiveUps, 1);
    return;
  }
  schedulePoll(context);
}

export function isPolling(vars: Record<string, unknown>): boolean {
  return vars.polling === true;
}

/** whileTrue of the poll loop. */
export function keepPolling(context: VUContext, next: (again: boolean) => void): void {
  next(context.vars.polling === true);
}

/** Function step: count the render's outcome. */
export async function endRender(context: VUContext, events: VUEvents): Promise<void> {
  const job = jobOf(context);
  const s = settingsOf(context);
  if (job.jobId !== undefined) {
    leave('renders');
    events.emit('histogram', M.pollsPerJob, job.polls);
    const counter = {
      succeeded: M.jobsSucceeded,
      failed: M.jobsFailed,
      timed_out: M.jobsTimedOut,
      lost: M.jobsLost,
      not_enqueued: M.jobsLost,
    }[job.outcome ?? 'lost'];
    events.emit('counter', counter, 1);
    if (job.outcome === 'succeeded' && job.enqueuedAt !== undefined && job.finishedAt !== undefined) {
      events.emit('histogram', M.jobProcessingMs, job.finishedAt - job.enqueuedAt);
    }
  }
  context.vars.thinkMs = Math.max(0, Math.min(randomIn(s.thinkMs), Number(context.vars.departAt) - Date.now()));
}

/** whileTrue of the render loop: the renderer stays until the profile sends it home. */
export function keepRendering(context: VUContext, next: (again: boolean) => void): void {
  const stay = Date.now() < Number(context.vars.departAt) - 50;
  if (!stay) leave('users');
  next(stay);
}

/**
 * onError: a request got no answer (reset, refused, timed out): a failed
 * request; with Artillery's HTTP engine the renderer then ends and its
 * render is no longer watched. Callback style: Artillery never awaits onError hooks.
 */
export function rendererFailed(err: unknown, _req: unknown, context: VUContext, events: VUEvents, done: HookDone): void {
  requestFailed(context);
  if (!countTransportError(err, context, events)) return done();
  const job = context.vars.renderJob as RenderJob | undefined;
  if (job?.jobId !== undefined && job.outcome === undefined) {
    leave('renders');
    events.emit('counter', M.jobsLost, 1);
  }
  leave('users');
  done();
}
