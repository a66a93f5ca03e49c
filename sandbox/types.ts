/**
 * Public types of the sandbox: options, faults and the stats snapshot.
 * Route names are dialect-agnostic so one fault or counter covers the seed
 * route and its v1 counterpart alike.
 */

export const ROUTE_NAMES = [
  'embed.token',
  'embed.validate',
  'widget.document',
  'widget.loader',
  'render.enqueue',
  'render.status',
  'auth.login',
  'auth.refresh',
  'health',
  'metrics',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export type Dialect = 'seed' | 'v1';
export type RenderType = '2d' | '3d' | 'ar';

/** Per-route settings; `'*'` applies to every route except health and metrics, which must be named explicitly. */
export type RouteMap<T> = Partial<Record<RouteName | '*', T>>;

export interface LatencyFault {
  fixedMs: number;
  /** uniform extra delay in [0, jitterMs] */
  jitterMs?: number;
}

export interface TamperFault {
  /** origin: answer as if the Origin differed from the token's; replay: consume the nonce, then answer "already used" */
  mode: 'origin' | 'replay';
  rate: number;
}

export interface Force429Fault {
  rate: number;
  /** let this many matching requests through first (e.g. the preflight's) */
  skip?: number;
  /** force only this many 429s, then stop (default: no end) */
  count?: number;
  /** default: every API route except health and metrics (widget routes only when listed) */
  routes?: RouteName[];
  /** default 1 */
  retryAfterSec?: number;
  /** default 'seconds' */
  retryAfterFormat?: 'seconds' | 'http-date';
}

export interface SlowJobsFault {
  fraction: number;
  factor: number;
}

export interface JobFaults {
  failureRate: number;
  /** every Nth job to start fails (an exact failure share); null: none */
  failEvery: number | null;
  slow: SlowJobsFault | null;
}

export interface Faults {
  latency: RouteMap<LatencyFault>;
  /** probability of a 500/502/503 instead of handling */
  errors: RouteMap<number>;
  /** probability of a 200 text/html proxy page instead of handling */
  nonJson: RouteMap<number>;
  /** probability of resetting the connection instead of answering (a transport error for the client) */
  resets: RouteMap<number>;
  /** every Nth request of the route answers 503: an exact failure share, where a probability would make a test flaky */
  failEvery: RouteMap<number>;
  tamper: Partial<Record<'embed.validate', TamperFault>>;
  force429: Force429Fault | null;
  jobs: JobFaults;
}

/** A route entry set to null removes it. */
type Nullable<M> = { [K in keyof M]?: M[K] | null };

/** What setFaults, PATCH /__admin/faults and the faults option take: any subset, merged shallowly per key. */
export interface FaultsPatch {
  latency?: Nullable<RouteMap<LatencyFault>>;
  errors?: Nullable<RouteMap<number>>;
  nonJson?: Nullable<RouteMap<number>>;
  resets?: Nullable<RouteMap<number>>;
  failEvery?: Nullable<RouteMap<number>>;
  tamper?: Nullable<Partial<Record<'embed.validate', TamperFault>>>;
  force429?: Force429Fault | null;
  jobs?: Partial<JobFaults>;
}

export interface SandboxUser {
  email: string;
  password: string;
  brandId: string;
  /** default `user-<position starting at 1>` */
  id?: string;
}

export interface RenderOptions {
  timeFactor: number;
  workerConcurrency: number;
  /** bound on waiting (not yet active) jobs */
  queueLimit: number;
  /** v1 only: renders one user may enqueue; 0 = unlimited */
  quotaPerUser: number;
  /** [min, max] processing time per type, before timeFactor */
  processingMs: Record<RenderType, [number, number]>;
  /** v1: render/2d|3d answer 200 with the finished render, after its processing time (the platform's mainline) */
  synchronous: boolean;
  /** v1: every job gets a priority, so a backlog sits in BullMQ's `prioritized` state, never `waiting` (the platform) */
  prioritized: boolean;
}

export interface RateLimitOptions {
  /** requests per window per client and scope; 0 = limiter off */
  limit: number;
  windowSec: number;
  scope: 'all' | 'embed';
  /**
   * fixed: the sandbox's own limiter (scope, both header families).
   * throttler: the platform's development limiter (NestJS ThrottlerGuard 5): the embed token route only, per address
   *   and route, each hit (429s included) decaying windowSec after it happened; X-RateLimit-* on answers that pass,
   *   only Retry-After on a 429, envelope body. Scope is ignored.
   * express: the platform's production limiter (express-rate-limit): every path per address, fixed window,
   *   RateLimit-Policy and RateLimit-* on every answer, Retry-After on a 429, its own (non-envelope) 429 body.
   */
  style: 'fixed' | 'throttler' | 'express';
  /** production's express-slow-down: +500 ms on every request after the 100th in 15 minutes per address */
  slowDown: boolean;
}

/** The platform's real behaviours the sandbox plays on request (api-contract.md, "What the platform's real code does"). */
export interface PlatformOptions {
  /** v1 health and metrics answer 401 without a user token */
  healthRequiresUser: boolean;
  /** no POST embed/validate route (404 Cannot POST …), as on every branch of the platform */
  noValidateRoute: boolean;
  /** login and refresh put the tokens only in httpOnly cookies, answering {user, success} (mainline) */
  loginTokens: 'body' | 'cookie';
  /** a second login of one user within the same second answers 500 (a unique refresh token) */
  concurrentLogin500: boolean;
  /** refresh rotates strictly: the old refresh token stops working at once (no grace) */
  strictRefreshRotation: boolean;
}

export interface SandboxOptions {
  host: string;
  apiPort: number;
  widgetPort: number;
  apiKeys: string[];
  users: SandboxUser[];
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  embedTokenTtlSec: number;
  nonceTtlSec: number;
  activeShops: string[];
  render: RenderOptions;
  rateLimit: RateLimitOptions;
  platform: PlatformOptions;
  /**
   * Who a client is for forced 429s and early-retry records: the bearer's identity (credential), or
   * only its address, as the platform's limiters count (address: every request of a generator is one client).
   */
  clientIdentity: 'credential' | 'address';
  earlyRetryGraceMs: number;
  faults: Faults;
  signingSecret: string;
  /** PostgreSQL, Redis and BullMQ behind the routes (sandbox/backing.ts); absent: everything in memory */
  backed?: { postgresUrl: string; redisUrl: string; poolSize: number; queryMs?: number };
}

/** What startSandbox accepts: any option, nested groups partially. `Partial<SandboxOptions>` fits too. */
export type SandboxOptionsInput = Partial<Omit<SandboxOptions, 'render' | 'rateLimit' | 'faults' | 'platform'>> & {
  render?: Partial<Omit<RenderOptions, 'processingMs'>> & { processingMs?: Partial<Record<RenderType, [number, number]>> };
  rateLimit?: Partial<RateLimitOptions>;
  platform?: Partial<PlatformOptions>;
  faults?: FaultsPatch;
};

export type EmbedFailureReason = 'invalid' | 'replayed' | 'origin_mismatch' | 'expired' | 'unauthorized';

export interface EarlyRetryExample {
  at: string;
  route: RouteName;
  /** credential kind plus a short hash, or the remote address */
  client: string;
  msEarly: number;
}

export interface SandboxStats {
  startedAt: string;
  uptimeSec: number;
  /** route name (or 'unmatched') → status code → responses */
  requests: { total: number; byRoute: Record<string, Record<string, number>> };
  /** inFlight: 429s under a Retry-After to requests that arrived within earlyRetryGraceMs of it (sent before it arrived) */
  rateLimited: { total: number; perRoute: Record<string, number>; inFlight: number };
  /** production's slow-down: requests it delayed */
  slowedDown: number;
  earlyRetries: { total: number; perRoute: Record<string, number>; perClient: Record<string, number>; examples: EarlyRetryExample[] };
  embed: { tokensIssued: number; validationsOk: number; failures: Record<EmbedFailureReason, number> };
  render: {
    enqueued: number;
    rejected: number;
    completed: number;
    failed: number;
    active: number;
    waiting: number;
    /** waiting jobs that carry a priority (BullMQ's prioritized state) */
    prioritized: number;
    oldestWaitingSec: number;
    processingMs: { count: number; sum: number; min: number; max: number; mean: number };
  };
  auth: { logins: number; refreshes: number; unauthorized: number; concurrentLogin500: number };
  widget: { documents: number; loaders: number };
  faults: { latencyInjected: number; errorsInjected: number; nonJsonInjected: number; resetsInjected: number; forced429: number; tampered: number };
}
