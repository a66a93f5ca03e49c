/**
 * Real PostgreSQL, Redis, Prometheus and its exporters for the server-view
 * tests, each started on loopback and a free port and stopped again. They
 * come from Debian's packages; when one is missing the helper installs it
 * with apt-get, as CI machines of this kind allow, and says so in one line.
 * A service that cannot be had throws one message saying what to do, so
 * the test fails rather than skips.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Shared with test/support/chromium.ts: test files installing at the same moment take turns, and so do two
 * suites on one machine (each has a TMPDIR of its own, test/run.ts): the lock lives beside apt's, not in it.
 */
export const APT_LOCK = '/tmp/luneo-tests-apt.lock';

const PACKAGES: Record<string, { pkg: string; find: () => string | undefined }> = {
  postgres: { pkg: 'postgresql', find: () => postgresBin('postgres') },
  'redis-server': { pkg: 'redis-server', find: () => onPath('redis-server') },
  prometheus: { pkg: 'prometheus', find: () => onPath('prometheus') },
  'postgres-exporter': { pkg: 'prometheus-postgres-exporter', find: () => onPath('prometheus-postgres-exporter') },
  'redis-exporter': { pkg: 'prometheus-redis-exporter', find: () => onPath('prometheus-redis-exporter') },
};

function onPath(bin: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) if (existsSync(path.join(dir, bin))) return path.join(dir, bin);
  return undefined;
}

function postgresBin(bin: string): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', bin))) return path.join(root, v, 'bin', bin);
  return undefined;
}

/** The binaries, installing every missing package in one apt-get run. */
export function ensureServices(names: (keyof typeof PACKAGES)[]): void {
  const missing = names.filter((n) => PACKAGES[n]?.find() === undefined).map((n) => PACKAGES[n]!.pkg);
  if (missing.length === 0) return;
  // Several test files may install at once: apt waits for the other's lock instead of failing.
  const install = `apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing.join(' ')}`;
  process.stderr.write(`# installing Debian's ${missing.join(', ')} for the server-view tests\n`);
  // One install at a time across the test files (flock), and apt waits for any other holder of its own lock.
  const r = spawnSync('flock', [APT_LOCK, 'sh', '-c', install], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000, encoding: 'utf8' });
  const still = names.filter((n) => PACKAGES[n]?.find() === undefined);
  if (r.status !== 0 || still.length > 0) {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    throw new Error(`${still.join(', ')} needed for the server-view tests and could not be installed (${why}). Install Debian's packages as root: ${install}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean>, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s: ${log().trim().split('\n').slice(-5).join(' | ')}`);
}

function started(bin: string, args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.stdout?.on('data', (d: Buffer) => void (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => void (output = (output + d.toString()).slice(-4000)));
  return { child, output: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface Postgres {
  port: number;
  /** superuser, password auth over TCP */
  adminUrl: string;
  /** a role of the application, with its own database */
  url(user: string, password: string, database?: string): string;
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

const ADMIN_PASSWORD = 'admin-pw-4f1c9e';

/** PostgreSQL as the platform would have it: password auth on 127.0.0.1, pg_stat_statements preloaded unless `statements` is false. */
export async function startPostgres(o: { statements?: boolean; maxConnections?: number } = {}): Promise<Postgres> {
  ensureServices(['postgres']);
  const initdb = postgresBin('initdb');
  const postgres = postgresBin('postgres');
  if (!initdb || !postgres) throw new Error('initdb or postgres missing after install');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-pg-'));
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${ADMIN_PASSWORD}\n`);
  // PostgreSQL refuses to run as root: as root (CI), the files and the server belong to the postgres user the package made.
  const asRoot = process.getuid?.() === 0;
  let ids: { uid?: number; gid?: number } = {};
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    ids = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
    chmodSync(dir, 0o755);
    chownSync(dir, ids.uid!, ids.gid!);
    chownSync(pwfile, ids.uid!, ids.gid!);
  }
  const init = spawnSync(initdb, ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', ...ids });
  if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr || init.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', `max_connections=${o.maxConnections ?? 100}`];
  if (o.statements !== false) args.push('-c', 'shared_preload_libraries=pg_stat_statements');
  const { child, output } = started(postgres, args, ids);
  const adminUrl = `postgresql://postgres:${ADMIN_PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
  admin.on('error', () => {});
  await waitFor('PostgreSQL', 30_000, async () => (await admin.query('SELECT 1')).rowCount === 1, output);
  if (o.statements !== false) await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    port,
    adminUrl,
    url: (user, password, database = 'postgres') => `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    query: (sql, params) => admin.query(sql, params as unknown[]),
    async stop() {
      await admin.end().catch(() => undefined);
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Redis on 127.0.0.1, nothing persisted; with `password`, AUTH is required. */
export async function startRedis(o: { password?: string; debug?: boolean } = {}): Promise<RedisServer> {
  ensureServices(['redis-server']);
  const bin = PACKAGES['redis-server']!.find()!;
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (o.password) args.push('--requirepass', o.password);
  // DEBUG SLEEP slows Redis down on purpose in the diagnosis tests; Redis 7 refuses DEBUG unless allowed.
  if (o.debug) args.push('--enable-debug-command', 'yes');
  const { child, output } = started(bin, args);
  await waitFor('Redis', 15_000, async () => {
    const s = net.connect(port, '127.0.0.1');
    return new Promise<boolean>((resolve) => {
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  }, output);
  return {
    port,
    url: o.password ? `redis://:${encodeURIComponent(o.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}

export interface Prometheus {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Prometheus scraping `targets` (job name → host:port, and the metrics path), every 2 s, on loopback. */
export async function startPrometheus(targets: { job: string; address: string; path?: string }[]): Promise<Prometheus> {
  ensureServices(['prometheus']);
  const bin = PACKAGES.prometheus!.find()!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 2s',
    '  scrape_timeout: 2s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...targets.flatMap((t) => [`  - job_name: ${t.job}`, `    metrics_path: ${t.path ?? '/metrics'}`, '    static_configs:', `      - targets: ['${t.address}']`]),
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), `${config}\n`);
  const { child, output } = started(bin, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1h',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus', 30_000, async () => (await fetch(`${url}/-/ready`)).ok, output);
  // Its discovery hands targets to the scraper at most every 5 s: wait until each has been scraped once.
  let scrapes = '';
  await waitFor('Prometheus scraping its targets', 30_000, async () => {
    const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string; scrapePool: string }[] } };
    const active = body.data.activeTargets;
    scrapes = active.map((t) => `${t.scrapePool}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join(', ');
    return active.length === targets.length && active.every((t) => t.health === 'up');
  }, () => `${output()}\n${scrapes || "no target yet"}`);
  return {
    port,
    url,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** postgres_exporter with the package's extra queries, and redis_exporter, each on a free loopback port. */
export async function startExporter(kind: 'postgres' | 'redis', target: string, queriesFile?: string): Promise<{ address: string; stop(): Promise<void> }> {
  ensureServices([kind === 'postgres' ? 'postgres-exporter' : 'redis-exporter']);
  const bin = PACKAGES[kind === 'postgres' ? 'postgres-exporter' : 'redis-exporter']!.find()!;
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  let args: string[];
  if (kind === 'postgres') {
    // The test server has no TLS: without sslmode the exporter's driver tries it first on every connection.
    const dsn = new URL(target);
    dsn.searchParams.set('sslmode', 'disable');
    env.DATA_SOURCE_NAME = dsn.toString();
    args = [`--web.listen-address=${address}`];
    if (queriesFile) args.push(`--extend.query-path=${queriesFile}`);
  } else {
    args = [`-web.listen-address=${address}`, `-redis.addr=${target}`];
    const password = new URL(target).password;
    if (password) env.REDIS_PASSWORD = decodeURIComponent(password);
  }
  const { child, output } = started(bin, args, { env });
  await waitFor(`${kind}_exporter`, 15_000, async () => (await fetch(`http://${address}/metrics`)).ok, output);
  return { address, stop: () => stopChild(child) };
}
