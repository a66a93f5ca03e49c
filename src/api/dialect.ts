/**
 * The two dialects of the Luneo API (see ../shared/docs/api-contract.md):
 * "seed", what the requirements' k6 scripts call, and "v1", what the
 * platform's backend implements. Every difference between them lives in
 * this module: routes, request bodies, response envelopes, status words.
 */

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

export const routes = {
  health(d: Dialect): string {
    return d === 'v1' ? '/api/v1/health' : '/health';
  },
  metrics(d: Dialect): string {
    return d === 'v1' ? '/api/v1/metrics' : '/metrics';
  },
  embedToken(d: Dialect, shop: string): string {
    const prefix = d === 'v1' ? '/api/v1' : '/api';
    return `${prefix}/embed/token?shop=${encodeURIComponent(shop)}`;
  },
  embedValidate(d: Dialect, nonce: string): RequestSpec {
    return { path: d === 'v1' ? '/api/v1/embed/validate' : '/api/embed/validate', json: { nonce } };
  },
  /** the iframe document on the widget host, as the widget SDK opens it */
  widgetDocument(token: string, nonce: string, shop: string): string {
    const q = new URLSearchParams({ token, nonce, shop });
    return `/?${q.toString()}`;
  },
  login(email: string, password: string): RequestSpec {
    return { path: '/api/v1/auth/login', json: { email, password } };
  },
  refresh(refreshToken: string): RequestSpec {
    return { path: '/api/v1/auth/refresh', json: { refreshToken } };
  },
  enqueueRender(d: Dialect, job: RenderJobInput): RequestSpec {
    if (d === 'v1') {
      const options: Record<string, unknown> = { width: job.width, height: job.height, quality: job.quality, format: job.format };
      return {
        path: `/api/v1/render/${V1_RENDER_ROUTE[job.type]}`,
        json: { productId: job.productId, brandId: job.brandId, designId: job.designId, options },
      };
    }
    return {
      path: `/api/designs/${encodeURIComponent(job.designId)}/render`,
      json: { type: job.type, prompt: job.prompt, options: { quality: job.quality, format: job.format } },
    };
  },
  jobStatus(d: Dialect, jobId: string): string {
    const id = encodeURIComponent(jobId);
    return d === 'v1' ? `/api/v1/render/${id}` : `/api/jobs/${id}/status`;
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
