/**
 * The server view end to end, against real parts: PostgreSQL, Redis,
 * Prometheus with postgres_exporter and redis_exporter (Debian's packages,
 * installed by the test setup when missing), and the backed sandbox, whose
 * shops live in that PostgreSQL, nonces in that Redis and renders in a
 * real BullMQ queue. Each source broken in turn gives one line and leaves
 * the run and its verdict alone; no password reaches any output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { Observer } from '../../src/observe/observer.ts';
import { SIGNALS, type ServerSection } from '../../src/observe/signals.ts';
import { observeSources } from '../../src/observe/sources/index.ts';
import { PlatformSource } from '../../src/observe/sources/platform.ts';
import { PlatformSampler } from '../../src/export/platform-sampler.ts';
import { observeSettingsFrom } from '../../src/observe/settings.ts';
import type { ArtilleryRunResult } from '../../scripts/artillery-run.ts';
import { freePort, type Postgres, type Prometheus, type RedisServer, startExporter, startPostgres, startPrometheus, startRedis } from '../support/services.ts';
import { environmentsWith, IN_FLIGHT_GRACE_MS, loadRun, tail, workersEnv } from '../support/load-run.ts';
import type { Stage } from '../../src/load/model.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const REDIS_PASSWORD = 'redis-pw-7c1e2a';
/** Long enough for three samples at 5 s and a rate between each. */
const STAGES: Stage[] = [
  { duration: 2, target: 8 },
  { duration: 12, target: 8 },
  { duration: 1, target: 0 },
];
const REQUIRED = SIGNALS.filter((d) => d.required).map((d) => `${d.group}.${d.name}`);

function signalsOf(s: ServerSection | undefined, source?: string): Set<string> {
  return new Set((s?.signals ?? []).filter((x) => x.points.length > 0 && (source === undefined || x.source === source)).map((x) => `${x.group}.${x.name}`));
}

function series(s: ServerSection | undefined, key: string, source: string): number[] {
  return (s?.signals ?? []).find((x) => `${x.group}.${x.name}` === key && x.source === source)?.points.map((p) => p[1]) ?? [];
}

/** Every file under `dir`, read as text. */
function everyFile(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

function assertNoSecret(r: ArtilleryRunResult, secrets: string[]): void {
  const outputs = `${r.output}\n${everyFile(path.dirname(r.resultsPath))}`;
  for (const s of secrets) assert.equal(outputs.includes(s), false, `a secret (${s.length} characters) appears in the run's output or results`);
}

describe('the server view against the backed sandbox, all four sources', { timeout: 600_000 }, () => {
  let pgs: Postgres;
  let redis: RedisServer;
  let prom: Prometheus;
  let sb: Sandbox;
  const stops: (() => Promise<void>)[] = [];
  let env: Record<string, string>;

  before(async () => {
    pgs = await startPostgres();
    stops.push(() => pgs.stop());
    redis = await startRedis({ password: REDIS_PASSWORD });
    stops.push(() => redis.stop());
    sb = await startSandbox({
      render: { timeFactor: 0.02 },
      earlyRetryGraceMs: IN_FLIGHT_GRACE_MS,
      clientIdentity: 'address',
      backed: { postgresUrl: pgs.adminUrl, redisUrl: redis.url, poolSize: 4 },
    });
    stops.push(() => sb.stop());
    const pe = await startExporter('postgres', pgs.adminUrl, path.join(ROOT, 'observe', 'postgres-exporter-queries.yaml'));
    stops.push(() => pe.stop());
    const re = await startExporter('redis', redis.url);
    stops.push(() => re.stop());
    prom = await startPrometheus([
      { job: 'postgres', address: pe.address },
      { job: 'redis', address: re.address },
      { job: 'luneo-api', address: new URL(sb.apiUrl).host, path: '/api/v1/metrics' },
    ]);
    stops.push(() => prom.stop());
    env = { LUNEO_OBSERVE_POSTGRES_URL: pgs.adminUrl, LUNEO_OBSERVE_REDIS_URL: redis.url, LUNEO_OBSERVE_PROMETHEUS_URL: prom.url };
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  });

  it('an embed run shows all 17 signals, those that follow the load move, Prometheus alone shows every group, and the report rebuilds them', async () => {
    const before = sb.stats().requests.total;
    const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', stages: STAGES, env });
    assert.equal(r.code, 0, tail(r));
    const server = r.results?.luneo.server;
    assert.ok(server, 'the results carry luneo.server');
    const seen = signalsOf(server);
    assert.deepEqual(REQUIRED.filter((k) => !seen.has(k)), [], 'every signal the requirements list');
    assert.deepEqual(server.sources.map((s) => [s.source, s.state]).sort(), [['platform', 'sampled'], ['postgres', 'sampled'], ['prometheus', 'sampled'], ['redis', 'sampled']]);
    // Through Prometheus alone: its exporters and its scrape of the sandbox give every group.
    const viaProm = signalsOf(server, 'prometheus');
    for (const group of ['api', 'database', 'redis', 'worker']) assert.ok([...viaProm].some((k) => k.startsWith(`${group}.`)), `Prometheus shows ${group}: ${[...viaProm].join(', ')}`);
    // What follows the load moves with it: the API's request rate from its own counters peaks near what the sandbox served.
    const served = (sb.stats().requests.total - before) / 15;
    const rate = series(server, 'api.request_rate', 'platform');
    assert.ok(Math.max(...rate) > 0.5 * served && Math.max(...rate) > Math.min(...rate), `API request rate ${rate.map((v) => v.toFixed(1)).join(', ')} against ${served.toFixed(1)} req/s served`);
    for (const [key, source] of [['redis.ops', 'redis'], ['database.transactions', 'postgres'], ['api.cpu', 'platform']] as const) {
      const v = series(server, key, source);
      assert.ok(v.length >= 2 && Math.max(...v) > 0, `${key} from ${source}: ${v.join(', ')}`);
    }
    assert.match(r.output, /status .* · server api cpu [\d.]+ cores, db pool [\d.]+ %, redis [\d.]+ µs, queue \d+/);
    // The report from the results file alone.
    const file = r.resultsPath;
    const dir = path.dirname(file);
    const rebuilt = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'report.ts'), file], { encoding: 'utf8' });
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const html = readFileSync(path.join(dir, 'load-test-results.html'), 'utf8');
    assert.match(html, /<section id="server"><h2>Server<\/h2>/);
    for (const id of ['server-api-cpu', 'server-database-pool_usage', 'server-redis-command_latency', 'server-worker-queue_depth']) assert.ok(html.includes(`data-chart="${id}"`), id);
    assert.match(readFileSync(path.join(dir, 'load-test-results.md'), 'utf8'), /\*\*Server\*\*[\s\S]*\| database \| DB connections in use ÷ limit \| PostgreSQL \|/);
    assertNoSecret(r, [REDIS_PASSWORD, new URL(pgs.adminUrl).password]);
  });

  it('a render run shows the queue from BullMQ, the platform and Prometheus, and jobs completing', async () => {
    const completedBefore = sb.stats().render.completed;
    const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', stages: STAGES, env });
    assert.equal(r.code, 0, tail(r));
    const server = r.results?.luneo.server;
    const seen = signalsOf(server);
    assert.deepEqual(REQUIRED.filter((k) => !seen.has(k)), []);
    const completed = sb.stats().render.completed - completedBefore;
    assert.ok(completed > 0);
    const rate = series(server, 'worker.completion_rate', 'redis');
    assert.ok(Math.max(...rate) > 0, `BullMQ completions per second: ${rate.join(', ')} (${completed} renders completed)`);
    for (const source of ['redis', 'platform']) assert.ok(series(server, 'worker.queue_depth', source).length > 0, `queue depth from ${source}`);
    const workerCpu = server?.signals.find((s) => s.group === 'worker' && s.name === 'cpu' && s.source === 'platform');
    assert.match(workerCpu?.note ?? '', /read off the API process/);
  });
});

describe('a source that breaks says so in one line and stops; the others and the run go on', { timeout: 600_000 }, () => {
  let pgs: Postgres;
  let bare: Postgres;
  let redis: RedisServer;
  before(async () => {
    [pgs, bare, redis] = await Promise.all([startPostgres(), startPostgres({ statements: false }), startRedis({ password: REDIS_PASSWORD })]);
    await pgs.query("CREATE ROLE nomonitor LOGIN PASSWORD 'nomon-pw-51'");
  });
  after(async () => {
    await Promise.all([pgs?.stop(), bare?.stop(), redis?.stop()]);
  });

  async function observe(env: Record<string, string>, settings: unknown = {}): Promise<{ lines: string[]; section: ServerSection }> {
    const lines: string[] = [];
    const o = new Observer({ sources: observeSources(observeSettingsFrom(settings, []), env), log: (l) => lines.push(l), intervalMs: 60_000 });
    await o.start();
    await new Promise((r) => setTimeout(r, 1100));
    await o.sampleAll();
    return { lines, section: await o.stop() };
  }

  it('PostgreSQL: a wrong password', async () => {
    const { lines, section } = await observe({ LUNEO_OBSERVE_POSTGRES_URL: pgs.url('postgres', 'wrong-pw-99') });
    assert.deepEqual(lines, [`postgres (postgresql://127.0.0.1:${pgs.port}/postgres) not observed from here on: password authentication failed: check LUNEO_OBSERVE_POSTGRES_URL (user and password)`]);
    assert.equal(section.sources[0]?.state, 'failed');
  });

  it('PostgreSQL: a role without pg_monitor', async () => {
    const { lines } = await observe({ LUNEO_OBSERVE_POSTGRES_URL: pgs.url('nomonitor', 'nomon-pw-51') });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /role nomonitor may not read other sessions' state: GRANT pg_monitor TO nomonitor$/);
  });

  it('PostgreSQL: no pg_stat_statements: one line, and every other database signal', async () => {
    const { lines, section } = await observe({ LUNEO_OBSERVE_POSTGRES_URL: bare.adminUrl });
    assert.deepEqual(lines, ['postgres: pg_stat_statements is not installed in this database: statement latency not measured (CREATE EXTENSION pg_stat_statements, with pg_stat_statements in shared_preload_libraries)']);
    const seen = signalsOf(section);
    assert.ok(seen.has('database.pool_usage') && seen.has('database.lock_waiters') && !seen.has('database.query_latency'), [...seen].join(', '));
  });

  it('PostgreSQL sees a session waiting on a lock', async () => {
    const a = await import('pg');
    const holder = new a.default.Client({ connectionString: pgs.adminUrl });
    const waiter = new a.default.Client({ connectionString: pgs.adminUrl });
    await holder.connect();
    await waiter.connect();
    await holder.query('CREATE TABLE IF NOT EXISTS locked (id int)');
    await holder.query('BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
    const waiting = waiter.query('SELECT count(*) FROM locked').catch(() => undefined);
    try {
      const { section } = await observe({ LUNEO_OBSERVE_POSTGRES_URL: pgs.adminUrl });
      assert.ok(Math.max(...series(section, 'database.lock_waiters', 'postgres')) >= 1);
    } finally {
      await holder.query('ROLLBACK');
      await waiting;
      await Promise.all([holder.end(), waiter.end()]);
    }
  });

  it('Redis: a wrong password, and one that is not there', async () => {
    const wrong = await observe({ LUNEO_OBSERVE_REDIS_URL: `redis://:wrong-pw-77@127.0.0.1:${redis.port}` });
    assert.deepEqual(wrong.lines, [`redis (redis://127.0.0.1:${redis.port}) not observed from here on: authentication failed: check LUNEO_OBSERVE_REDIS_URL (user and password)`]);
    const port = await freePort();
    const gone = await observe({ LUNEO_OBSERVE_REDIS_URL: `redis://127.0.0.1:${port}` });
    assert.deepEqual(gone.lines, [`redis (redis://127.0.0.1:${port}) not observed from here on: unreachable: check LUNEO_OBSERVE_REDIS_URL (host and port), and that Redis listens there`]);
  });

  it('Prometheus: not there, and a query it refuses', async () => {
    const port = await freePort();
    const gone = await observe({ LUNEO_OBSERVE_PROMETHEUS_URL: `http://127.0.0.1:${port}` });
    assert.equal(gone.lines.length, 1);
    assert.match(gone.lines[0] ?? '', /^prometheus \(http:\/\/127\.0\.0\.1:\d+\) not observed from here on: unreachable \(ECONNREFUSED\): check LUNEO_OBSERVE_PROMETHEUS_URL/);
    const prom = await startPrometheus([]);
    try {
      const refused = await observe({ LUNEO_OBSERVE_PROMETHEUS_URL: prom.url }, { prometheus: { queries: { 'api.cpu': 'sum((' } } });
      assert.equal(refused.lines.length, 1);
      assert.match(refused.lines[0] ?? '', /not observed from here on: the query was refused: .*parse error.*: check observe\.prometheus\.queries in the environment file$/);
    } finally {
      await prom.stop();
    }
  });

  it("the platform's metrics route refusing the user: the platform source stops with the sampler's line", async () => {
    const sb = await startSandbox({ platform: { healthRequiresUser: true } });
    try {
      const lines: string[] = [];
      const sampler = new PlatformSampler({ url: `${sb.apiUrl}/api/v1/metrics`, accessToken: async () => 'not-a-token', onSample: () => {}, log: (l) => lines.push(l) });
      const source = new PlatformSource(`${sb.apiUrl}/api/v1/metrics`, sampler);
      const o = new Observer({ sources: [source], log: (l) => lines.push(l), intervalMs: 60_000 });
      await sampler.sampleOnce();
      await o.start();
      const section = await o.stop();
      assert.match(lines[0] ?? '', /^platform metrics unavailable: .*answered HTTP 401/);
      assert.match(lines[1] ?? '', /^platform \(.*\) not observed from here on: the platform sampler stopped: see its line above$/);
      assert.equal(section.sources[0]?.state, 'failed');
    } finally {
      await sb.stop();
    }
  });

  it('server thresholds: a breach exits 1 with its row and JUnit case; a signal its source could not read is "not measured", exit 3', async () => {
    const sb = await startSandbox({ render: { timeFactor: 0.02 }, earlyRetryGraceMs: IN_FLIGHT_GRACE_MS, clientIdentity: 'address' });
    try {
      const thresholds = environmentsWith('observe:\n  thresholds:\n    database.pool_usage: 0.0001\n    database.lock_waiters: 5');
      const breach = await loadRun({ scenario: 'embed', sandbox: sb, env: { LUNEO_ENVIRONMENTS_DIR: thresholds, LUNEO_OBSERVE_POSTGRES_URL: pgs.adminUrl } });
      assert.equal(breach.code, 1, tail(breach));
      const rows = breach.results?.luneo.checks.filter((c) => c.expression.startsWith('server.')) ?? [];
      assert.deepEqual(rows.map((c) => [c.expression, c.passed]), [['server.database.pool_usage.peak < 0.0001', false], ['server.database.lock_waiters.peak < 5', true]]);
      assert.ok((rows[0]?.measured ?? 0) > 0);
      assert.match(breach.output, /server\.database\.pool_usage\.peak\s+< 0\.0001\s+[\d.]+\s+FAIL/);
      const junit = readFileSync(breach.resultsPath.replace(/\.json$/, '.junit.xml'), 'utf8');
      assert.match(junit, /<testcase classname="luneo\.embed\.checks" name="server\.database\.pool_usage\.peak &lt; 0\.0001"[^>]*>\s*<properties>.*<\/properties>\s*<failure message="measured 0\.\d+, limit &lt; 0\.0001"/);
      const port = await freePort();
      const unmeasured = await loadRun({
        scenario: 'embed',
        sandbox: sb,
        env: { LUNEO_ENVIRONMENTS_DIR: environmentsWith('observe:\n  thresholds:\n    redis.command_latency: 1000'), LUNEO_OBSERVE_REDIS_URL: `redis://127.0.0.1:${port}` },
      });
      assert.equal(unmeasured.code, 3, tail(unmeasured));
      assert.equal(unmeasured.results?.luneo.verdict.kind, 'invalid');
      assert.deepEqual(unmeasured.results?.luneo.verdict.causes, ['not_measured']);
      assert.match(unmeasured.output, /Verdict: INVALID \(a server threshold not measured\)/);
      assert.match(unmeasured.output, /server\.redis\.command_latency\.peak\s+< 1000\s+not measured\s+NOT MEASURED/);
    } finally {
      await sb.stop();
    }
  });

  it('observed once per run, not once per worker: 3 workers, and PostgreSQL counts one sampler', async () => {
    const sb = await startSandbox({ render: { timeFactor: 0.02 }, earlyRetryGraceMs: IN_FLIGHT_GRACE_MS, clientIdentity: 'address' });
    try {
      const marked = async () => Number((await pgs.query("SELECT coalesce(sum(calls), 0)::float8 AS n FROM pg_stat_statements WHERE query LIKE '%pg_stat_activity%' AND query LIKE '%luneo-observe%' AND query NOT LIKE '%pg_has_role%'")).rows[0]?.n ?? 0);
      const before = await marked();
      const started = Date.now();
      const r = await loadRun({ scenario: 'embed', sandbox: sb, env: { ...workersEnv(3), LUNEO_OBSERVE_POSTGRES_URL: pgs.adminUrl } });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(r.code, 0, tail(r));
      assert.equal(r.results?.luneo.workers, 3, 'three workers ran');
      // One sampler: a reading every 5 s over the run, plus the last at the end; three would count about three times as many.
      const sampled = (await marked()) - before;
      assert.ok(sampled >= 2 && sampled <= Math.ceil(seconds / 5) + 2, `${sampled} samples of pg_stat_activity in ${seconds.toFixed(0)} s`);
      assert.equal(r.results?.luneo.server?.sources[0]?.samples, sampled, 'the results count what PostgreSQL counted');
    } finally {
      await sb.stop();
    }
  });

  it('a run with every source broken keeps its verdict and exit code, says one line per source, and prints no password', async () => {
    const sb = await startSandbox({ render: { timeFactor: 0.02 }, earlyRetryGraceMs: IN_FLIGHT_GRACE_MS, clientIdentity: 'address' });
    try {
      const port = await freePort();
      const env = {
        LUNEO_OBSERVE_POSTGRES_URL: pgs.url('postgres', 'wrong-pg-pw-31'),
        LUNEO_OBSERVE_REDIS_URL: `redis://:wrong-redis-pw-32@127.0.0.1:${redis.port}`,
        LUNEO_OBSERVE_PROMETHEUS_URL: `http://user:prom-pw-33@127.0.0.1:${port}`,
      };
      const r = await loadRun({ scenario: 'embed', sandbox: sb, env });
      assert.equal(r.code, 0, tail(r));
      assert.equal(r.results?.luneo.verdict.kind, 'pass');
      for (const source of ['postgres', 'redis', 'prometheus']) {
        assert.equal(r.output.split('\n').filter((l) => l.includes(`${source} (`) && l.includes('not observed from here on')).length, 1, `${source}:\n${tail(r)}`);
      }
      assert.deepEqual(r.results?.luneo.server?.sources.map((s) => s.state), ['failed', 'failed', 'failed']);
      assertNoSecret(r, ['wrong-pg-pw-31', 'wrong-redis-pw-32', 'prom-pw-33']);
    } finally {
      await sb.stop();
    }
  });
});
