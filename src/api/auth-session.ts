/**
 * Dialect v1's user session: log in once, refresh the access token before
 * it expires (it lives 15 minutes, runs last longer), and after a 401 log
 * in again once, whatever the number of virtual users that saw it: all
 * callers share the one renewal in flight.
 */
import { extractLoginGrant, type LoginGrant, routes } from './dialect.ts';
import { DEFAULT_RATE_LIMIT_POLICY, type RateLimitPolicy, retryDelayMs } from './retry-after.ts';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{
  status: number;
  text(): Promise<string>;
  headers?: { get(name: string): string | null };
}>;

export interface SessionState {
  accessToken: string;
  refreshToken: string;
  /** epoch ms */
  expiresAt: number;
}

export type SessionEvent = 'login' | 'refresh' | 'relogin' | 'failure';

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

export interface SessionOptions {
  baseUrl: string;
  email: string;
  password: string;
  fetch?: FetchLike;
  now?: () => number;
  onEvent?: (e: SessionEvent) => void;
  timeoutMs?: number;
  /** the platform rate-limits login too: how to wait out a 429 (injectable for tests) */
  sleep?: (ms: number) => Promise<void>;
  rateLimit?: RateLimitPolicy;
  /** told about each 429 and its wait, e.g. to close the worker's rate-limit gate */
  onRateLimited?: (delayMs: number) => void;
  /** awaited before each request, e.g. the worker's rate-limit gate */
  beforeRequest?: () => Promise<unknown>;
}

export class AuthSession {
  #state: SessionState | undefined;
  #lifetimeMs = 15 * 60_000;
  #renewal: Promise<SessionState> | undefined;
  readonly #o: Required<Omit<SessionOptions, 'onEvent' | 'onRateLimited' | 'beforeRequest'>> & Pick<SessionOptions, 'onEvent' | 'onRateLimited' | 'beforeRequest'>;

  constructor(options: SessionOptions, initial?: SessionState) {
    this.#o = {
      fetch: fetch as unknown as FetchLike,
      now: Date.now,
      timeoutMs: 10_000,
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      rateLimit: DEFAULT_RATE_LIMIT_POLICY,
      ...options,
    };
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
    if (s && s.expiresAt - this.#o.now() > refreshMarginMs(this.#lifetimeMs)) return s.accessToken;
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

  #renew(kind: 'login' | 'refresh' | 'relogin'): Promise<SessionState> {
    this.#renewal ??= this.#doRenew(kind).finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #doRenew(kind: 'login' | 'refresh' | 'relogin'): Promise<SessionState> {
    if (kind === 'refresh' && this.#state) {
      try {
        const s = await this.#call(routes.refresh(this.#state.refreshToken));
        this.#o.onEvent?.('refresh');
        return this.#adopt(s);
      } catch {
        // An expired or revoked refresh token: a fresh login is the way back.
      }
    }
    try {
      const s = await this.#call(routes.login(this.#o.email, this.#o.password));
      this.#o.onEvent?.(kind === 'relogin' ? 'relogin' : 'login');
      return this.#adopt(s);
    } catch (err) {
      this.#o.onEvent?.('failure');
      throw err;
    }
  }

  async #call(spec: { path: string; json?: Record<string, unknown> }): Promise<SessionState> {
    const url = this.#o.baseUrl + spec.path;
    let res: Awaited<ReturnType<FetchLike>>;
    for (let attempt = 0; ; attempt++) {
      await this.#o.beforeRequest?.();
      try {
        res = await this.#o.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(spec.json ?? {}),
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
      } catch (err) {
        throw new AuthError(`cannot reach ${url}: ${(err as Error).message}`);
      }
      if (res.status !== 429) break;
      await res.text();
      if (attempt >= this.#o.rateLimit.maxRetries) throw new AuthError(`${spec.path} still rate-limited (HTTP 429) after ${attempt} retries`);
      const wait = retryDelayMs(res.headers?.get('retry-after') ?? undefined, this.#o.rateLimit, this.#o.now());
      this.#o.onRateLimited?.(wait);
      await this.#o.sleep(wait);
    }
    const body = await res.text();
    if (res.status === 401 || res.status === 403) throw new AuthError(`${spec.path} refused the credentials (HTTP ${res.status})`);
    if (res.status < 200 || res.status >= 300) throw new AuthError(`${spec.path} answered HTTP ${res.status}`);
    const grant = extractLoginGrant(body);
    if (!grant.ok) {
      throw new AuthError(
        grant.reason === 'non_json' ? `${spec.path} did not answer JSON (is BASE_URL the API?)` : `${spec.path} answered without accessToken/refreshToken`,
      );
    }
    const now = this.#o.now();
    return { accessToken: grant.value.accessToken, refreshToken: grant.value.refreshToken, expiresAt: expiryOf(grant.value, now) };
  }
}
