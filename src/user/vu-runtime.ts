/**
 * What every virtual user of a worker shares, and the request accounting
 * both scenarios use. Module state lives per worker thread (Artillery runs
 * one copy of the processor per worker), which is the scope a rate-limit
 * gate and a login session need.
 */
import { performance } from 'node:perf_hooks';
import type { HttpResponse, VUContext, VUEvents } from 'artillery';
import { AuthSession, type SessionState } from '../api/auth-session.ts';
import { runtimeCredentials } from '../api/credentials.ts';
import { type FlowSettings, flowSections, type RunSettings } from '../config/environments.ts';
import { decodeStages } from '../load/stages.ts';
import { departureTime, type Stage } from '../load/model.ts';
import { METRICS } from '../metric-names.ts';
import { type GateTicket, hostOf } from '../api/rate-limit-gate.ts';
import { processGate } from '../api/process-gate.ts';
import { beyondMaxWait, type RateLimitPolicy, retryAfterMs } from '../api/retry-after.ts';
import { heldWhile } from './presence.ts';
import { type WorkerPlan, workerPhases, workerPlan } from './worker-plan.ts';

/** Shared with every other thread of this process: the main thread's sampler and the other workers. */
export const gate = processGate();

/** Each user's ticket of its request in flight; kept out of context.vars, which the expect plugin prints. */
const tickets = new WeakMap<object, GateTicket>();

/** Vars the `before` hook hands to every virtual user (see processors/*.ts). */
export interface RunVars {
  luneoBaseUrl: string;
  luneoWidgetUrl: string;
  luneoDialect: 'seed' | 'v1';
  /** epoch ms at which the before hook finished: the profile's time zero */
  luneoEpochMs: number;
  luneoStages: string;
  /** JSON of RunSettings sections the VUs need */
  luneoSettings: string;
  /** v1 session handed over by the before hook (never written to results) */
  luneoSession?: SessionState;
}

export function runVars(context: VUContext): RunVars {
  return context.vars as unknown as RunVars;
}

let settingsCache: { text: string; settings: VuSettings } | undefined;

/** What a user's hooks read of the settings: the deployment, the login spread, the Retry-After policy and every flow's own section. */
export type VuSettings = Pick<RunSettings, 'deployment' | 'loginSpreadMs' | 'rateLimit'> & FlowSettings;

/** The settings the before hook hands to every worker (scenario variable luneoSettings). */
export function vuSettingsOf(s: RunSettings): VuSettings {
  return { ...flowSections(s), deployment: s.deployment, loginSpreadMs: s.loginSpreadMs, rateLimit: s.rateLimit };
}

/** The environment's settings, parsed once per worker and shared by its users (memory per user matters at 10,000). */
export function settingsFor(vars: RunVars): VuSettings {
  if (settingsCache?.text !== vars.luneoSettings) settingsCache = { text: vars.luneoSettings, settings: JSON.parse(vars.luneoSettings) as VuSettings };
  return settingsCache.settings;
}

/** The environment's Retry-After policy: every request of every flow honours it. */
export function policyOf(context: VUContext): RateLimitPolicy {
  return settingsFor(runVars(context)).rateLimit;
}

let stagesCache: { text: string; stages: Stage[] } | undefined;

function stagesOf(vars: RunVars): Stage[] {
  if (stagesCache?.text !== vars.luneoStages) stagesCache = { text: vars.luneoStages, stages: decodeStages(vars.luneoStages) };
  return stagesCache.stages;
}

let planCache: { text: string; plan: WorkerPlan } | undefined;

/** This worker's part of the profile, from its own phases (left by the luneo plugin in this thread). */
export function workerPlanFor(vars: RunVars): WorkerPlan {
  if (planCache?.text !== vars.luneoStages) planCache = { text: vars.luneoStages, plan: workerPlan(stagesOf(vars), workerPhases()) };
  return planCache.plan;
}

/** Epoch ms at which this user leaves, by the profile's LIFO departure rule. */
export function departureAt(vars: RunVars, nowMs: number = Date.now()): number {
  const arrivedAt = Math.max(0, (nowMs - vars.luneoEpochMs) / 1000);
  return vars.luneoEpochMs + departureTime(stagesOf(vars), arrivedAt) * 1000;
}

let session: AuthSession | undefined;

/** The worker's v1 session, created from the before hook's login on first use. */
export function sessionFor(vars: RunVars, events: VUEvents): AuthSession {
  if (!session) {
    const { email, password } = runtimeCredentials();
    const s = settingsFor(vars);
    session = new AuthSession(
      {
        baseUrl: vars.luneoBaseUrl,
        email,
        password,
        deployment: s.deployment,
        rateLimit: s.rateLimit,
        // Logins and refreshes go to the same host as the load: they wait at the same gate.
        gate,
        // Every worker starts from the before hook's session: its refresh token is not this worker's alone.
        sharedRefreshToken: true,
        loginSpreadMs: s.loginSpreadMs,
        onEvent: (e) => {
          if (e === 'server_error_retry') return;
          const name = { login: METRICS.auth.logins, refresh: METRICS.auth.refreshes, relogin: METRICS.auth.reloginsAfter401, failure: METRICS.auth.failures }[e];
          events.emit('counter', name, 1);
        },
      },
      vars.luneoSession,
    );
  }
  return session;
}

/**
 * beforeRequest for every request: wait while the host rate-limits us, then
 * start the clock. Hooks run before Artillery templates the URL, so the
 * processor sets the URL it built itself.
 */
export async function passGate(req: Record<string, unknown>, context: VUContext, url: string, policy: RateLimitPolicy, events?: VUEvents): Promise<void> {
  req.url = url;
  const host = hostOf(url);
  // A wait beyond the environment's maximum throws: this user gives up (Artillery counts the error) rather than go early.
  const pass = () => gate.pass(host, { maxWaitMs: policy.maxRetryAfterMs });
  // A user held here is present but sends nothing: the sampler counts it as load not delivered.
  const ticket = gate.waitMs(host) > 0 ? await heldWhile(pass) : await pass();
  if (ticket.waitedMs > 0) events?.emit('counter', METRICS.load.gateWaitMs, Math.round(ticket.waitedMs));
  tickets.set(context.vars, ticket);
  context.vars.luneoRequestStartedAt = performance.now();
}

/** onError of a request: no answer came, so if it was the probe after a wait, another request proves the way. */
export function requestFailed(context: VUContext): void {
  const t = tickets.get(context.vars);
  if (t) gate.release(t);
  tickets.delete(context.vars);
}

export function headerOf(res: HttpResponse, name: string): string | undefined {
  const v = res.headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Full response time: got's own timings when present, else our clock. */
export function responseTimeMs(res: HttpResponse, context: VUContext): number {
  const total = (res.timings as { phases?: { total?: number } } | undefined)?.phases?.total;
  if (typeof total === 'number' && Number.isFinite(total)) return total;
  const started = context.vars.luneoRequestStartedAt;
  return typeof started === 'number' ? performance.now() - started : 0;
}

export type RequestVerdict = 'ok' | 'rate_limited' | 'failed';

/**
 * Count one response under the package-wide request metrics. A 429 is not a
 * failure of the system under test, nor a latency of it: it closes the gate
 * for the host for as long as Retry-After asks and counts only towards the
 * rate-limited share. Every other answer goes into the all-requests
 * histogram; only a success (countSuccess) goes into the gated one.
 */
export function accountResponse(
  req: Record<string, unknown>,
  res: HttpResponse,
  context: VUContext,
  events: VUEvents,
  policy: RateLimitPolicy,
): { verdict: RequestVerdict; ms: number; retryAfterMs?: number; gaveUp?: boolean; noAnswer?: boolean } {
  const ms = responseTimeMs(res, context);
  const status = res.statusCode ?? 0;
  events.emit('counter', METRICS.requests.sent, 1);
  const ticket = tickets.get(context.vars) ?? { host: hostOf(typeof req.url === 'string' ? req.url : ''), probe: false, lease: 0n, waitedMs: 0 };
  tickets.delete(context.vars);
  if (status === 429) {
    // The whole address is told to wait, whatever this request does next: the gate closes for all of it.
    const wait = retryAfterMs(headerOf(res, 'retry-after'), policy);
    gate.settle(ticket, 429, wait);
    events.emit('counter', METRICS.requests.rateLimited, 1);
    return { verdict: 'rate_limited', ms, retryAfterMs: wait, gaveUp: beyondMaxWait(wait, policy) };
  }
  events.emit('histogram', METRICS.requests.allMs, ms);
  if (status === 0) {
    // No answer at all (the luneo engine hands transport errors to afterResponse as status 0, where
    // Artillery's HTTP engine calls onError): a failed request, counted by its kind; it proves nothing about the limiter.
    gate.release(ticket);
    events.emit('counter', METRICS.requests.failed, 1);
    countNoAnswer((res as { error?: { code?: unknown } }).error?.code, events);
    return { verdict: 'failed', ms, noAnswer: true };
  }
  gate.settle(ticket, status);
  if (status < 200 || status >= 400) {
    events.emit('counter', METRICS.requests.failed, 1);
    return { verdict: 'failed', ms };
  }
  return { verdict: 'ok', ms };
}

/** A successful answer (status and body): its time is what the latency SLOs gate, the k6 way. */
export function countSuccess(events: VUEvents, stepHistogram: string, ms: number): void {
  events.emit('histogram', stepHistogram, ms);
  events.emit('histogram', METRICS.requests.okMs, ms);
}

/**
 * A request that got no answer (Artillery's onError: reset, refused,
 * timed out): a failed request, whose time (the timeout, for a timeout)
 * stays in the all-requests histogram. Counted once per request, since
 * Artillery may run onError twice for one error.
 */
export function countTransportError(err: unknown, context: VUContext, events: VUEvents): boolean {
  if (context.vars.luneoTransportCounted === context.vars.luneoRequestStartedAt) return false;
  context.vars.luneoTransportCounted = context.vars.luneoRequestStartedAt;
  events.emit('counter', METRICS.requests.sent, 1);
  events.emit('counter', METRICS.requests.failed, 1);
  countNoAnswer((err as { code?: unknown } | undefined)?.code, events);
  const started = context.vars.luneoRequestStartedAt;
  if (typeof started === 'number') events.emit('histogram', METRICS.requests.allMs, performance.now() - started);
  return true;
}

/** A request without an answer, on either engine: a transport error, and a timeout when it was one. */
function countNoAnswer(code: unknown, events: VUEvents): void {
  events.emit('counter', METRICS.requests.transportErrors, 1);
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') events.emit('counter', METRICS.requests.timedOut, 1);
}

export function zeroCounters(events: VUEvents, names: readonly string[]): void {
  for (const n of names) events.emit('counter', n, 0);
}

export function randomIn(r: { min: number; max: number }, random: () => number = Math.random): number {
  return Math.round(r.min + (r.max - r.min) * random());
}
