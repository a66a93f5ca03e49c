/**
 * The sandbox backed by the real thing (`npm run sandbox -- --backed`):
 * shops looked up in PostgreSQL through a connection pool of a set size,
 * nonces kept in Redis, renders run through a real BullMQ queue and worker
 * of a set concurrency, and the platform's HTTP and process metrics
 * exported with prom-client, so its CPU and memory are the process's own.
 * The routes and their answers stay the in-memory sandbox's: only where
 * the data lives changes, so the server-view tests (and anyone trying the
 * package) see a database, a Redis and a queue move with the load.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { NonceCheck } from './embed.ts';
import type { RenderQueue } from './render-queue.ts';

export interface BackedOptions {
  postgresUrl: string;
  redisUrl: string;
  /** the API's PostgreSQL pool size (Prisma's connection_limit) */
  poolSize: number;
  /** render worker concurrency (BullMQ Worker `concurrency`) */
  workerConcurrency: number;
  queue?: string;
  prefix?: string;
  /** the shop lookup's own time in the database (pg_sleep), as the platform's heavier queries take: 0 by default */
  queryMs?: number;
}

export const BACKED_APPLICATION = 'luneo-sandbox';
const NONCE_KEY = 'luneo:nonce:';

export class Backing {
  readonly options: BackedOptions;
  readonly registry = new Registry();
  readonly #pool: pg.Pool;
  readonly #redis: Redis;
  readonly #workerRedis: Redis;
  readonly #queue: Queue;
  #worker: Worker | undefined;
  readonly #duration: Histogram;
  readonly #requests: Counter;
  readonly #errors: Counter;
  readonly #renders: Counter;

  private constructor(o: BackedOptions) {
    this.options = o;
    this.#pool = new pg.Pool({ connectionString: o.postgresUrl, max: o.poolSize, application_name: BACKED_APPLICATION, connectionTimeoutMillis: 10_000 });
    this.#pool.on('error', () => {});
    // BullMQ's worker blocks on its connection: both need maxRetriesPerRequest null.
    this.#redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null, connectionName: BACKED_APPLICATION });
    this.#workerRedis = new Redis(o.redisUrl, { maxRetriesPerRequest: null, connectionName: `${BACKED_APPLICATION}-worker` });
    for (const r of [this.#redis, this.#workerRedis]) r.on('error', () => {});
    this.#queue = new Queue(o.queue ?? 'render-processing', { connection: this.#redis, prefix: o.prefix ?? 'bull' });
    this.#queue.on('error', () => {});
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const labelNames = ['method', 'route', 'status_code'] as const;
    this.#duration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers });
    this.#requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers });
    this.#errors = new Counter({ name: 'http_requests_error_total', help: 'HTTP requests answered 5xx', labelNames, registers });
    this.#renders = new Counter({ name: 'luneo_renders_total', help: 'Renders finished', labelNames: ['status'], registers });
  }

  /** Connects, creates and fills the shops table, and starts the render worker over `queue`. */
  static async start(o: BackedOptions, activeShops: readonly string[], queue: RenderQueue): Promise<Backing> {
    // One bounded try first: the working clients reconnect for ever (BullMQ needs that), which would hang a start against a wrong URL.
    const probe = new Redis(o.redisUrl, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    let why: Error | undefined;
    probe.on('error', (err: Error) => {
      why ??= err;
    });
    try {
      await probe.connect();
      await probe.ping();
    } catch (err) {
      // The connection's own error says why (refused, wrong password); the command only sees it closed.
      throw new Error(`the backed sandbox could not reach Redis at LUNEO_SANDBOX_REDIS_URL: ${(why ?? (err as Error)).message}`);
    } finally {
      probe.disconnect();
    }
    const b = new Backing(o);
    try {
      await b.#pool.query('CREATE TABLE IF NOT EXISTS luneo_shops (domain text PRIMARY KEY, active boolean NOT NULL DEFAULT true)');
      await b.#pool.query('INSERT INTO luneo_shops (domain) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [activeShops.map((s) => s.toLowerCase())]);
      // The sandbox owns its queue: jobs of an earlier sandbox would skew the counts.
      await b.#queue.obliterate({ force: true });
    } catch (err) {
      await b.stop();
      throw new Error(`the backed sandbox could not set up PostgreSQL and Redis: ${(err as Error).message}`);
    }
    b.#worker = new Worker(
      b.#queue.name,
      async (job: Job<{ id: string }>) => {
        const record = queue.get(job.data.id);
        if (!record) return;
        const plan = queue.begin(record);
        await new Promise((resolve) => setTimeout(resolve, plan.ms));
        queue.end(record, plan.fails);
        b.#renders.inc({ status: plan.fails ? 'failed' : 'completed' });
        if (plan.fails) throw new Error(record.error ?? 'render failed');
      },
      { connection: b.#workerRedis, prefix: o.prefix ?? 'bull', concurrency: o.workerConcurrency },
    );
    b.#worker.on('error', () => {});
    queue.useRunner((job) => void b.#queue.add('render', { id: job.id }, { jobId: job.id, ...(job.priority > 0 ? { priority: job.priority } : {}), removeOnComplete: 1000, removeOnFail: 1000 }).catch(() => undefined));
    return b;
  }

  async shopActive(shop: string): Promise<boolean> {
    const ms = this.options.queryMs ?? 0;
    const { rows } = await this.#pool.query<{ active: boolean }>(
      ms > 0 ? 'SELECT active FROM luneo_shops, pg_sleep($2) WHERE domain = $1' : 'SELECT active FROM luneo_shops WHERE domain = $1',
      ms > 0 ? [shop.toLowerCase(), ms / 1000] : [shop.toLowerCase()],
    );
    return rows[0]?.active === true;
  }

  async issueNonce(nonce: string, origin: string | null, ttlSec: number): Promise<void> {
    await this.#redis.set(NONCE_KEY + nonce, origin ?? '', 'EX', ttlSec);
  }

  /** Origin first (a mismatch leaves the nonce usable), then consumed once: SET NX decides between two at once. */
  async consumeNonce(nonce: string, origin: string | null, tamper: 'origin' | 'replay' | null): Promise<NonceCheck> {
    const stored = await this.#redis.get(NONCE_KEY + nonce);
    if (stored === null) return 'invalid';
    if (tamper === 'origin' || stored !== (origin ?? '')) return 'origin_mismatch';
    const first = await this.#redis.set(`${NONCE_KEY + nonce}:used`, '1', 'EX', 3600, 'NX');
    if (first === null) return 'replayed';
    return tamper === 'replay' ? 'replayed' : 'ok';
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status_code: String(status) };
    this.#duration.observe(labels, seconds);
    this.#requests.inc(labels);
    if (status >= 500) this.#errors.inc(labels);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  async stop(): Promise<void> {
    await this.#worker?.close(true).catch(() => undefined);
    await this.#queue.close().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
    this.#redis.disconnect();
    this.#workerRedis.disconnect();
  }
}
