/**
 * The preflight's walk, step by step: each request through the rate-limit
 * gate, 429s waited out within the policy, transient trouble retried a few
 * times, and one failure line per step that failed. The flows
 * (src/flows/) say which steps their walk takes; preflight.ts runs it.
 */
import { announcedLimit } from '../api/announced-limits.ts';
import { displayUrl } from '../api/display-url.ts';
import { type Deployment, errorMessageOf, parseJson, type RenderJobInput } from '../api/dialect.ts';
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
  flow: string;
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

export interface Answer {
  status: number;
  body: string;
  type: string;
}

export type StepVerdict = { ok: true } | { ok: false; transient: boolean; soft?: boolean; why?: string };

export class Walk {
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
  async step(route: RouteKey, method: 'GET' | 'POST', url: string, headers: Record<string, string>, json: unknown, judge: (a: Answer) => StepVerdict): Promise<Answer | undefined> {
    const shown = displayUrl(url);
    const label = `${method} ${shown}`;
    const fail = (f: Pick<PreflightFailure, 'status' | 'unreachable' | 'line'>) => void this.failures.push({ step: route, method, url: shown, ...f });
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
        fail({ unreachable: why, line: `${label} → unreachable (${why})` });
        return undefined;
      }
      const limit = announcedLimit((n) => res.headers.get(n));
      this.observations.push(limit ? { route, label: `${method} ${new URL(url).pathname}`, host, limit } : { route, label: `${method} ${new URL(url).pathname}`, host });
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after') ?? undefined, policy);
        this.#i.gate.settle(ticket, 429, wait);
        if (beyondMaxWait(wait, policy) || ++limited > policy.maxRetries) {
          fail({ status: 429, line: `${label} → 429 ${errorMessageOf(body)} (Retry-After ${Math.ceil(wait / 1000)} s): this address is rate-limited before the load has started` });
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
      else fail({ status: res.status, line });
      return undefined;
    }
  }
}

/** The usual reading of an API answer: 5xx are transient, other non-2xx stop the run; a 2xx must be JSON. */
export function apiAnswer(extra?: (a: Answer) => StepVerdict): (a: Answer) => StepVerdict {
  return (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    if (a.status < 200 || a.status >= 300) return { ok: false, transient: false };
    if (!parseJson(a.body).ok) return { ok: false, transient: true, why: `did not answer JSON (${a.type || 'no content type'}): BASE_URL must be the API, not a web page` };
    return extra ? extra(a) : { ok: true };
  };
}

