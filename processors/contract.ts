/**
 * Hooks of scenarios/contract.yml: one user walks every route of the
 * chosen dialect once, and the expect plugin checks what comes back. It
 * answers "does this deployment speak the dialect its environment file
 * says?" in seconds, before anyone launches thousands of users at it.
 */
import type { AfterResponseHookFunction, VUContext, VUEvents } from 'artillery';
import { makeBeforeHook } from '../src/run/before-hook.ts';
import { runtimeCredentials } from '../src/api/credentials.ts';
import { extractEmbedGrant, extractJobId, extractJobOutcome, isValidationAccepted, routes } from '../src/api/dialect.ts';
import { originForShop } from '../src/flows/embed-visit.ts';
import { renderInput } from '../src/flows/render-job.ts';
import { runVars, sessionFor } from '../src/run/vu-runtime.ts';

type HttpResponse = Parameters<AfterResponseHookFunction>[1];

export const prepareRun = makeBeforeHook('contract');

export async function setUp(context: VUContext): Promise<void> {
  const vars = runVars(context);
  const d = vars.luneoDialect;
  const shop = String(context.vars.shop);
  context.vars.origin = originForShop(shop, context.vars.shopOrigin as string | undefined);
  context.vars.payloadPrefix = d === 'v1' ? 'data.' : '';
  context.vars.healthUrl = vars.luneoBaseUrl + routes.health(d);
  context.vars.tokenUrl = vars.luneoBaseUrl + routes.embedToken(d, shop);
  const render = routes.enqueueRender(d, renderInput(context.vars, '2d', 'contract'));
  context.vars.enqueueUrl = vars.luneoBaseUrl + render.path;
  context.vars.enqueueJson = render.json;
}

async function bearer(req: Record<string, unknown>, context: VUContext, events: VUEvents, token?: string): Promise<void> {
  const vars = runVars(context);
  const value = token ?? (vars.luneoDialect === 'v1' ? await sessionFor(vars, events).accessToken() : runtimeCredentials().apiKey);
  req.headers = { ...(req.headers as Record<string, string> | undefined), authorization: `Bearer ${value}` };
}

/** beforeRequest of the token route: v1 wants the user's token there, seed nothing. */
export async function userAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.url = context.vars.tokenUrl;
  if (runVars(context).luneoDialect === 'v1') await bearer(req, context, events);
}

export async function apiAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.json = context.vars.enqueueJson;
  await bearer(req, context, events);
}

export async function statusAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  await bearer(req, context, events);
}

export async function embedAuth(req: Record<string, unknown>, context: VUContext, events: VUEvents): Promise<void> {
  req.json = context.vars.validateJson;
  await bearer(req, context, events, String(context.vars.embedToken));
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

export async function keepGrant(_req: unknown, res: HttpResponse, context: VUContext): Promise<void> {
  if (!answered(res)) return;
  const grant = extractEmbedGrant(res.body);
  if (!grant.ok) throw broken(`embed token response not understood (${grant.reason})`);
  const vars = runVars(context);
  const v = routes.embedValidate(vars.luneoDialect, grant.value.nonce);
  context.vars.embedToken = grant.value.token;
  context.vars.validateUrl = vars.luneoBaseUrl + v.path;
  context.vars.validateJson = v.json;
  context.vars.widgetDocUrl = vars.luneoWidgetUrl + routes.widgetDocument(grant.value.token, grant.value.nonce, String(context.vars.shop));
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
  const id = extractJobId(res.body);
  if (!id.ok) throw broken(`enqueue response carries no job id (${id.reason})`);
  const vars = runVars(context);
  context.vars.statusUrl = vars.luneoBaseUrl + routes.jobStatus(vars.luneoDialect, id.value);
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
