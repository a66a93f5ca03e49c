/**
 * PostgreSQL, read-only, with node-postgres over one connection: sessions
 * by state against `max_connections` (and against the application's pool
 * when its name and size are set), sessions waiting on a lock and locks not
 * granted, transactions and cache hits, and the mean statement time from
 * pg_stat_statements where it is installed. The role needs `pg_monitor`
 * (or superuser): without it the states of other roles' sessions read as
 * null and the counts would be wrong, so the source refuses to guess.
 */
import pg from 'pg';
import { CounterDeltas } from '../counters.ts';
import { SourceFailure, type Source } from '../observer.ts';
import { type Reading, Readings } from '../signals.ts';
import { displayUrl } from '../../api/display-url.ts';
import { POSTGRES_URL_VARIABLE } from '../variables.ts';

export const QUERY_TIMEOUT_MS = 2_000;

export interface PostgresSettings {
  /** the application's `application_name`, to read its own connections against its pool */
  application?: string;
  /** the application's connection pool size (Prisma's connection_limit, pg's max) */
  poolSize?: number;
}

/** Marks the source's own statements, so the statement latency leaves them out. */
const MARK = '/* luneo-observe */';

const ACTIVITY = `${MARK} SELECT
  count(*) FILTER (WHERE backend_type = 'client backend')::float8 AS connections,
  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid())::float8 AS active,
  count(*) FILTER (WHERE wait_event_type = 'Lock')::float8 AS lock_waiters,
  count(*) FILTER (WHERE application_name = $1 AND state IS DISTINCT FROM 'idle')::float8 AS app_busy,
  current_setting('max_connections')::float8 AS max_connections,
  (SELECT count(*) FROM pg_locks WHERE NOT granted)::float8 AS ungranted,
  (SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database)::float8 AS xacts,
  (SELECT sum(blks_hit) FROM pg_stat_database)::float8 AS blks_hit,
  (SELECT sum(blks_read) FROM pg_stat_database)::float8 AS blks_read
FROM pg_stat_activity`;

const STATEMENTS = `${MARK} SELECT coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(total_exec_time), 0)::float8 AS ms
FROM pg_stat_statements WHERE query NOT LIKE '%luneo-observe%'`;

interface ActivityRow {
  connections: number;
  active: number;
  lock_waiters: number;
  app_busy: number;
  max_connections: number;
  ungranted: number;
  xacts: number | null;
  blks_hit: number | null;
  blks_read: number | null;
}

/** One clear failure for each way a connection can go wrong; the DSN itself is never in the message. */
export function postgresFailure(err: unknown): SourceFailure | Error {
  const e = err as Error & { code?: string };
  const fix = `check ${POSTGRES_URL_VARIABLE}`;
  switch (e.code) {
    case '28P01':
    case '28000':
      return new SourceFailure('password authentication failed', `${fix} (user and password)`);
    case '3D000':
      return new SourceFailure('no such database', `${fix} (the database name)`);
    case '42501':
      return new SourceFailure('permission denied', 'GRANT pg_monitor TO the role in the URL');
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
      return new SourceFailure(`unreachable (${e.code})`, `${fix} (host and port), and that PostgreSQL listens there`);
    default:
      if (/timeout/i.test(e.message)) return new Error(`no answer within ${QUERY_TIMEOUT_MS} ms`);
      return e;
  }
}

export class PostgresSource implements Source {
  readonly name = 'postgres' as const;
  readonly target: string;
  readonly notes: string[] = [];
  readonly #url: string;
  readonly #settings: PostgresSettings;
  readonly #deltas = new CounterDeltas();
  #client: pg.Client | undefined;
  #statements = false;

  constructor(url: string, settings: PostgresSettings = {}) {
    this.#url = url;
    this.#settings = settings;
    this.target = displayUrl(url);
  }

  async open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: 'luneo-observe',
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // A connection lost mid-run surfaces on the next query; without a listener it would throw from the socket.
    client.on('error', () => {});
    this.#client = client;
    try {
      await client.connect();
      const { rows } = await client.query<{ monitor: boolean; role: string; statements: boolean }>(
        `${MARK} SELECT current_user AS role,
           (pg_has_role(current_user, 'pg_monitor', 'member') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) AS monitor,
           EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS statements`,
      );
      const row = rows[0];
      if (!row?.monitor) throw new SourceFailure(`role ${row?.role ?? '?'} may not read other sessions' state`, `GRANT pg_monitor TO ${row?.role ?? 'the role'}`);
      if (row.statements) {
        try {
          await client.query(STATEMENTS);
          this.#statements = true;
        } catch (err) {
          this.notes.push(`pg_stat_statements cannot be read (${(err as Error).message.split('\n')[0]}): statement latency not measured (add pg_stat_statements to shared_preload_libraries and restart)`);
        }
      } else {
        this.notes.push('pg_stat_statements is not installed in this database: statement latency not measured (CREATE EXTENSION pg_stat_statements, with pg_stat_statements in shared_preload_libraries)');
      }
    } catch (err) {
      throw postgresFailure(err);
    }
  }

  async sample(at: number): Promise<Reading[]> {
    const client = this.#client;
    if (!client) throw new SourceFailure('not connected', 'see the line above');
    let a: ActivityRow | undefined;
    let s: { calls: number; ms: number } | undefined;
    try {
      a = (await client.query<ActivityRow>(ACTIVITY, [this.#settings.application ?? ''])).rows[0];
      if (this.#statements) s = (await client.query<{ calls: number; ms: number }>(STATEMENTS)).rows[0];
    } catch (err) {
      throw postgresFailure(err);
    }
    if (!a) return [];
    const r = new Readings();
    const add = (name: string, value: number | undefined | null) => r.add('database', name, value);
    const { application, poolSize } = this.#settings;
    add('connections', a.connections);
    add('max_connections', a.max_connections);
    add('pool_usage', application && poolSize ? a.app_busy / poolSize : a.connections / a.max_connections);
    add('active_connections', a.active);
    add('lock_waiters', a.lock_waiters);
    add('ungranted_locks', a.ungranted);
    add('transactions', this.#deltas.rate('xacts', at, a.xacts ?? undefined));
    const hits = this.#deltas.delta('hit', at, a.blks_hit ?? undefined);
    const reads = this.#deltas.delta('read', at, a.blks_read ?? undefined);
    if (hits && reads && hits.increase + reads.increase > 0) add('cache_hit_ratio', hits.increase / (hits.increase + reads.increase));
    if (s) add('query_latency', this.#deltas.ratio('statements', at, s.ms, s.calls));
    return r.list;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end();
  }
}
