import { login, refresh } from './auth-handlers.ts';
import type { RequestContext } from './context.ts';
import { embedToken, embedValidate } from './embed-handlers.ts';
import { health, metrics } from './ops-handlers.ts';
import { seedEnqueue, seedStatus, v1Enqueue, v1Status } from './render-handlers.ts';
import type { Dialect, RouteName } from './types.ts';

export type Handler = (ctx: RequestContext) => void | Promise<void>;

export interface RouteDef {
  method: 'GET' | 'POST';
  name: RouteName;
  dialect: Dialect;
  handler: Handler;
}

interface PatternRoute extends RouteDef {
  pattern: RegExp;
}

/** The API host's routes, both dialects. Static paths are a map lookup; only id-bearing paths use a pattern. */
const STATIC: Array<[path: string, route: RouteDef]> = [
  ['/health', { method: 'GET', name: 'health', dialect: 'seed', handler: health }],
  ['/metrics', { method: 'GET', name: 'metrics', dialect: 'seed', handler: metrics }],
  ['/api/embed/token', { method: 'GET', name: 'embed.token', dialect: 'seed', handler: embedToken }],
  ['/api/embed/validate', { method: 'POST', name: 'embed.validate', dialect: 'seed', handler: embedValidate }],
  ['/api/v1/health', { method: 'GET', name: 'health', dialect: 'v1', handler: health }],
  ['/api/v1/metrics', { method: 'GET', name: 'metrics', dialect: 'v1', handler: metrics }],
  ['/api/v1/auth/login', { method: 'POST', name: 'auth.login', dialect: 'v1', handler: login }],
  ['/api/v1/auth/refresh', { method: 'POST', name: 'auth.refresh', dialect: 'v1', handler: refresh }],
  ['/api/v1/embed/token', { method: 'GET', name: 'embed.token', dialect: 'v1', handler: embedToken }],
  ['/api/v1/embed/validate', { method: 'POST', name: 'embed.validate', dialect: 'v1', handler: embedValidate }],
  ['/api/v1/render/2d', { method: 'POST', name: 'render.enqueue', dialect: 'v1', handler: v1Enqueue('2d') }],
  ['/api/v1/render/3d', { method: 'POST', name: 'render.enqueue', dialect: 'v1', handler: v1Enqueue('3d') }],
];

const PATTERNS: PatternRoute[] = [
  { pattern: /^\/api\/designs\/([^/]+)\/render$/, method: 'POST', name: 'render.enqueue', dialect: 'seed', handler: seedEnqueue },
  { pattern: /^\/api\/jobs\/([^/]+)\/status$/, method: 'GET', name: 'render.status', dialect: 'seed', handler: seedStatus },
  // The embed branch polls /render/:id, mainline /render/status/:id: both are served.
  { pattern: /^\/api\/v1\/render\/status\/([^/]+)$/, method: 'GET', name: 'render.status', dialect: 'v1', handler: v1Status },
  { pattern: /^\/api\/v1\/render\/([^/]+)$/, method: 'GET', name: 'render.status', dialect: 'v1', handler: v1Status },
];

const byPath = new Map<string, RouteDef[]>();
for (const [path, route] of STATIC) {
  const list = byPath.get(path) ?? [];
  list.push(route);
  byPath.set(path, list);
}

export type Match =
  | { kind: 'route'; route: RouteDef; params: string[] }
  | { kind: 'method'; dialect: Dialect; allow: string[] }
  | { kind: 'none'; dialect: Dialect };

export function dialectOfPath(path: string): Dialect {
  return path === '/api/v1' || path.startsWith('/api/v1/') ? 'v1' : 'seed';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** HEAD is served as GET (Node drops the body). */
export function matchApiRoute(method: string | undefined, path: string): Match {
  const m = method === 'HEAD' ? 'GET' : method;
  const allow: string[] = [];
  const candidates = byPath.get(path);
  if (candidates !== undefined) {
    for (const route of candidates) {
      if (route.method === m) return { kind: 'route', route, params: [] };
      allow.push(route.method);
    }
  }
  for (const route of PATTERNS) {
    const found = route.pattern.exec(path);
    if (found === null) continue;
    if (route.method === m) return { kind: 'route', route, params: found.slice(1).map(safeDecode) };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method', dialect: dialectOfPath(path), allow } : { kind: 'none', dialect: dialectOfPath(path) };
}
