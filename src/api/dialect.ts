/**
 * The two dialects of the Luneo API (see ../shared/docs/api-contract.md):
 * "seed", what the requirements' k6 scripts call, and "v1", what the
 * platform's backend implements, and the deployments that differ within
 * v1 (embed branch, mainline). Every difference lives in this module:
 * routes, request bodies, where tokens come from, response envelopes,
 * status words, synchronous renders.
 */
import { isRecord } from '../config/record.ts';

export const DIALECTS = ['seed', 'v1'] as const;
export type Dialect = (typeof DIALECTS)[number];

export function isDialect(value: unknown): value is Dialect {
  return typeof value === 'string' && (DIALECTS as readonly string[]).includes(value);
}

export const RENDER_TYPES = ['2d', '3d', 'ar'] as const;
export type RenderType = (typeof RENDER_TYPES)[number];

/** v1 has render routes for 2d and 3d only; an AR render goes through the 3d route there. */
const V1_RENDER_ROUTE: Record<RenderType, '2d' | '3d'> = { '2d': '2d', '3d': '3d', ar: '3d' };

export interface RequestSpec {
  /** path and query, appended to BASE_URL */
  path: string;
  json?: Record<string, unknown>;
}

/**
 * Where each route lives on a deployment. Placeholders: `{shop}` (embed
 * token), `{type}` (render: 2d/3d on v1, 2d/3d/ar on seed), `{designId}`
 * (render enqueue), `{id}` (render status). Values are URL-encoded.
 */
export interface RouteTemplates {
  /** null: the deployment has no health route (the seed contract has none) */
  health: string | null;
  metrics: string | null;
  login: string;
  refresh: string;
  embedToken: string;
  embedValidate: string;
  renderEnqueue: string;
  renderStatus: string;
}

export const ROUTE_PLACEHOLDERS: Record<keyof RouteTemplates, readonly string[]> = {
  health: [],
  metrics: [],
  login: [],
  refresh: [],
  embedToken: ['shop'],
  embedValidate: [],
  renderEnqueue: ['type', 'designId'],
  renderStatus: ['id'],
};

/**
 * What differs between deployments of one dialect (api-contract.md, "What
 * the platform's real code does"): the embed branch and mainline move
 * routes, put login tokens in the body or only in cookies, and render
 * asynchronously or synchronously. Environments set these; this module is
 * the one place that reads them.
 */
export interface Deployment {
  dialect: Dialect;
  routes: RouteTemplates;
  /** where login and refresh put the tokens: the JSON body, or only httpOnly cookies (Set-Cookie) */
  tokensFrom: 'body' | 'cookie';
  /** cookie names when tokensFrom is cookie */
  cookies: { accessToken: string; refreshToken: string };
  /** refresh answers a new refresh token and the old one stops working */
  refreshRotates: boolean;
  /** the render route answers with the finished render (no job to poll) */
  syncRender: boolean;
}

const ROUTES: Record<Dialect, RouteTemplates> = {
  seed: {
    health: null,
    metrics: null,
    login: '/api/v1/auth/login',
    refresh: '/api/v1/auth/refresh',
    embedToken: '/api/embed/token?shop={shop}',
    embedValidate: '/api/embed/validate',
    renderEnqueue: '/api/designs/{designId}/render',
    renderStatus: '/api/jobs/{id}/status',
  },
  // The platform's embed branch, as api-contract.md documents it.
  v1: {
    health: '/api/v1/health',
    metrics: '/api/v1/metrics',
    login: '/api/v1/auth/login',
    refresh: '/api/v1/auth/refresh',
    embedToken: '/api/v1/embed/token?shop={shop}',
    embedValidate: '/api/v1/embed/validate',
    renderEnqueue: '/api/v1/render/{type}',
    renderStatus: '/api/v1/render/{id}',
  },
};

export function defaultDeployment(dialect: Dialect): Deployment {
  return {
    dialect,
    routes: { ...ROUTES[dialect] },
    tokensFrom: 'body',
    cookies: { accessToken: 'accessToken', refreshToken: 'refreshToken' },
    refreshRotates: dialect === 'v1',
    syncRender: false,
  };
}

/** Fills a route template; unknown placeholders are left as they are (environments.ts refuses them). */
export function fillRoute(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? encodeURIComponent(values[name]!) : whole));
}

/** In v1 (and only there) health and metrics need the user's login token: no health route is public. */
export function healthNeedsUser(dep: Deployment): boolean {
  return dep.dialect === 'v1';
}

export const routes = {
  health(dep: Deployment): string | undefined {
    return dep.routes.health ?? undefined;
  },
  metrics(dep: Deployment): string | undefined {
    return dep.routes.metrics ?? undefined;
  },
  embedToken(dep: Deployment, shop: string): string {
    return fillRoute(dep.routes.embedToken, { shop });
  },
  embedValidate(dep: Deployment, nonce: string): RequestSpec {
    return { path: dep.routes.embedValidate, json: { nonce } };
  },
  /** the iframe document on the widget host, as the widget SDK opens it */
  widgetDocument(token: string, nonce: string, shop: string): string {
    const q = new URLSearchParams({ token, nonce, shop });
    return `/?${q.toString()}`;
  },
  login(dep: Deployment, email: string, password: string): RequestSpec {
    return { path: dep.routes.login, json: { email, password } };
  },
  refresh(dep: Deployment, refreshToken: string): RequestSpec {
    return { path: dep.routes.refresh, json: { refreshToken } };
  },
  enqueueRender(dep: Deployment, job: RenderJobInput): RequestSpec {
    if (dep.dialect === 'v1') {
      const options: Record<string, unknown> = { width: job.width, height: job.height, quality: job.quality, format: job.format };
      return {
        path: fillRoute(dep.routes.renderEnqueue, { type: V1_RENDER_ROUTE[job.type], designId: job.designId }),
        json: { productId: job.productId, brandId: job.brandId, designId: job.designId, options },
      };
    }
    return {
      path: fillRoute(dep.routes.renderEnqueue, { type: job.type, designId: job.designId }),
      json: { type: job.type, prompt: job.prompt, options: { quality: job.quality, format: job.format } },
    };
  },
  jobStatus(dep: Deployment, jobId: string): string {
    return fillRoute(dep.routes.renderStatus, { id: jobId });
  },
} as const;

export interface RenderJobInput {
  type: RenderType;
  designId: string;
  productId: string;
  brandId: string;
  prompt: string;
  quality: 'draft' | 'standard' | 'high';
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: ParseFailure };
export type ParseFailure = 'non_json' | 'missing_field' | 'null_data';

/** Artillery hands bodies over as strings (or already parsed when the response was JSON and a capture ran). */
export function parseJson(body: unknown): Parsed<unknown> {
  if (typeof body !== 'string') {
    return body !== null && typeof body === 'object' ? { ok: true, value: body } : { ok: false, reason: 'non_json' };
  }
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false, reason: 'non_json' };
  }
}

/** v1 wraps payloads as `{success, data, timestamp}`; seed does not. */
export function unwrap(value: unknown): unknown {
  if (isRecord(value) && typeof value.success === 'boolean' && 'data' in value) return value.data;
  return value;
}

function payloadOf(body: unknown): Parsed<Record<string, unknown>> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const data = unwrap(parsed.value);
  if (data === null) return { ok: false, reason: 'null_data' };
  if (!isRecord(data)) return { ok: false, reason: 'missing_field' };
  return { ok: true, value: data };
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export interface EmbedGrant {
  token: string;
  nonce: string;
}

export function extractEmbedGrant(body: unknown): Parsed<EmbedGrant> {
  const p = payloadOf(body);
  if (!p.ok) return p;
  const token = nonEmptyString(p.value.token);
  const nonce = nonEmptyString(p.value.nonce);
  if (!token || !nonce) return { ok: false, reason: 'missing_field' };
  return { ok: true, value: { token, nonce } };
}

/** The job id: v1 polls by `renderId`; seed answers `jobId` or `id`. */
export function extractJobId(body: unknown): Parsed<string> {
  const p = payloadOf(body);
  if (!p.ok) return p;
  for (const key of ['renderId', 'jobId', 'id'] as const) {
    const v = p.value[key];
    if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
    const s = nonEmptyString(v);
    if (s) return { ok: true, value: s };
  }
  return { ok: false, reason: 'missing_field' };
}

export interface LoginGrant {
  accessToken: string;
  refreshToken: string;
  /** seconds, when the server says */
  expiresIn?: number;
}

export function extractLoginGrant(body: unknown): Parsed<LoginGrant> {
  const p = payloadOf(body);
  if (!p.ok) return p;
  const accessToken = nonEmptyString(p.value.accessToken);
  const refreshToken = nonEmptyString(p.value.refreshToken);
  if (!accessToken || !refreshToken) return { ok: false, reason: 'missing_field' };
  const expiresIn = typeof p.value.expiresIn === 'number' ? p.value.expiresIn : undefined;
  return { ok: true, value: expiresIn === undefined ? { accessToken, refreshToken } : { accessToken, refreshToken, expiresIn } };
}

/** name → value of each `Set-Cookie` header (attributes dropped). */
export function cookiesOf(setCookie: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of setCookie) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const value = pair.slice(eq + 1).trim();
    if (value !== '') out.set(pair.slice(0, eq).trim(), value);
  }
  return out;
}

/**
 * A login or refresh answer as the deployment gives it: tokens in the body
 * (embed branch) or only in httpOnly cookies (mainline). A refresh that
 * does not rotate may answer no refresh token: the one in use stays valid.
 */
export function extractSessionGrant(dep: Deployment, body: unknown, setCookie: readonly string[], currentRefreshToken?: string): Parsed<LoginGrant> {
  if (dep.tokensFrom === 'cookie') {
    const jar = cookiesOf(setCookie);
    const accessToken = jar.get(dep.cookies.accessToken);
    const refreshToken = jar.get(dep.cookies.refreshToken) ?? (dep.refreshRotates ? undefined : currentRefreshToken);
    if (!accessToken || !refreshToken) return { ok: false, reason: 'missing_field' };
    return { ok: true, value: { accessToken, refreshToken } };
  }
  const grant = extractLoginGrant(body);
  if (grant.ok || dep.refreshRotates || currentRefreshToken === undefined) return grant;
  const p = payloadOf(body);
  const accessToken = p.ok ? nonEmptyString(p.value.accessToken) : undefined;
  return accessToken ? { ok: true, value: { accessToken, refreshToken: currentRefreshToken } } : grant;
}

/** The human part of an error body: v1's `message` (a string or a list), seed's `error`/`message`, production's 429 `error`. */
export function errorMessageOf(body: unknown): string {
  const parsed = parseJson(body);
  if (!parsed.ok) {
    const text = typeof body === 'string' ? body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim() : '';
    return text === '' ? '(empty body)' : `(not JSON) ${text.slice(0, 120)}`;
  }
  const v = parsed.value;
  if (!isRecord(v)) return JSON.stringify(v).slice(0, 120);
  const message = [v.message].flat().filter((x): x is string => typeof x === 'string');
  if (message.length > 0) return message.join('; ').slice(0, 200);
  if (typeof v.error === 'string') return v.error.slice(0, 200);
  return '(no message)';
}

// ---------------------------------------------------------------- job status

export type JobOutcome = 'running' | 'succeeded' | 'failed';

const SUCCEEDED = new Set(['completed', 'done', 'success', 'succeeded']);
const FAILED = new Set(['failed', 'error']);

/**
 * Both dialects' status words mapped to three outcomes. v1 sends `status`
 * (processing/success/failed) and `queueState` (BullMQ's words); `status`
 * decides, since `queueState: completed` with `status: failed` is a failed
 * render. Seed sends `status` or `state`. Anything unknown is still running.
 */
export function mapJobStatus(payload: Record<string, unknown>): JobOutcome {
  const word = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
  const status = word(payload.status) ?? word(payload.state);
  if (status !== undefined) {
    if (SUCCEEDED.has(status)) return 'succeeded';
    if (FAILED.has(status)) return 'failed';
    return 'running';
  }
  const queueState = word(payload.queueState);
  if (queueState === 'failed') return 'failed';
  return 'running';
}

export function extractJobOutcome(body: unknown): Parsed<JobOutcome> {
  const p = payloadOf(body);
  if (!p.ok) return p;
  return { ok: true, value: mapJobStatus(p.value) };
}

/**
 * A synchronous render's answer (mainline's render/2d|3d): the finished
 * render itself. A failed one says so in `status`; a result without a
 * status word but with its URL is a success.
 */
export function extractRenderResult(body: unknown): Parsed<Exclude<JobOutcome, 'running'>> {
  const p = payloadOf(body);
  if (!p.ok) return p;
  const outcome = mapJobStatus(p.value);
  if (outcome !== 'running') return { ok: true, value: outcome };
  return nonEmptyString(p.value.url) ? { ok: true, value: 'succeeded' } : { ok: false, reason: 'missing_field' };
}

// ---------------------------------------------------------------- errors

export type ValidationFailure = 'origin_mismatch' | 'replayed' | 'invalid' | 'non_json' | 'rejected';

/** Why a nonce validation failed, from either dialect's error body. */
export function classifyValidationFailure(body: unknown): ValidationFailure {
  const parsed = parseJson(body);
  if (!parsed.ok) return 'non_json';
  const v = parsed.value;
  const text = isRecord(v)
    ? [v.error, v.message].flat().filter((x): x is string => typeof x === 'string').join(' ').toLowerCase()
    : '';
  if (text.includes('origin')) return 'origin_mismatch';
  if (text.includes('replay') || text.includes('already used')) return 'replayed';
  if (text.includes('invalid') || text.includes('expired') || text.includes('nonce')) return 'invalid';
  return 'rejected';
}

/** A validation response counts as valid only with an explicit `valid: true`. */
export function isValidationAccepted(body: unknown): boolean {
  const p = payloadOf(body);
  return p.ok && p.value.valid === true;
}
