import { ROUTE_NAMES } from './types.ts';
import type { Faults, FaultsPatch, Force429Fault, JobFaults, LatencyFault, RouteMap, RouteName, SlowJobsFault, TamperFault } from './types.ts';


export class FaultsError extends Error {}

export function defaultFaults(): Faults {
  return { latency: {}, errors: {}, nonJson: {}, resets: {}, failEvery: {}, tamper: {}, force429: null, jobs: { failureRate: 0, failEvery: null, slow: null } };
}

export function cloneFaults(f: Faults): Faults {
  return structuredClone(f);
}

function mergeMap<T>(base: Partial<Record<string, T>>, patch: Partial<Record<string, T | null>> | undefined): Partial<Record<string, T>> {
  if (patch === undefined) return { ...base };
  const out: Partial<Record<string, T>> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

/**
 * Shallow merge per key: route maps merge by route name (null removes an
 * entry), `jobs` merges by field, `force429` is replaced whole.
 */
export function mergeFaults(base: Faults, patch: FaultsPatch): Faults {
  return structuredClone({
    latency: mergeMap(base.latency, patch.latency),
    errors: mergeMap(base.errors, patch.errors),
    nonJson: mergeMap(base.nonJson, patch.nonJson),
    resets: mergeMap(base.resets, patch.resets),
    failEvery: mergeMap(base.failEvery, patch.failEvery),
    tamper: mergeMap(base.tamper, patch.tamper),
    force429: patch.force429 === undefined ? base.force429 : patch.force429,
    jobs: { ...base.jobs, ...patch.jobs },
  });
}

// ------------------------------------------------------------ validation

const TOP_KEYS = ['latency', 'errors', 'nonJson', 'resets', 'failEvery', 'tamper', 'force429', 'jobs'];
const ROUTE_KEYS: readonly string[] = [...ROUTE_NAMES, '*'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(path: string, msg: string): never {
  throw new FaultsError(`faults.${path}: ${msg}`);
}

function onlyKeys(v: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) bad(path === '' ? key : `${path}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function probability(v: unknown, path: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bad(path, `must be a probability between 0 and 1, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegative(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(path, `must be a number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function routeMap<T>(v: unknown, path: string, keys: readonly string[], entry: (e: unknown, p: string) => T): Partial<Record<string, T | null>> {
  if (!isObject(v)) bad(path, 'must be an object keyed by route name');
  onlyKeys(v, keys, path);
  const out: Partial<Record<string, T | null>> = {};
  for (const [key, value] of Object.entries(v)) out[key] = value === null ? null : entry(value, `${path}.${key}`);
  return out;
}

function latencyEntry(v: unknown, path: string): LatencyFault {
  if (!isObject(v)) bad(path, 'must be { fixedMs, jitterMs? }');
  onlyKeys(v, ['fixedMs', 'jitterMs'], path);
  const fixedMs = nonNegative(v.fixedMs, `${path}.fixedMs`);
  return v.jitterMs === undefined ? { fixedMs } : { fixedMs, jitterMs: nonNegative(v.jitterMs, `${path}.jitterMs`) };
}

function everyNth(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(path, `must be a whole number >= 1 (every Nth request fails), got ${JSON.stringify(v)}`);
  return v;
}

function tamperEntry(v: unknown, path: string): TamperFault {
  if (!isObject(v)) bad(path, "must be { mode: 'origin' | 'replay', rate }");
  onlyKeys(v, ['mode', 'rate'], path);
  if (v.mode !== 'origin' && v.mode !== 'replay') bad(`${path}.mode`, "must be 'origin' or 'replay'");
  return { mode: v.mode, rate: probability(v.rate, `${path}.rate`) };
}

function force429(v: unknown): Force429Fault | null {
  if (v === null) return null;
  if (!isObject(v)) bad('force429', 'must be null or { rate, routes?, retryAfterSec?, retryAfterFormat?, skip?, count? }');
  onlyKeys(v, ['rate', 'routes', 'retryAfterSec', 'retryAfterFormat', 'skip', 'count'], 'force429');
  const out: Force429Fault = { rate: probability(v.rate, 'force429.rate') };
  for (const k of ['skip', 'count'] as const) {
    if (v[k] === undefined) continue;
    const n = v[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) bad(`force429.${k}`, `must be an integer >= 0, got ${JSON.stringify(n)}`);
    out[k] = n;
  }
  if (v.routes !== undefined) {
    if (!Array.isArray(v.routes)) bad('force429.routes', 'must be an array of route names');
    out.routes = v.routes.map((r: unknown, i: number) => {
      if (typeof r !== 'string' || !(ROUTE_NAMES as readonly string[]).includes(r)) {
        bad(`force429.routes[${i}]`, `unknown route ${JSON.stringify(r)} (expected one of ${ROUTE_NAMES.join(', ')})`);
      }
      return r as RouteName;
    });
  }
  if (v.retryAfterSec !== undefined) {
    const s = nonNegative(v.retryAfterSec, 'force429.retryAfterSec');
    if (s <= 0 || s > 86400) bad('force429.retryAfterSec', 'must be > 0 and <= 86400');
    out.retryAfterSec = s;
  }
  if (v.retryAfterFormat !== undefined) {
    if (v.retryAfterFormat !== 'seconds' && v.retryAfterFormat !== 'http-date') bad('force429.retryAfterFormat', "must be 'seconds' or 'http-date'");
    out.retryAfterFormat = v.retryAfterFormat;
  }
  return out;
}

function jobs(v: unknown): Partial<JobFaults> {
  if (!isObject(v)) bad('jobs', 'must be { failureRate?, failEvery?, slow? }');
  onlyKeys(v, ['failureRate', 'failEvery', 'slow'], 'jobs');
  const out: Partial<JobFaults> = {};
  if (v.failureRate !== undefined) out.failureRate = probability(v.failureRate, 'jobs.failureRate');
  if (v.failEvery !== undefined) out.failEvery = v.failEvery === null ? null : everyNth(v.failEvery, 'jobs.failEvery');
  if (v.slow !== undefined) {
    if (v.slow === null) out.slow = null;
    else {
      if (!isObject(v.slow)) bad('jobs.slow', 'must be null or { fraction, factor }');
      onlyKeys(v.slow, ['fraction', 'factor'], 'jobs.slow');
      const slow: SlowJobsFault = { fraction: probability(v.slow.fraction, 'jobs.slow.fraction'), factor: nonNegative(v.slow.factor, 'jobs.slow.factor') };
      out.slow = slow;
    }
  }
  return out;
}

/** Checks untrusted input (admin body, --faults, setFaults) and returns it as a patch; throws FaultsError saying what is wrong. */
export function parseFaultsPatch(input: unknown): FaultsPatch {
  if (!isObject(input)) throw new FaultsError('faults must be a JSON object');
  onlyKeys(input, TOP_KEYS, '');
  const out: FaultsPatch = {};
  if (input.latency !== undefined) out.latency = routeMap(input.latency, 'latency', ROUTE_KEYS, latencyEntry);
  if (input.errors !== undefined) out.errors = routeMap(input.errors, 'errors', ROUTE_KEYS, probability);
  if (input.nonJson !== undefined) out.nonJson = routeMap(input.nonJson, 'nonJson', ROUTE_KEYS, probability);
  if (input.resets !== undefined) out.resets = routeMap(input.resets, 'resets', ROUTE_KEYS, probability);
  if (input.failEvery !== undefined) out.failEvery = routeMap(input.failEvery, 'failEvery', ROUTE_KEYS, everyNth);
  if (input.tamper !== undefined) out.tamper = routeMap(input.tamper, 'tamper', ['embed.validate'], tamperEntry);
  if (input.force429 !== undefined) out.force429 = force429(input.force429);
  if (input.jobs !== undefined) out.jobs = jobs(input.jobs);
  return out;
}

// ------------------------------------------------------------ lookups

/** Health and metrics stay out of `'*'` so probes keep working under blanket faults. */
export function pickRoute<T>(map: RouteMap<T>, route: RouteName): T | undefined {
  const own = map[route];
  if (own !== undefined) return own;
  return route === 'health' || route === 'metrics' ? undefined : map['*'];
}

export function latencyMs(f: LatencyFault): number {
  return f.fixedMs + (f.jitterMs ? Math.random() * f.jitterMs : 0);
}
