/**
 * Hooks of scenarios/embed.yml: a shop visitor's page views. Thin wiring;
 * the logic lives in ../src (dialect parsing, departure rule, accounting).
 */
import type { AfterResponseHookFunction, HookDone, VUContext, VUEvents } from 'artillery';
import { makeBeforeHook } from '../src/before/before-hook.ts';
import { classifyValidationFailure, extractEmbedGrant, isValidationAccepted, routes } from '../src/api/dialect.ts';
import { handshakeMs, originForShop } from '../src/flows/embed-visit.ts';
import { join, leave, startSampling } from '../src/user/presence.ts';
import { COMMON_ZERO_AT_START, METRICS, ZERO_AT_START } from '../src/metric-names.ts';
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

const M = METRICS.embed;
type HttpResponse = Parameters<AfterResponseHookFunction>[1];

export const prepareRun = makeBeforeHook('embed');

/** beforeScenario: a visitor arrives and learns when it will leave. */
export async function startVisitor(context: VUContext, events: VUEvents): Promise<void> {
  const vars = runVars(context);
  zeroCounters(events, [...ZERO_AT_START, ...COMMON_ZERO_AT_START]);
  startSampling(events, workerPlanFor(vars), Number(vars.luneoEpochMs), ['users']);
  join('users');
  context.vars.departAt = departureAt(vars);
  context.vars.origin = originForShop(String(context.vars.shop), context.vars.shopOrigin as string | undefined);
}

/** Function step at the start of each page view: fresh state and the pauses of this view. */
export async function beginPageView(context: VUContext, events: VUEvents): Promise<void> {
  const vars = runVars(context);
  const s = settingsFor(vars).embed;
  events.emit('counter', M.pageViews, 1);
  context.vars.tokenUrl = vars.luneoBaseUrl + routes.embedToken(settingsFor(vars).deployment, String(context.vars.shop));
  context.vars.grantOk = false;
  context.vars.validateBody = undefined;
  context.vars.stepMs = [];
  context.vars.iframeDelayMs = randomIn(s.iframeDelayMs);
  // The last view ends when the visitor leaves, not after it.
  context.vars.viewMs = Math.max(0, Math.min(randomIn(s.viewMs), Number(context.vars.departAt) - Date.now()));
}

/** beforeRequest of embed_token: a v1 token route wants the user's login token. */
export async function tokenRequest(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  context.vars.luneoStep = 'token';
  await passGate(req, context, String(context.vars.tokenUrl), policyOf(context), events);
  const vars = runVars(context);
  if (vars.luneoDialect === 'v1') {
    const token = await sessionFor(vars, events).accessToken();
    req.headers = { ...(req.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` };
    context.vars.usedAccessToken = token;
  }
}

export async function widgetRequest(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  context.vars.luneoStep = 'widget';
  await passGate(req, context, String(context.vars.widgetDocUrl), policyOf(context), events);
}

export async function validateRequest(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  context.vars.luneoStep = 'validate';
  await passGate(req, context, String(context.vars.validateUrl), policyOf(context), events);
  req.json = context.vars.validateJson;
  req.headers = { ...(req.headers as Record<string, string> | undefined), authorization: `Bearer ${String(context.vars.embedToken)}` };
}

function stepDone(context: VUContext, ms: number): void {
  (context.vars.stepMs as number[]).push(ms);
}

/** A page view whose handshake failed: token, widget document or validation (the requirements' "success rate"). */
function failVisit(events: VUEvents, ...counters: string[]): void {
  for (const c of counters) events.emit('counter', c, 1);
  events.emit('counter', M.handshakeFailed, 1);
}

/** A request the luneo engine got no answer to (status 0): the page view failed on the transport too. */
function noAnswer(r: { noAnswer?: boolean }): string[] {
  return r.noAnswer ? [M.transportFailed] : [];
}

/**
 * A page view that met a 429 ends, as neither a success nor a failure of
 * the handshake: it counts towards the rate-limited share, which makes the
 * run invalid rather than failing an SLO.
 */
function rateLimitedVisit(context: VUContext, events: VUEvents): void {
  context.vars.grantOk = false;
  events.emit('counter', M.rateLimited, 1);
}

export async function afterToken(req: Record<string, unknown>, res: HttpResponse, context: VUContext, events: VUEvents): Promise<void> {
  const r = accountResponse(req, res, context, events, policyOf(context));
  if (r.verdict === 'rate_limited') return rateLimitedVisit(context, events);
  if (res.statusCode === 401 && runVars(context).luneoDialect === 'v1') {
    // The user token expired under us: renew once for all users, this view is lost.
    await sessionFor(runVars(context), events).onUnauthorized(String(context.vars.usedAccessToken));
  }
  if (r.verdict === 'failed') return failVisit(events, M.tokenFailed, ...noAnswer(r));
  const grant = extractEmbedGrant(res.body);
  if (!grant.ok) {
    events.emit('counter', METRICS.requests.failed, 1);
    return failVisit(events, M.tokenFailed, grant.reason === 'non_json' ? M.tokenNonJson : M.tokenMissing);
  }
  events.emit('counter', M.tokenOk, 1);
  countSuccess(events, M.tokenMs, r.ms);
  stepDone(context, r.ms);
  const vars = runVars(context);
  context.vars.embedToken = grant.value.token;
  const validate = routes.embedValidate(settingsFor(vars).deployment, grant.value.nonce);
  context.vars.validateUrl = vars.luneoBaseUrl + validate.path;
  context.vars.validateJson = validate.json;
  context.vars.widgetDocUrl = vars.luneoWidgetUrl + routes.widgetDocument(grant.value.token, grant.value.nonce, String(context.vars.shop));
  context.vars.grantOk = true;
}

export async function afterWidget(req: Record<string, unknown>, res: HttpResponse, context: VUContext, events: VUEvents): Promise<void> {
  const r = accountResponse(req, res, context, events, policyOf(context));
  if (r.verdict === 'rate_limited') return rateLimitedVisit(context, events);
  if (r.verdict !== 'ok') {
    context.vars.grantOk = false;
    return failVisit(events, M.widgetFailed, ...noAnswer(r));
  }
  events.emit('counter', M.widgetOk, 1);
  countSuccess(events, M.widgetMs, r.ms);
  stepDone(context, r.ms);
}

export async function afterValidate(req: Record<string, unknown>, res: HttpResponse, context: VUContext, events: VUEvents): Promise<void> {
  const r = accountResponse(req, res, context, events, policyOf(context));
  if (r.verdict === 'rate_limited') return rateLimitedVisit(context, events);
  if (r.verdict === 'ok' && isValidationAccepted(res.body)) {
    countSuccess(events, M.validateMs, r.ms);
    stepDone(context, r.ms);
    events.emit('counter', M.validateOk, 1);
    events.emit('counter', M.handshakeOk, 1);
    events.emit('histogram', M.handshakeMs, handshakeMs(context.vars.stepMs as number[]));
    return;
  }
  if (r.noAnswer) return failVisit(events, M.validateFailed, M.transportFailed);
  const why = classifyValidationFailure(res.body);
  if (r.verdict === 'ok') events.emit('counter', METRICS.requests.failed, 1);
  const byReason = {
    origin_mismatch: M.validateOriginMismatch,
    replayed: M.validateReplayed,
    invalid: M.validateInvalid,
    non_json: M.validateNonJson,
    rejected: M.validateInvalid,
  }[why];
  failVisit(events, M.validateFailed, byReason);
}

/** ifTrue of the steps after the token: only a visit with a grant goes on. */
export function hasGrant(vars: Record<string, unknown>): boolean {
  return vars.grantOk === true;
}

/** whileTrue of the page-view loop: the visitor stays until the profile sends it home. */
export function keepVisiting(context: VUContext, next: (go: boolean) => void): void {
  const stay = Date.now() < Number(context.vars.departAt) - 50;
  if (!stay) leaveOnce(context);
  next(stay);
}

function leaveOnce(context: VUContext): void {
  if (context.vars.luneoLeft === true) return;
  context.vars.luneoLeft = true;
  leave('users');
}

const STEP_FAILED: Record<string, string> = { token: M.tokenFailed, widget: M.widgetFailed, validate: M.validateFailed };

/**
 * onError: a request got no answer (reset, refused, timed out). Its page
 * view is a failed handshake and the request a failed one; with Artillery's
 * HTTP engine the visitor then ends and is no longer here, which the
 * verdict sees as load not delivered when it costs the profile its
 * concurrency. Callback style: Artillery never awaits onError hooks.
 */
export function visitorFailed(err: unknown, _req: unknown, context: VUContext, events: VUEvents, done: HookDone): void {
  requestFailed(context);
  if (countTransportError(err, context, events)) {
    const step = STEP_FAILED[String(context.vars.luneoStep)];
    failVisit(events, M.transportFailed, ...(step ? [step] : []));
  }
  leaveOnce(context);
  done();
}
