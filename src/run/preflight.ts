/**
 * Before any load, one visitor walks the scenario's routes once with the
 * real credentials (embed: token, widget document, validation; render:
 * enqueue and one status; v1: health with the user token first). A missing
 * route, an auth failure or a server error ends the run before the load,
 * with one line per failed step; the answers' rate-limit headers feed the
 * rate-limit check.
 */
import { announcedLimit } from '../api/announced-limits.ts';
import { displayUrl } from '../api/display-url.ts';
import {
  classifyValidationFailure,
  type Deployment,
  errorMessageOf,
  extractEmbedGrant,
  extractJobId,
  extractJobOutcome,
  extractRenderResult,
  isValidationAccepted,
  parseJson,
  type RenderJobInput,
  routes,
} from '../api/dialect.ts';
import { hostOf, type RateLimitGate } from '../api/rate-limit-gate.ts';
import { beyondMaxWait, type RateLimitPolicy, retryAfterMs } from '../api/retry-after.ts';
import type { LimitObservation, RouteKey } from './rate-limit-check.ts';

export interface PreflightResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type PreflightFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal }) => Promise<PreflightResponse>;

export interface PreflightInput {
  flow: 'embed' | 'render' | 'contract';
  baseUrl: string;
  widgetUrl: string;
  deployment: Deployment;
  policy: RateLimitPolicy;
  gate: RateLimitGate;
  /** the bearer for API routes: v1's user token, seed's API key (render); undefined where none is sent */
  bearer: () => Promise<string | undefined>;
  shop: { shop: string; origin: string };
  render: RenderJobInput;
  fetch?: PreflightFetch;
  timeoutMs?: number;
}

/** A step of the walk that failed: what the run's refusal says of it, and the facts it was made from. */
export interface PreflightFailure {
  step: RouteKey;
  method: 'GET' | 'POST';
  /** the URL as shown (displayUrl: the widget document's token and nonce redacted) */
  url: string;
  /** the answer's status; absent where none came */
  status?: number;
  /** why no answer came (ECONNREFUSED, a timeout): the target is down, not broken */
  unreachable?: string;
  /** one line: method, URL, status, the body's message */
  line: string;
}

export interface PreflightResult {
  failures: PreflightFailure[];
  /** steps that answered but not as a healthy flow would (the load still runs) */
  warnings: string[];
  observations: LimitObservation[];
  /** requests sent, 429 retries included */
  requests: number;
}

/** Transient answers (5xx, a proxy page) get this many attempts before they stop the run. */
export const TRANSIENT_ATTEMPTS = 3;

interface Answer {
  status: number;
  body: string;
  type: string;
}

type Verdict = { ok: true } | { ok: false; transient: boolean; soft?: boolean; why?: string };

class Walk {
  readonly failures: PreflightFailure[] = [];
  readonly warnings: string[] = [];
  readonly observations: LimitObservation[] = [];
  requests = 0;
  readonly #i: PreflightInput;
  readonly #fetch: PreflightFetch;

  constructor(input: PreflightInput) {
    this.#i = input;
    this.#fetch = input.fetch ?? (fetch as unknown as PreflightFetch);
  }

  /**
   * One step: through the gate, waiting out 429s within the policy, and
   * retrying transient trouble a few times. Undefined when it failed (the
   * line is recorded).
   */
  async step(route: RouteKey, method: 'GET' | 'POST', url: string, headers: Record<string, string>, json: unknown, judge: (a: Answer) => Verdict): Promise<Answer | undefined> {
    const label = `${method} ${displayUrl(url)}`;
    const host = hostOf(url);
    const policy = this.#i.policy;
    for (let attempt = 1, limited = 0; ; ) {
      const ticket = await this.#i.gate.pass(host);
      let res: PreflightResponse;
      let body: string;
      this.requests++;
      try {
        const init: Parameters<PreflightFetch>[1] = { method, headers, signal: AbortSignal.timeout(this.#i.timeoutMs ?? 10_000) };
        if (json !== undefined) {
          init.body = JSON.stringify(json);
          headers['content-type'] = 'application/json';
        }
        res = await this.#fetch(url, init);
        body = await res.text();
      } catch (err) {
        this.#i.gate.release(ticket);
        const e = err as Error & { cause?: { code?: string } };
        const why = e.name === 'TimeoutError' ? `no answer within ${(this.#i.timeoutMs ?? 10_000) / 1000} s` : (e.cause?.code ?? e.message);
        if (attempt++ < TRANSIENT_ATTEMPTS) continue;
        this.failures.push({ step: route, method, url: displayUrl(url), unreachable: why, line: `${label} → unreachable (${why})` });
        return undefined;
      }
      const limit = announcedLimit((n) => res.headers.get(n));
      this.observations.push(limit ? { route, label: `${method} ${new URL(url).pathname}`, host, limit } : { route, label: `${method} ${new URL(url).pathname}`, host });
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after') ?? undefined, policy);
        this.#i.gate.settle(ticket, 429, wait);
        if (beyondMaxWait(wait, policy) || ++limited > policy.maxRetries) {
          this.failures.push({ step: route, method, url: displayUrl(url), status: 429, line: `${label} → 429 ${errorMessageOf(body)} (Retry-After ${Math.ceil(wait / 1000)} s): this address is rate-limited before the load has started` });
          return undefined;
        }
        continue;
      }
      this.#i.gate.settle(ticket, res.status);
      const answer: Answer = { status: res.status, body, type: res.headers.get('content-type') ?? '' };
      const v = judge(answer);
      if (v.ok) return answer;
      if (v.transient && attempt++ < TRANSIENT_ATTEMPTS) continue;
      const line = `${label} → ${res.status} ${v.why ?? errorMessageOf(body)}`;
      if (v.soft) this.warnings.push(line);
      else this.failures.push({ step: route, method, url: displayUrl(url), status: res.status, line });
      return undefined;
    }
  }
}

/** The usual reading of an API answer: 5xx are transient, other non-2xx stop the run; a 2xx must be JSON. */
function apiAnswer(extra?: (a: Answer) => Verdict): (a: Answer) => Verdict {
  return (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    if (a.status < 200 || a.status >= 300) return { ok: false, transient: false };
    if (!parseJson(a.body).ok) return { ok: false, transient: true, why: `did not answer JSON (${a.type || 'no content type'}): BASE_URL must be the API, not a web page` };
    return extra ? extra(a) : { ok: true };
  };
}

export async function preflight(i: PreflightInput): Promise<PreflightResult> {
  const w = new Walk(i);
  const dep = i.deployment;
  const base = i.baseUrl;
  const json = { accept: 'application/json' };
  const withBearer = async (h: Record<string, string>): Promise<Record<string, string>> => {
    const b = await i.bearer();
    return b === undefined ? h : { ...h, authorization: `Bearer ${b}` };
  };
  const health = routes.health(dep);
  if (health !== undefined && dep.dialect === 'v1') {
    // No v1 health route is public: it takes the user's token.
    await w.step('health', 'GET', base + health, await withBearer(json), undefined, apiAnswer());
  }
  if (i.flow === 'embed') await walkEmbed(w, i);
  if (i.flow === 'render') await walkRender(w, i);
  return { failures: w.failures, warnings: w.warnings, observations: w.observations, requests: w.requests };
}

async function walkEmbed(w: Walk, i: PreflightInput): Promise<void> {
  const dep = i.deployment;
  const origin = { origin: i.shop.origin, accept: 'application/json' };
  const userBearer = dep.dialect === 'v1' ? await i.bearer() : undefined;
  const tokenHeaders: Record<string, string> = { ...origin };
  if (userBearer !== undefined) tokenHeaders.authorization = `Bearer ${userBearer}`;
  let grant: { token: string; nonce: string } | undefined;
  await w.step('embedToken', 'GET', i.baseUrl + routes.embedToken(dep, i.shop.shop), tokenHeaders, undefined,
    apiAnswer((a) => {
      const g = extractEmbedGrant(a.body);
      if (!g.ok) return { ok: false, transient: false, why: 'answered without token/nonce' };
      grant = g.value;
      return { ok: true };
    }),
  );
  if (!grant) return;
  await w.step('widget', 'GET', i.widgetUrl + routes.widgetDocument(grant.token, grant.nonce, i.shop.shop), { accept: 'text/html' }, undefined, (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    if (a.status !== 200) return { ok: false, transient: false };
    if (!a.type.startsWith('text/html')) return { ok: false, transient: true, why: `answered ${a.type || 'no content type'}, not the widget's HTML document (is WIDGET_URL the widget host?)` };
    return { ok: true };
  });
  const v = routes.embedValidate(dep, grant.nonce);
  await w.step('embedValidate', 'POST', i.baseUrl + v.path, { ...origin, authorization: `Bearer ${grant.token}` }, v.json, (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    // A refused nonce is the flow's to count (origin mismatch, replay), not a broken deployment.
    if (a.status === 400) return { ok: false, transient: false, soft: true, why: `${errorMessageOf(a.body)} (validation refused: ${classifyValidationFailure(a.body)})` };
    if (a.status < 200 || a.status >= 300) return { ok: false, transient: false };
    // A success the package cannot read is no success: the load would count every validation as failed.
    if (!isValidationAccepted(a.body)) return { ok: false, transient: false, why: 'answered without valid: true' };
    return { ok: true };
  });
}

async function walkRender(w: Walk, i: PreflightInput): Promise<void> {
  const dep = i.deployment;
  const bearer = await i.bearer();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const spec = routes.enqueueRender(dep, i.render);
  let jobId: string | undefined;
  await w.step('renderEnqueue', 'POST', i.baseUrl + spec.path, { ...headers }, spec.json,
    apiAnswer((a) => {
      if (dep.syncRender) {
        const r = extractRenderResult(a.body);
        return r.ok ? { ok: true } : { ok: false, transient: false, why: 'answered no finished render (api.syncRender is true: is the render route synchronous?)' };
      }
      const id = extractJobId(a.body);
      if (!id.ok) return { ok: false, transient: false, why: `answered no job id${extractRenderResult(a.body).ok ? ' but a finished render: set api.syncRender: true' : ''}` };
      jobId = id.value;
      return { ok: true };
    }),
  );
  if (jobId === undefined) return;
  await w.step('renderStatus', 'GET', i.baseUrl + routes.jobStatus(dep, jobId), { ...headers }, undefined,
    apiAnswer((a) => (extractJobOutcome(a.body).ok ? { ok: true } : { ok: false, transient: false, why: 'answered no job status (data: null: is api.routes.renderStatus right?)' })),
  );
}
