/**
 * A Prometheus-compatible query API (Prometheus, Thanos, Mimir,
 * VictoriaMetrics): one PromQL expression per signal, with defaults for
 * the platform's own metrics (its scrape job), postgres_exporter (with the
 * package's queries file, observe/postgres-exporter-queries.yaml, for lock
 * waits and statement time) and redis_exporter; an environment file can
 * override any of them. All the signals go in one query per sample, each
 * expression tagged with its signal by label_replace and joined with `or`,
 * so the source asks once per 5 s; at the end the same expression is read
 * over the run's window (query_range), which replaces the live points.
 */
import { SourceFailure, type Source } from '../observer.ts';
import { Readings, signalDef, SIGNALS, type Reading, type SignalGroup, type SignalSeries } from '../signals.ts';
import { displayUrl } from '../../api/display-url.ts';
import { PROMETHEUS_URL_VARIABLE, PROMETHEUS_TOKEN_VARIABLE, PROMETHEUS_USER_VARIABLE, PROMETHEUS_PASSWORD_VARIABLE } from '../variables.ts';

export const PROMETHEUS_TIMEOUT_MS = 3_000;
const SIGNAL_LABEL = 'luneo_signal';

export interface PrometheusSettings {
  /** the scrape job of the platform's API (its /metrics) and of its render worker where it runs apart */
  jobs?: { api?: string; worker?: string };
  /** rate() window: at least two scrape intervals */
  window?: string;
  /** `group.name` → PromQL, replacing the default; '' drops the signal */
  queries?: Record<string, string>;
  /** step of the range read at the end, seconds */
  stepSec?: number;
}

export interface PrometheusAuth {
  token?: string;
  user?: string;
  password?: string;
}

/** The default expression of each signal, for the standard exporters and the platform's metric names. */
export function defaultQueries(s: PrometheusSettings = {}): Record<string, string> {
  const api = `job="${s.jobs?.api ?? 'luneo-api'}"`;
  const worker = `job="${s.jobs?.worker ?? s.jobs?.api ?? 'luneo-api'}"`;
  const w = s.window ?? '1m';
  const rate = (metric: string, sel = '') => `sum(rate(${metric}${sel ? `{${sel}}` : ''}[${w}]))`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[${w}]))) * 1000`;
  return {
    'api.cpu': rate('process_cpu_seconds_total', api),
    'api.memory': `sum(process_resident_memory_bytes{${api}})`,
    'api.request_rate': rate('http_requests_total', api),
    // No 5xx series at all is an error share of 0, not a missing one.
    'api.error_rate': `(${rate('http_requests_total', `${api},status_code=~"5.."`)} or vector(0)) / ${rate('http_requests_total', api)}`,
    'api.latency_p95': quantile(0.95),
    'api.latency_p99': quantile(0.99),
    'api.event_loop_lag': `max(nodejs_eventloop_lag_p99_seconds{${api}}) * 1000`,
    'database.connections': 'sum(pg_stat_activity_count)',
    'database.max_connections': 'max(pg_settings_max_connections)',
    'database.pool_usage': 'sum(pg_stat_activity_count) / max(pg_settings_max_connections)',
    'database.active_connections': 'sum(pg_stat_activity_count{state="active"})',
    'database.lock_waiters': 'sum(luneo_pg_waits_lock_waiters)',
    'database.ungranted_locks': 'sum(luneo_pg_waits_ungranted_locks)',
    'database.query_latency': `${rate('luneo_pg_statements_exec_ms')} / ${rate('luneo_pg_statements_calls')}`,
    'database.transactions': `${rate('pg_stat_database_xact_commit')} + ${rate('pg_stat_database_xact_rollback')}`,
    'database.cache_hit_ratio': `${rate('pg_stat_database_blks_hit')} / (${rate('pg_stat_database_blks_hit')} + ${rate('pg_stat_database_blks_read')})`,
    'redis.memory': 'sum(redis_memory_used_bytes)',
    'redis.clients': 'sum(redis_connected_clients)',
    'redis.blocked_clients': 'sum(redis_blocked_clients)',
    'redis.ops': rate('redis_commands_processed_total'),
    'redis.command_latency': `${rate('redis_commands_duration_seconds_total')} / ${rate('redis_commands_total')} * 1e6`,
    'redis.hit_ratio': `${rate('redis_keyspace_hits_total')} / (${rate('redis_keyspace_hits_total')} + ${rate('redis_keyspace_misses_total')})`,
    'worker.queue_depth': `sum(bullmq_queue_jobs_total{${api},state=~"waiting|prioritized|delayed"})`,
    'worker.active_jobs': `sum(bullmq_queue_jobs_total{${api},state="active"})`,
    'worker.completion_rate': rate('luneo_renders_total', api),
    'worker.oldest_waiting': `max(bullmq_queue_oldest_waiting_seconds{${api}})`,
    'worker.cpu': rate('process_cpu_seconds_total', worker),
    'worker.memory': `sum(process_resident_memory_bytes{${worker}})`,
  };
}

/** The expressions in use: the defaults with the environment's overrides; '' removes one. */
export function signalQueries(s: PrometheusSettings = {}): Map<string, string> {
  const merged = { ...defaultQueries(s), ...(s.queries ?? {}) };
  return new Map(Object.entries(merged).filter(([key, q]) => q.trim() !== '' && signalDef(...(key.split('.') as [SignalGroup, string])) !== undefined));
}

/** One expression for every signal: each tagged with its key, joined with `or`. */
export function combinedQuery(queries: ReadonlyMap<string, string>): string {
  return [...queries].map(([key, q]) => `label_replace(${q}, "${SIGNAL_LABEL}", "${key}", "", "")`).join(' or ');
}

interface ApiAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

export class PrometheusSource implements Source {
  readonly name = 'prometheus' as const;
  readonly target: string;
  readonly notes: string[] = [];
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #queries: Map<string, string>;
  readonly #expression: string;
  readonly #settings: PrometheusSettings;

  constructor(url: string, auth: PrometheusAuth = {}, settings: PrometheusSettings = {}) {
    const u = new URL(url);
    const user = auth.user ?? decodeURIComponent(u.username);
    const password = auth.password ?? decodeURIComponent(u.password);
    u.username = '';
    u.password = '';
    this.#base = u.toString().replace(/\/+$/, '');
    this.#headers = { accept: 'application/json' };
    if (auth.token) this.#headers.authorization = `Bearer ${auth.token}`;
    else if (user) this.#headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.#settings = settings;
    this.#queries = signalQueries(settings);
    this.#expression = combinedQuery(this.#queries);
    this.target = displayUrl(url);
  }

  async #get(path: string, params: Record<string, string>): Promise<ApiAnswer> {
    const url = `${this.#base}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.#headers, signal: AbortSignal.timeout(PROMETHEUS_TIMEOUT_MS) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') throw new Error(`no answer within ${PROMETHEUS_TIMEOUT_MS} ms`);
      const code = e.cause?.code ?? e.message;
      if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(code)) throw new SourceFailure(`unreachable (${code})`, `check ${PROMETHEUS_URL_VARIABLE}, and that the query API listens there`);
      throw new Error(code);
    }
    if (res.status === 401 || res.status === 403) {
      throw new SourceFailure(`HTTP ${res.status}`, `set ${PROMETHEUS_TOKEN_VARIABLE}, or ${PROMETHEUS_USER_VARIABLE} and ${PROMETHEUS_PASSWORD_VARIABLE}, for a user that may query`);
    }
    let body: ApiAnswer;
    try {
      body = (await res.json()) as ApiAnswer;
    } catch {
      throw new SourceFailure(`HTTP ${res.status}, not the query API's JSON`, `check ${PROMETHEUS_URL_VARIABLE}: it should be the server's base address (…/api/v1/query must answer)`);
    }
    if (body.status !== 'success') {
      const why = body.error ?? `HTTP ${res.status}`;
      if (res.status === 400 || res.status === 422) throw new SourceFailure(`the query was refused: ${why}`, 'check observe.prometheus.queries in the environment file');
      throw new Error(why);
    }
    return body;
  }

  async open(): Promise<void> {
    const body = await this.#get('/api/v1/query', { query: this.#expression });
    const seen = new Set((body.data?.result ?? []).map((r) => r.metric[SIGNAL_LABEL]));
    const missing = [...this.#queries.keys()].filter((k) => !seen.has(k));
    // Rates need two scrapes: an empty answer at the start is normal for them; say it once, at the end if still empty.
    if (missing.length === this.#queries.size) this.notes.push(`no signal has data yet (is anything scraped? jobs.api = ${this.#settings.jobs?.api ?? 'luneo-api'})`);
  }

  async sample(): Promise<Reading[]> {
    const body = await this.#get('/api/v1/query', { query: this.#expression });
    // The observer keeps only the catalogue's signals; Readings leaves out what is not a number.
    const out = new Readings();
    for (const r of body.data?.result ?? []) {
      const [group, name] = (r.metric[SIGNAL_LABEL] ?? '').split('.') as [SignalGroup, string];
      out.add(group, name, Number(r.value?.[1]));
    }
    return out.list;
  }

  async range(fromMs: number, toMs: number): Promise<Omit<SignalSeries, 'source'>[]> {
    const step = this.#settings.stepSec ?? 5;
    const body = await this.#get('/api/v1/query_range', { query: this.#expression, start: String(fromMs / 1000), end: String(toMs / 1000), step: String(step) });
    const out: Omit<SignalSeries, 'source'>[] = [];
    for (const r of body.data?.result ?? []) {
      const [group, name] = (r.metric[SIGNAL_LABEL] ?? '').split('.') as [SignalGroup, string];
      const def = signalDef(group, name);
      if (!def) continue;
      const points = (r.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
      out.push({ group, name, unit: def.unit, points });
    }
    const got = new Set(out.map((s) => `${s.group}.${s.name}`));
    const missing = SIGNALS.filter((d) => d.required && this.#queries.has(`${d.group}.${d.name}`) && !got.has(`${d.group}.${d.name}`)).map((d) => `${d.group}.${d.name}`);
    if (missing.length > 0) this.notes.push(`no data over the run for ${missing.join(', ')} (their exporter not scraped, or observe.prometheus.queries needed)`);
    return out;
  }

  async close(): Promise<void> {}
}
