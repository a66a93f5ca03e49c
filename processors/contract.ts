/**
 * Hooks of scenarios/contract.yml: one user walks every route of the
 * chosen dialect once, and the expect plugin checks what comes back. It
 * answers "does this deployment speak the dialect its environment file
 * says?" in seconds, before anyone launches thousands of users at it.
 */
import type { AfterResponseHookFunction, VUContext, VUEvents } from 'artillery';
import { makeBeforeHook } from '../src/before/before-hook.ts';
import { redact, runtimeCredentials, secretsFromEnv } from '../src/api/credentials.ts';
import { extractEmbedGrant, extractJobId, extractJobOutcome, extractRenderResult, isValidationAccepted, routes } from '../src/api/dialect.ts';
import { originForShop } from '../src/flows/embed-visit.ts';
import { renderInput } from '../src/flows/render-job.ts';
import { runVars, sessionFor, settingsFor } from '../src/user/vu-runtime.ts';

type HttpResponse = Parameters<AfterResponseHookFunction>[1];

export const prepareRun = makeBeforeHook('contract');

/**
 * The expect plugin prints a failing step's request, answer and every user
 * variable to the console of this worker thread: the embed token and the
 * widget URL that carries it stay out of context.vars (below), and whatever
 * else looks like a token or a bearer is redacted from this thread's console.
 */
for (const method of ['log', 'info', 'warn', 'error'] as const) {
  const original = console[method].bind(console);
  const secrets = secretsFromEnv();
  console[method] = (...args: unknown[]) => original(...args.map((a) => (typeof a === 'string' ? redact(a, secrets) : a)));
}

/** Per user: what must not be printed (the embed token, the widget URL holding it). */
const secretsOf = new WeakMap<object, { embedToken: string; widgetDocUrl: string }>();

export async function setUp(context: VUContext): Promise<void> {
  const vars = runVars(context);
  const dep = settingsFor(vars).deployment;
  const shop = String(context.vars.shop);
  context.vars.origin = originForShop(shop, context.vars.shopOrigin as string | undefined);
  context.vars.payloadPrefix = dep.dialect === 'v1' ? 'data.' : '';
  const health = routes.health(dep);
  // The seed contract has no health route; v1's needs the user token.
  if (health !== undefined) context.vars.healthUrl = vars.luneoBaseUrl + health;
  context.vars.tokenUrl = vars.luneoBaseUrl + routes.embedToken(dep, shop);
  const render = routes.enqueueRender(dep, renderInput(context.vars, '2d', 'contract'));
  context.vars.enqueueUrl = vars.luneoBaseUrl + render.path;
  context.vars.enqueueJson = render.json;
}

async function bearer(req: Record<string, unknown>, context: VUContext, events: VUEvents, token?: string): Promise<void> {
  const vars = runVars(context);
  const value = token ?? (vars.luneoDialect === 'v1' ? await sessionFor(vars, events).accessToken() : runtimeCredentials().apiKey);
  req.headers = { ...(req.headers as Record<string, string> | undefined), authorization: `Bearer ${value}` };
}

/** ifTrue of the health step. */
export function hasHealth(vars: Record<string, unknown>): boolean {
  return typeof vars.healthUrl === 'string';
}

/** beforeRequest of v1's health route: no health route is public there. */
export async function healthAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.url = context.vars.healthUrl;
  await bearer(req, context, events);
}

/** beforeRequest of the token route as a shop visitor's browser calls it: the widget SDK sends no Authorization. */
export async function anonymous(req: Record<string, unknown>, context: VUContext): Promise<void> {
  req.url = context.vars.tokenUrl;
}

/** afterResponse of v1's anonymous token request: what the route said to a visitor without a user token. */
export async function noteAnonymous(_req: unknown, res: HttpResponse, context: VUContext): Promise<void> {
  context.vars.anonymousStatus = res.statusCode ?? 0;
}

function isV1(context: VUContext): boolean {
  return runVars(context).luneoDialect === 'v1';
}

/** ifTrue of v1's two token requests (anonymous, then with the user token): only v1 has users. */
export function isV1Vars(vars: Record<string, unknown>): boolean {
  return vars.luneoDialect === 'v1';
}

/** ifTrue of seed's token request: its embed routes are public, the visitor's one request is anonymous. */
export function isSeedVars(vars: Record<string, unknown>): boolean {
  return vars.luneoDialect !== 'v1';
}

/** beforeRequest of the token route with the user's token (v1). */
export async function userAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.url = context.vars.tokenUrl;
  if (isV1(context)) await bearer(req, context, events);
}

export async function apiAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.json = context.vars.enqueueJson;
  await bearer(req, context, events);
}

export async function statusAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  await bearer(req, context, events);
}

export async function embedAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.url = context.vars.validateUrl;
  req.json = context.vars.validateJson;
  await bearer(req, context, events, secretsOf.get(context.vars)?.embedToken ?? '');
}

export async function widgetUrl(req: Record<string, unknown>, context: VUContext): Promise<void> {
  req.url = secretsOf.get(context.vars)?.widgetDocUrl;
}

function broken(what: string): Error {
  return new Error(`contract: ${what}`);
}

/**
 * The package's own parsers must understand what the deployment says, not
 * only the expect checks. A non-2xx answer is left to expect, which reports it.
 */
function answered(res: HttpResponse): boolean {
  const s = res.statusCode ?? 0;
  return s >= 200 && s < 300;
}

function keepGrantFrom(res: HttpResponse, context: VUContext): void {
  if (!answered(res)) return;
  const grant = extractEmbedGrant(res.body);
  if (!grant.ok) throw broken(`embed token response not understood (${grant.reason})`);
  const vars = runVars(context);
  const v = routes.embedValidate(settingsFor(vars).deployment, grant.value.nonce);
  secretsOf.set(context.vars, {
    embedToken: grant.value.token,
    widgetDocUrl: vars.luneoWidgetUrl + routes.widgetDocument(grant.value.token, grant.value.nonce, String(context.vars.shop)),
  });
  context.vars.validateUrl = vars.luneoBaseUrl + v.path;
  context.vars.validateJson = v.json;
}

/**
 * afterResponse of the token route with the user token: keeps the grant,
 * and says which of the two callers the route accepts. The platform's
 * widget SDK sends no user token; if only a logged-in caller gets a token,
 * the embed load test measures a path no shop visitor can take today.
 */
export async function keepGrant(_req: unknown, res: HttpResponse, context: VUContext): Promise<void> {
  const status = res.statusCode ?? 0;
  const accepts = (s: number) => (s >= 200 && s < 300 ? 'accepted' : 'refused');
  if (!isV1(context)) {
    console.log(`contract: the embed token route ${accepts(status)} an anonymous visitor (HTTP ${status}, no Authorization, as the widget SDK sends it).`);
  } else {
    const anon = Number(context.vars.anonymousStatus);
    console.log(
      `contract: the embed token route ${accepts(anon)} an anonymous visitor (HTTP ${anon}, no Authorization, as the widget SDK sends it) and ${accepts(status)} the user token (HTTP ${status}).` +
        (accepts(anon) === 'refused' && accepts(status) === 'accepted'
          ? ' A shop visitor cannot get an embed token today: the embed load test logs in, so it measures a path anonymous visitors cannot take.'
          : ''),
    );
  }
  keepGrantFrom(res, context);
}

export async function checkWidget(_req: unknown, res: HttpResponse): Promise<void> {
  const type = String(res.headers?.['content-type'] ?? '');
  if (res.statusCode !== 200) throw broken(`widget document answered HTTP ${res.statusCode}`);
  if (!type.startsWith('text/html')) throw broken(`widget document is ${type || 'untyped'}, not text/html`);
}

export async function checkValid(_req: unknown, res: HttpResponse): Promise<void> {
  if (!answered(res)) return;
  if (!isValidationAccepted(res.body)) throw broken('nonce validation did not answer valid: true');
}

export async function keepJob(_req: unknown, res: HttpResponse, context: VUContext): Promise<void> {
  if (!answered(res)) return;
  const vars = runVars(context);
  const dep = settingsFor(vars).deployment;
  if (dep.syncRender) {
    // A synchronous render answers with the finished render: there is no status to poll.
    const r = extractRenderResult(res.body);
    if (!r.ok) throw broken(`synchronous render answered no finished render (${r.reason})`);
    return;
  }
  const id = extractJobId(res.body);
  if (!id.ok) throw broken(`enqueue response carries no job id (${id.reason})`);
  context.vars.statusUrl = vars.luneoBaseUrl + routes.jobStatus(dep, id.value);
}

export async function checkStatus(_req: unknown, res: HttpResponse): Promise<void> {
  if (!answered(res)) return;
  const o = extractJobOutcome(res.body);
  if (!o.ok) throw broken(`job status not understood (${o.reason})`);
}

/** ifTrue of the steps that need an earlier answer: skipped (and reported by expect) when it did not come. */
export function hasGrant(vars: Record<string, unknown>): boolean {
  return typeof vars.validateUrl === 'string';
}

export function hasJob(vars: Record<string, unknown>): boolean {
  return typeof vars.statusUrl === 'string';
}
