/**
 * The server-side signals the requirements list under "Monitoring During
 * Tests", in four groups, and the shape every source reports them in. A
 * signal is a name within its group; several sources may report the same
 * signal (the queue's depth from the platform's /metrics, from BullMQ and
 * from Prometheus), each as its own series, named by its source.
 */

export type SignalGroup = 'api' | 'database' | 'redis' | 'worker';
export type SourceName = 'platform' | 'prometheus' | 'postgres' | 'redis';
/** How each source is named: in a chart's legend and the report's table (`label`), and in a sentence (`prose`). */
export const SOURCE_NAMES: Record<SourceName, { label: string; prose: string }> = {
  platform: { label: 'platform /metrics', prose: "the platform's /metrics" },
  prometheus: { label: 'Prometheus', prose: 'Prometheus' },
  postgres: { label: 'PostgreSQL', prose: 'PostgreSQL' },
  redis: { label: 'Redis / BullMQ', prose: 'Redis' },
};

export type SignalUnit = 'cores' | 'bytes' | 'req/s' | 'ratio' | 'ms' | 'count' | 'jobs/s' | 'ops/s' | 'µs' | 's';

export interface SignalDef {
  group: SignalGroup;
  name: string;
  label: string;
  unit: SignalUnit;
  /** one of the requirements' 17: the rest are supporting detail */
  required: boolean;
  /** shown on the status line while a run goes */
  status?: string;
}

function inGroup(group: SignalGroup) {
  return (name: string, label: string, unit: SignalUnit, required = true, status?: string): SignalDef => ({ group, name, label, unit, required, ...(status ? { status } : {}) });
}
const api = inGroup('api');
const db = inGroup('database');
const redis = inGroup('redis');
const worker = inGroup('worker');

/** Every signal, in the order the report shows them. `required` marks the requirements' 17. */
export const SIGNALS = [
  api('cpu', 'API CPU', 'cores', true, 'api cpu'),
  api('memory', 'API memory (RSS)', 'bytes'),
  api('request_rate', 'API request rate', 'req/s'),
  api('error_rate', 'API error share (5xx)', 'ratio'),
  api('latency_p95', 'API response time p95', 'ms'),
  api('latency_p99', 'API response time p99', 'ms', false),
  api('event_loop_lag', 'API event-loop lag p99', 'ms', false),
  db('pool_usage', 'DB connections in use ÷ limit', 'ratio', true, 'db pool'),
  db('query_latency', 'DB mean statement time', 'ms'),
  db('active_connections', 'DB active connections', 'count'),
  db('lock_waiters', 'DB sessions waiting on a lock', 'count'),
  db('ungranted_locks', 'DB locks not granted', 'count', false),
  db('connections', 'DB connections', 'count', false),
  db('max_connections', 'DB connection limit', 'count', false),
  db('transactions', 'DB transactions', 'ops/s', false),
  db('cache_hit_ratio', 'DB cache hit ratio', 'ratio', false),
  redis('memory', 'Redis memory', 'bytes'),
  redis('clients', 'Redis connected clients', 'count'),
  redis('command_latency', 'Redis mean command time', 'µs', true, 'redis'),
  redis('hit_ratio', 'Redis keyspace hit ratio', 'ratio'),
  redis('roundtrip', 'Redis round trip (PING)', 'ms', false),
  redis('blocked_clients', 'Redis blocked clients', 'count', false),
  redis('ops', 'Redis commands', 'ops/s', false),
  worker('queue_depth', 'Render queue depth (waiting)', 'count', true, 'queue'),
  worker('active_jobs', 'Render jobs active', 'count'),
  worker('completion_rate', 'Render jobs completed', 'jobs/s'),
  worker('cpu', 'Worker CPU', 'cores'),
  worker('memory', 'Worker memory (RSS)', 'bytes', false),
  worker('failure_rate', 'Render jobs failed', 'jobs/s', false),
  worker('oldest_waiting', 'Oldest waiting job', 's', false),
] as const satisfies readonly SignalDef[];

export type SignalKey = `${SignalGroup}.${string}`;

export function signalKey(s: { group: SignalGroup; name: string }): SignalKey {
  return `${s.group}.${s.name}`;
}

const BY_KEY = new Map<string, SignalDef>(SIGNALS.map((s) => [signalKey(s), s]));

export function signalDef(group: SignalGroup, name: string): SignalDef | undefined {
  return BY_KEY.get(`${group}.${name}`);
}

/** One reading: a signal's value at a moment, from one source. */
export interface Reading {
  group: SignalGroup;
  name: string;
  value: number;
  /** epoch ms the value was read, when not the moment of the sample (a scrape received earlier) */
  at?: number;
}

/** Readings as a source collects them: what could not be read (undefined, null, not finite) is left out, one rule for every source. */
export class Readings {
  readonly list: Reading[] = [];
  readonly #at: number | undefined;

  /** `at`: the moment every reading was taken, when not the sample's (a scrape received earlier) */
  constructor(at?: number) {
    this.#at = at;
  }

  add(group: SignalGroup, name: string, value: number | null | undefined): void {
    if (value === undefined || value === null || !Number.isFinite(value)) return;
    this.list.push(this.#at === undefined ? { group, name, value } : { group, name, value, at: this.#at });
  }
}

/** A signal's series as the results file carries it (`luneo.server.signals`). */
export interface SignalSeries {
  group: SignalGroup;
  name: string;
  source: SourceName;
  unit: SignalUnit;
  /** [epoch ms, value], in time order */
  points: [number, number][];
  /** where the reading came from when that needs saying (worker CPU read off the API process) */
  note?: string;
}

/** What became of each source in a run, for the report's "what could not be seen". */
export interface SourceStatus {
  source: SourceName;
  /** sampling | failed (gave up, with the reason) | off (not configured) */
  state: 'sampled' | 'failed';
  /** epoch ms of each sample taken */
  samples: number;
  /** one line: why it failed, or what it could not read (a missing extension) */
  note?: string;
  /** where it read from, without credentials */
  target?: string;
}

export interface ServerSection {
  signals: SignalSeries[];
  sources: SourceStatus[];
}

/** Display of a value in its unit, for tables and the status line. */
export function formatSignal(value: number, unit: SignalUnit): string {
  switch (unit) {
    case 'bytes':
      return value >= 1 << 30 ? `${(value / (1 << 30)).toFixed(2)} GiB` : `${(value / (1 << 20)).toFixed(1)} MiB`;
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`;
    case 'cores':
      return `${value.toFixed(2)} cores`;
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
    case 'µs':
      return `${value.toFixed(value < 100 ? 1 : 0)} µs`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'count':
      return String(Math.round(value));
    default:
      return `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ${unit}`;
  }
}
