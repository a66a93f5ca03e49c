/**
 * One `get:`/`post:`/… step: the hooks see and may change the request as
 * in Artillery's HTTP engine (url, headers, json, body), the templates are
 * rendered, the request goes out on the visitor's own connection, the
 * standard `http.*` metrics are emitted, and the afterResponse hooks see
 * the response, or a failed one (status 0, `error`) after a transport
 * error, after which the visitor goes on.
 */
import type { VUContext } from 'artillery';
import { METRICS } from '../../src/metric-names.ts';
import type { Exchange, Headers, Outgoing, VisitorConnections } from './connections.ts';
import type { CounterBatch } from './counter-batch.ts';
import { emitEndpoint, type EndpointMetrics } from './endpoint-metrics.ts';
import { callHook, type ProcessorFunction } from './hooks.ts';
import { type Compiled, type TemplateCache } from './template.ts';

export interface EngineEvents {
  emit(event: string, ...args: unknown[]): unknown;
}

export interface Visitor {
  context: VUContext;
  connections: VisitorConnections;
  events: EngineEvents;
  /** the engine's own counters go here, summed before they reach Artillery (counter-batch.ts) */
  counters: CounterBatch;
  /** the request whose hooks were running when the visitor failed: onError hooks get it */
  current?: RequestParams;
}

/** What hooks receive as `req`: the fields Artillery's HTTP engine hands them. */
export interface RequestParams extends Record<string, unknown> {
  name?: string;
  url: unknown;
  method: string;
  headers?: Record<string, unknown>;
  json?: unknown;
  body?: unknown;
  /** seconds, as config.http.timeout (read only: connections keep the configured one) */
  timeout: number;
}

/** What afterResponse hooks receive as `res`. */
export interface ResponseView {
  statusCode: number;
  headers: Headers;
  body: string;
  url: string;
  timings: { phases: { firstByte: number; download: number; total: number } };
  /** set when no response came: a transport error or a timeout */
  error?: Error & { code: string };
}

export interface RequestSpec {
  method: string;
  name?: string;
  /** the step's url as written (hooks compare against it) and compiled */
  rawUrl: unknown;
  url: Compiled;
  rawHeaders?: Record<string, unknown>;
  /** lowercased header name → compiled value */
  headers: [string, Compiled][];
  rawJson?: unknown;
  json?: Compiled;
  rawBody?: unknown;
  body?: Compiled;
  ifTrue?: ProcessorFunction;
  /** scenario-level hooks (plugins such as metrics-by-endpoint add theirs) first, then the step's */
  beforeRequest: ProcessorFunction[];
  /** scenario-level afterResponse hooks: they see responses only, as in Artillery */
  scenarioAfterResponse: ProcessorFunction[];
  /** the step's own afterResponse hooks: they also see a failed request, so the processor can count it */
  afterResponse: ProcessorFunction[];
  /** metrics-by-endpoint's names for this step, when the engine emits them in place of the plugin's hooks */
  endpoint?: EndpointMetrics;
}

export interface RequestEnv {
  target: string;
  timeoutSeconds: number;
  /** lowercased names; Artillery's defaults unless config.http.defaults.headers replace them */
  defaultHeaders: [string, string][];
  cache: TemplateCache;
}

const CODE_NAMES: string[] = [];
const codeMetric = (code: number): string => (CODE_NAMES[code] ??= `http.codes.${code}`);
const CLASS_METRICS = ['', '', 'http.response_time.2xx', 'http.response_time.3xx', 'http.response_time.4xx', 'http.response_time.5xx'];

/** `scheme://host[:port]` and the rest, without a URL object per request. */
export function splitUrl(url: string): { origin: string; path: string } | undefined {
  const scheme = url.startsWith('http://') ? 7 : url.startsWith('https://') ? 8 : 0;
  if (scheme === 0) return undefined;
  let end = scheme;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  if (end === scheme) return undefined;
  const rest = url.slice(end);
  const hash = rest.indexOf('#');
  const path = hash >= 0 ? rest.slice(0, hash) : rest;
  return { origin: url.slice(0, end), path: path === '' ? '/' : path.startsWith('?') ? `/${path}` : path };
}

function text(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function outgoingHeaders(spec: RequestSpec, env: RequestEnv, req: RequestParams, context: VUContext): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of env.defaultHeaders) h[k] = v;
  for (const [k, f] of spec.headers) {
    const v = f(context);
    if (v !== undefined && v !== null) h[k] = text(v);
  }
  // A hook that replaced or changed the headers: its values win, templated as Artillery would.
  if (req.headers !== spec.rawHeaders && req.headers) {
    for (const k of Object.keys(req.headers)) {
      const v = env.cache.render(req.headers[k], context);
      if (v !== undefined && v !== null) h[k.toLowerCase()] = text(v);
    }
  }
  return h;
}

function requestBody(spec: RequestSpec, env: RequestEnv, req: RequestParams, context: VUContext, headers: Record<string, string>): string | undefined {
  // Artillery's precedence: json over body, whichever a hook set or the step wrote.
  if (req.json !== undefined && req.json !== null && req.json !== false) {
    const json = req.json === spec.rawJson && spec.json ? spec.json(context) : env.cache.render(req.json, context);
    headers['content-type'] ??= 'application/json';
    return JSON.stringify(json);
  }
  if (req.body !== undefined && req.body !== null) {
    const body = req.body === spec.rawBody && spec.body ? spec.body(context) : env.cache.render(req.body, context);
    return typeof body === 'string' ? body : text(body);
  }
  return undefined;
}

function emitOutcome({ events, counters }: Visitor, ex: Exchange): void {
  if (ex.error) {
    events.emit('error', ex.error.code);
    if (ex.error.code === 'ETIMEDOUT') events.emit('histogram', METRICS.engine.timeoutMs, ex.totalMs);
    return;
  }
  counters.add(codeMetric(ex.statusCode), 1);
  counters.add('http.responses', 1);
  events.emit('histogram', 'http.response_time', ex.totalMs);
  const byClass = CLASS_METRICS[Math.floor(ex.statusCode / 100)];
  if (byClass) events.emit('histogram', byClass, ex.totalMs);
  counters.add('http.downloaded_bytes', ex.bytes);
}

function view(ex: Exchange, url: string): ResponseView {
  const res: ResponseView = {
    statusCode: ex.statusCode,
    headers: ex.headers,
    body: ex.body,
    url,
    timings: { phases: { firstByte: ex.firstByteMs, download: ex.totalMs - ex.firstByteMs, total: ex.totalMs } },
  };
  if (ex.error) res.error = ex.error;
  return res;
}

/** A request step, compiled. Resolves when its afterResponse hooks are done; rejects only when a hook fails. */
export function requestStep(spec: RequestSpec, env: RequestEnv): (vu: Visitor) => Promise<void> | undefined {
  const hasHooks = spec.beforeRequest.length > 0;
  return (vu) => {
    const { context } = vu;
    if (spec.ifTrue && !spec.ifTrue(context.vars)) return undefined;
    return send(vu, spec, env, hasHooks);
  };
}

async function send(vu: Visitor, spec: RequestSpec, env: RequestEnv, hasHooks: boolean): Promise<void> {
  const { context, events } = vu;
  const req: RequestParams = { url: spec.rawUrl, method: spec.method, timeout: env.timeoutSeconds };
  if (spec.name !== undefined) req.name = spec.name;
  // What the plugin's skipped beforeRequest would have set: its onError hook names a failed hook's request by it.
  if (spec.endpoint) req.defaultName = spec.name;
  if (spec.rawHeaders !== undefined) req.headers = spec.rawHeaders;
  if (spec.rawJson !== undefined) req.json = spec.rawJson;
  if (spec.rawBody !== undefined) req.body = spec.rawBody;
  vu.current = req;
  if (hasHooks) for (const hook of spec.beforeRequest) await callHook(hook, [req, context, events]);

  const rendered = req.url === spec.rawUrl ? spec.url(context) : env.cache.render(req.url, context);
  let url = text(rendered);
  if (url.startsWith('/')) url = env.target + url;
  const parts = splitUrl(url);
  if (!parts) throw new Error(`Invalid URL - ${url}`);
  const headers = outgoingHeaders(spec, env, req, context);
  const out: Outgoing = { method: spec.method, path: parts.path, headers };
  const body = requestBody(spec, env, req, context, headers);
  if (body !== undefined) out.body = body;
  req.url = url;
  req.headers = headers;

  vu.counters.add('http.requests', 1);
  events.emit('rate', 'http.request_rate');
  const ex = await vu.connections.send(parts.origin, out);
  emitOutcome(vu, ex);
  if (spec.endpoint) {
    const timing = ex.headers['server-timing'];
    emitEndpoint(vu, spec.endpoint, ex.error ? { errorCode: ex.error.code } : { statusCode: ex.statusCode, firstByteMs: ex.firstByteMs, serverTiming: Array.isArray(timing) ? timing[0] : timing });
  }
  const scenarioHooks = ex.error ? 0 : spec.scenarioAfterResponse.length;
  if (scenarioHooks + spec.afterResponse.length > 0) {
    const res = view(ex, url);
    if (scenarioHooks > 0) for (const hook of spec.scenarioAfterResponse) await callHook(hook, [req, res, context, events]);
    for (const hook of spec.afterResponse) await callHook(hook, [req, res, context, events]);
  }
  vu.current = undefined;
}
