/**
 * Dialect v1's user session: log in once, refresh the access token before
 * it expires (it lives 15 minutes, runs last longer), and after a 401 log
 * in again once, whatever the number of virtual users that saw it: all
 * callers share the one renewal in flight. Logins and refreshes pass the
 * process's rate-limit gate like every other request, and retry a 5xx with
 * jittered, bounded backoff: the platform answers 500 to two logins of one
 * user in the same second.
 */
import { type Deployment, defaultDeployment, extractSessionGrant, type LoginGrant, routes } from './dialect.ts';
import { type GateTicket, hostOf, RateLimitGate } from './rate-limit-gate.ts';
import { beyondMaxWait, DEFAULT_RATE_LIMIT_POLICY, type RateLimitPolicy, retryAfterMs } from './retry-after.ts';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{
  status: number;
  text(): Promise<string>;
  headers?: { get(name: string): string | null; getSetCookie?(): string[] };
}>;

export interface SessionState {
  accessToken: string;
  refreshToken: string;
  /** epoch ms */
  expiresAt: number;
}

export type SessionEvent = 'login' | 'refresh' | 'relogin' | 'failure' | 'server_error_retry';

export class AuthError extends Error {
  override name = 'AuthError';
}

/** Seconds until expiry: from the server's expiresIn, else the JWT's own exp claim, else 15 minutes. */
export function expiryOf(grant: LoginGrant, now: number): number {
  if (grant.expiresIn !== undefined && grant.expiresIn > 0) return now + grant.expiresIn * 1000;
  const exp = jwtExp(grant.accessToken);
  return exp !== undefined ? exp * 1000 : now + 15 * 60_000;
}

export function jwtExp(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/** Renew this long before expiry: a fifth of the lifetime, at most a minute. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(0, lifetimeMs) / 5);
}

/** 5xx retries of one login or refresh, and the backoff between them (full jitter, capped). */
export const SERVER_ERROR_RETRIES = 6;
export const SERVER_ERROR_BACKOFF_MS = { baseMs: 250, maxMs: 4_000 } as const;

/** Wait before 5xx retry number `attempt` (0-based): uniform in [0, min(max, base·2^attempt)], so callers do not collide again. */
export function serverErrorBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(SERVER_ERROR_BACKOFF_MS.maxMs, SERVER_ERROR_BACKOFF_MS.baseMs * 2 ** attempt);
  return Math.round(ceiling * random());
}

export interface SessionOptions {
  baseUrl: string;
  email: string;
  password: string;
  /** routes, where the tokens come from, whether refresh rotates (default: the v1 embed branch) */
  deployment?: Deployment;
  fetch?: FetchLike;
  now?: () => number;
  random?: () => number;
  onEvent?: (e: SessionEvent) => void;
  timeoutMs?: number;
  /** waits between 5xx retries and before a spread-out first login (injectable for tests) */
  sleep?: (ms: number) => Promise<void>;
  rateLimit?: RateLimitPolicy;
  /** the process's rate-limit gate (default: one of this session's own) */
  gate?: RateLimitGate;
  /**
   * The handed-over session's refresh token is shared (other workers hold
   * it too): where refresh rotates, using it would revoke theirs, so this
   * session's first renewal is a login of its own, made after a random
   * delay within this window so that workers do not all log in at once.
   */
  sharedRefreshToken?: boolean;
  loginSpreadMs?: number;
}

type Kind = 'login' | 'refresh' | 'relogin';

export class AuthSession {
  #state: SessionState | undefined;
  #lifetimeMs = 15 * 60_000;
  #renewal: Promise<SessionState> | undefined;
  #ownsRefreshToken: boolean;
  /** renew a little earlier than the margin, by a per-session random share: sessions do not renew in the same second */
  readonly #marginJitterMs: number;
  readonly #o: Required<Omit<SessionOptions, 'onEvent' | 'sharedRefreshToken'>> & Pick<SessionOptions, 'onEvent'>;

  constructor(options: SessionOptions, initial?: SessionState) {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.#o = {
      fetch: fetch as unknown as FetchLike,
      timeoutMs: 10_000,
      rateLimit: DEFAULT_RATE_LIMIT_POLICY,
      deployment: defaultDeployment('v1'),
      random: Math.random,
      loginSpreadMs: 0,
      gate: options.gate ?? new RateLimitGate({ now, sleep }),
      ...options,
      now,
      sleep,
    };
    this.#ownsRefreshToken = !(options.sharedRefreshToken && this.#o.deployment.refreshRotates);
    this.#marginJitterMs = this.#o.random() * this.#o.loginSpreadMs;
    if (initial) this.#adopt(initial);
  }

  get state(): SessionState | undefined {
    return this.#state;
  }

  #adopt(s: SessionState): SessionState {
    this.#state = s;
    this.#lifetimeMs = Math.max(1000, s.expiresAt - this.#o.now());
    return s;
  }

  /** A valid access token, renewing it first when it is about to expire. */
  async accessToken(): Promise<string> {
    const s = this.#state;
    const margin = refreshMarginMs(this.#lifetimeMs) + Math.min(this.#marginJitterMs, this.#lifetimeMs / 10);
    if (s && s.expiresAt - this.#o.now() > margin) return s.accessToken;
    return (await this.#renew(s ? 'refresh' : 'login')).accessToken;
  }

  /**
   * The server said 401 to a request made with `usedToken`. Log in again
   * unless somebody already did since that request went out.
   */
  async onUnauthorized(usedToken: string): Promise<string> {
    if (this.#state && this.#state.accessToken !== usedToken) return this.#state.accessToken;
    return (await this.#renew('relogin')).accessToken;
  }

  login(): Promise<SessionState> {
    return this.#renew('login');
  }

  #renew(kind: Kind): Promise<SessionState> {
    this.#renewal ??= this.#doRenew(kind).finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #doRenew(kind: Kind): Promise<SessionState> {
    const dep = this.#o.deployment;
    if (kind === 'refresh' && this.#state) {
      if (this.#ownsRefreshToken) {
        try {
          const s = await this.#call(routes.refresh(dep, this.#state.refreshToken), this.#state.refreshToken);
          this.#o.onEvent?.('refresh');
          return this.#adopt(s);
        } catch {
          // An expired or revoked refresh token: a fresh login is the way back.
        }
      } else if (this.#o.loginSpreadMs > 0) {
        await this.#o.sleep(Math.round(this.#o.random() * this.#o.loginSpreadMs));
      }
    }
    try {
      const s = await this.#call(routes.login(dep, this.#o.email, this.#o.password));
      this.#ownsRefreshToken = true;
      this.#o.onEvent?.(kind === 'relogin' ? 'relogin' : 'login');
      return this.#adopt(s);
    } catch (err) {
      this.#o.onEvent?.('failure');
      throw err;
    }
  }

  async #send(url: string, spec: { json?: Record<string, unknown> }, refreshToken: string | undefined): Promise<Awaited<ReturnType<FetchLike>>> {
    const dep = this.#o.deployment;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    // Mainline reads the refresh token from its httpOnly cookie.
    if (refreshToken !== undefined && dep.tokensFrom === 'cookie') headers.cookie = `${dep.cookies.refreshToken}=${refreshToken}`;
    try {
      return await this.#o.fetch(url, { method: 'POST', headers, body: JSON.stringify(spec.json ?? {}), signal: AbortSignal.timeout(this.#o.timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new AuthError(`cannot reach ${url}: ${e.cause?.code ?? e.message}`);
    }
  }

  async #call(spec: { path: string; json?: Record<string, unknown> }, refreshToken?: string): Promise<SessionState> {
    const url = this.#o.baseUrl + spec.path;
    const host = hostOf(this.#o.baseUrl);
    const policy = this.#o.rateLimit;
    let res: Awaited<ReturnType<FetchLike>>;
    for (let limited = 0, serverErrors = 0; ; ) {
      let ticket: GateTicket;
      try {
        ticket = await this.#o.gate.pass(host, { maxWaitMs: policy.maxRetryAfterMs });
      } catch (err) {
        throw new AuthError(`${spec.path}: ${(err as Error).message}`);
      }
      try {
        res = await this.#send(url, spec, refreshToken);
      } catch (err) {
        this.#o.gate.release(ticket);
        throw err;
      }
      if (res.status === 429) {
        await res.text();
        const wait = retryAfterMs(res.headers?.get('retry-after') ?? undefined, policy, this.#o.now());
        this.#o.gate.settle(ticket, 429, wait);
        if (beyondMaxWait(wait, policy)) throw new AuthError(`${spec.path} rate-limited (HTTP 429) with Retry-After ${Math.ceil(wait / 1000)} s, beyond maxRetryAfterMs ${policy.maxRetryAfterMs} ms: gave up`);
        if (++limited > policy.maxRetries) throw new AuthError(`${spec.path} still rate-limited (HTTP 429) after ${policy.maxRetries} retries`);
        continue;
      }
      this.#o.gate.settle(ticket, res.status);
      if (res.status >= 500 && serverErrors < SERVER_ERROR_RETRIES) {
        await res.text();
        this.#o.onEvent?.('server_error_retry');
        await this.#o.sleep(serverErrorBackoffMs(serverErrors++, this.#o.random));
        continue;
      }
      break;
    }
    const body = await res.text();
    if (res.status === 401 || res.status === 403) throw new AuthError(`${spec.path} refused the credentials (HTTP ${res.status})`);
    if (res.status < 200 || res.status >= 300) throw new AuthError(`${spec.path} answered HTTP ${res.status}`);
    const setCookie = res.headers?.getSetCookie?.() ?? [];
    const grant = extractSessionGrant(this.#o.deployment, body, setCookie, refreshToken);
    if (!grant.ok) {
      if (this.#o.deployment.tokensFrom === 'cookie') {
        throw new AuthError(`${spec.path} set no ${this.#o.deployment.cookies.accessToken}/${this.#o.deployment.cookies.refreshToken} cookies (api.tokensFrom is cookie)`);
      }
      throw new AuthError(
        grant.reason === 'non_json'
          ? `${spec.path} did not answer JSON (is BASE_URL the API?)`
          : `${spec.path} answered without accessToken/refreshToken (if this deployment puts them only in cookies, set api.tokensFrom: cookie)`,
      );
    }
    const now = this.#o.now();
    return { accessToken: grant.value.accessToken, refreshToken: grant.value.refreshToken, expiresAt: expiryOf(grant.value, now) };
  }
}
