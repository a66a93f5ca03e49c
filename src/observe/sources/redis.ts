/**
 * Redis, read-only, with ioredis: memory, clients and blocked clients,
 * commands per second, keyspace hits and misses, and the mean command time
 * from INFO commandstats; and the render queue's counts straight from
 * BullMQ (waiting + prioritized + delayed, active, completed and failed
 * per second), under the queue name and key prefix the platform uses.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CounterDeltas } from '../counters.ts';
import { SourceFailure, type Source } from '../observer.ts';
import { type Reading, Readings } from '../signals.ts';
import { WAITING_STATES } from '../../export/platform-sampler.ts';
import { displayUrl } from '../../api/display-url.ts';
import { REDIS_URL_VARIABLE } from '../variables.ts';

export const REDIS_TIMEOUT_MS = 2_000;

export interface RedisSettings {
  /** the render queue's BullMQ name; '' leaves the queue out */
  queue?: string;
  /** BullMQ's key prefix */
  prefix?: string;
}

export const DEFAULT_QUEUE = 'render-processing';
export const DEFAULT_PREFIX = 'bull';

/** INFO's `key:value` lines, all sections together. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** The commands the source itself sends: left out of the command latency. */
const OWN_COMMANDS = new Set(['info', 'client', 'hello', 'ping', 'zcard', 'llen', 'exists', 'type', 'scard']);

/** Total calls and microseconds over commandstats (`cmdstat_get:calls=…,usec=…`), leaving the source's own commands out. */
export function commandTotals(info: Map<string, string>): { calls: number; usec: number } | undefined {
  let calls = 0;
  let usec = 0;
  let any = false;
  for (const [key, value] of info) {
    if (!key.startsWith('cmdstat_')) continue;
    any = true;
    const command = key.slice('cmdstat_'.length).split('|')[0] ?? '';
    if (OWN_COMMANDS.has(command)) continue;
    const fields = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
    calls += Number(fields.get('calls') ?? 0);
    usec += Number(fields.get('usec') ?? 0);
  }
  return any ? { calls, usec } : undefined;
}

export function redisFailure(err: unknown): SourceFailure | Error {
  const e = err as Error & { code?: string };
  const fix = `check ${REDIS_URL_VARIABLE}`;
  const text = e.message ?? '';
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(text)) return new SourceFailure('authentication failed', `${fix} (user and password)`);
  if (/NOPERM/i.test(text)) return new SourceFailure('permission denied', 'allow the user INFO and read commands on the queue keys (ACL: +info +@read)');
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e.code ?? '') || /ECONNREFUSED|ENOTFOUND/.test(text)) {
    return new SourceFailure('unreachable', `${fix} (host and port), and that Redis listens there`);
  }
  return e;
}

export class RedisSource implements Source {
  readonly name = 'redis' as const;
  readonly target: string;
  readonly notes: string[] = [];
  readonly #url: string;
  readonly #settings: Required<RedisSettings>;
  readonly #deltas = new CounterDeltas();
  #client: Redis | undefined;
  #queue: Queue | undefined;

  constructor(url: string, settings: RedisSettings = {}) {
    this.#url = url;
    this.#settings = { queue: settings.queue ?? DEFAULT_QUEUE, prefix: settings.prefix ?? DEFAULT_PREFIX };
    this.target = displayUrl(url);
  }

  async open(): Promise<void> {
    const client = new Redis(this.#url, {
      lazyConnect: true,
      connectTimeout: REDIS_TIMEOUT_MS,
      commandTimeout: REDIS_TIMEOUT_MS,
      // One try: a source that cannot connect says so instead of retrying behind the run's back.
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      connectionName: 'luneo-observe',
    });
    // A refused AUTH arrives as an 'error' event and the command then meets a closed connection: the event says why.
    let lastError: Error | undefined;
    client.on('error', (err: Error) => {
      lastError = err;
    });
    this.#client = client;
    try {
      await client.connect();
      await client.info('memory');
    } catch (err) {
      throw redisFailure(lastError && /closed/i.test((err as Error).message) ? lastError : err);
    }
    if (this.#settings.queue !== '') {
      // BullMQ reads the counts with its own scripts over this connection; nothing is written.
      this.#queue = new Queue(this.#settings.queue, { connection: client, prefix: this.#settings.prefix });
      this.#queue.on('error', () => {});
    }
  }

  async sample(at: number): Promise<Reading[]> {
    const client = this.#client;
    if (!client) throw new SourceFailure('not connected', 'see the line above');
    let info: Map<string, string>;
    let counts: Record<string, number> | undefined;
    let roundtripMs: number;
    try {
      // What a client waits for a command, queueing behind slow ones included: commandstats only counts execution.
      const t0 = performance.now();
      await client.ping();
      roundtripMs = performance.now() - t0;
      const [general, stats] = await Promise.all([client.info(), client.info('commandstats')]);
      info = parseInfo(`${general}\n${stats}`);
      counts = this.#queue ? await this.#queue.getJobCounts(...WAITING_STATES, 'active', 'completed', 'failed') : undefined;
    } catch (err) {
      throw redisFailure(err);
    }
    const num = (k: string) => {
      const v = info.get(k);
      return v === undefined ? undefined : Number(v);
    };
    const r = new Readings();
    const add = r.add.bind(r);
    add('redis', 'memory', num('used_memory'));
    add('redis', 'roundtrip', roundtripMs);
    add('redis', 'clients', num('connected_clients'));
    add('redis', 'blocked_clients', num('blocked_clients'));
    add('redis', 'ops', this.#deltas.rate('ops', at, num('total_commands_processed')));
    const hits = this.#deltas.delta('hits', at, num('keyspace_hits'));
    const misses = this.#deltas.delta('misses', at, num('keyspace_misses'));
    if (hits && misses && hits.increase + misses.increase > 0) add('redis', 'hit_ratio', hits.increase / (hits.increase + misses.increase));
    const totals = commandTotals(info);
    if (totals) add('redis', 'command_latency', this.#deltas.ratio('commands', at, totals.usec, totals.calls));
    if (counts) {
      add('worker', 'queue_depth', WAITING_STATES.reduce((a, s) => a + (counts[s] ?? 0), 0));
      add('worker', 'active_jobs', counts.active);
      // Completed and failed jobs may be removed as they finish (removeOnComplete): a count that falls reads as no figure.
      add('worker', 'completion_rate', this.#deltas.rate('completed', at, counts.completed));
      add('worker', 'failure_rate', this.#deltas.rate('failed', at, counts.failed));
    }
    return r.list;
  }

  noteFor(group: string): string | undefined {
    return group === 'worker' ? `BullMQ queue ${this.#settings.queue} (prefix ${this.#settings.prefix})` : undefined;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await this.#queue?.close().catch(() => undefined);
    client?.disconnect();
  }
}
