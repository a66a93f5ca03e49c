/**
 * The observer's contract with its sources, with scripted sources standing
 * in for drivers (the real PostgreSQL, Redis and Prometheus are in
 * test/integration/server-view.test.ts): a failing source says so once and
 * stops, the others go on; notes are said once; a range read replaces the
 * live points; nothing is kept of a reading the catalogue does not know.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Observer, SourceFailure, type Source } from '../../../src/observe/observer.ts';
import type { Reading, SignalSeries, SourceName } from '../../../src/observe/signals.ts';
import { serverStatus } from '../../../src/observe/status.ts';
import { combinedQuery, signalQueries } from '../../../src/observe/sources/prometheus.ts';
import { observeProblems, observeSettingsFrom } from '../../../src/observe/settings.ts';
import { secretsFromEnv, redact } from '../../../src/api/credentials.ts';

type Scripted = Omit<Source, 'notes'> & { calls: number; closed: boolean; notes: string[] };

function scripted(name: SourceName, steps: (() => Reading[])[], extra: Partial<Omit<Source, 'notes'>> = {}): Scripted {
  const s: Scripted = {
    name,
    target: `${name}://127.0.0.1`,
    notes: [] as string[],
    calls: 0,
    closed: false,
    async open() {},
    async sample(): Promise<Reading[]> {
      const step = steps[Math.min(s.calls, steps.length - 1)];
      s.calls++;
      if (!step) return [];
      return step();
    },
    async close() {
      s.closed = true;
    },
    ...extra,
  };
  return s;
}

describe('the observer', () => {
  it('a source that fails for good says so in one line, with what to fix, and the others go on', async () => {
    const lines: string[] = [];
    const good = scripted('redis', [() => [{ group: 'redis', name: 'clients', value: 3 }]]);
    const bad = scripted('postgres', [() => { throw new SourceFailure('password authentication failed', 'check LUNEO_OBSERVE_POSTGRES_URL'); }]);
    let t = 0;
    const o = new Observer({ sources: [good, bad], log: (l) => lines.push(l), intervalMs: 60_000, now: () => (t += 1000) });
    await o.start();
    await o.sampleAll();
    const section = await o.stop();
    assert.deepEqual(lines, ['postgres (postgres://127.0.0.1) not observed from here on: password authentication failed: check LUNEO_OBSERVE_POSTGRES_URL']);
    assert.equal(bad.calls, 1, 'not asked again');
    assert.equal(bad.closed, true);
    assert.equal(good.calls, 3, 'first sample, one more, and the last at stop');
    assert.deepEqual(section.sources.map((s) => [s.source, s.state, s.samples]), [['redis', 'sampled', 3], ['postgres', 'failed', 0]]);
    assert.deepEqual(section.signals.map((s) => [s.source, s.group, s.name, s.points.length]), [['redis', 'redis', 'clients', 3]]);
  });

  it('a passing error (a timeout under load) stops a source only after three in a row', async () => {
    const lines: string[] = [];
    const flaky = scripted('redis', [
      () => { throw new Error('timeout'); },
      () => [{ group: 'redis', name: 'clients', value: 1 }],
      () => { throw new Error('timeout'); },
      () => { throw new Error('timeout'); },
      () => { throw new Error('reset'); },
    ]);
    const o = new Observer({ sources: [flaky], log: (l) => lines.push(l), intervalMs: 60_000 });
    await o.start();
    for (let i = 0; i < 5; i++) await o.sampleAll();
    assert.equal(flaky.calls, 5);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /3 failed samples in a row, last: reset/);
    await o.stop();
  });

  it('notes are said once; a range read at the end replaces the live points; unknown signals are dropped', async () => {
    const lines: string[] = [];
    const range = async (from: number, to: number): Promise<Omit<SignalSeries, 'source'>[]> => [{ group: 'database', name: 'connections', unit: 'count', points: [[from, 1], [to, 9]] }];
    const src = scripted('prometheus', [() => [{ group: 'database', name: 'connections', value: 5 }, { group: 'database', name: 'no_such_signal', value: 1 }]], { range });
    src.notes.push('pg_stat_statements is not installed');
    const o = new Observer({ sources: [src], log: (l) => lines.push(l), intervalMs: 60_000 });
    await o.start();
    await o.sampleAll();
    const section = await o.stop();
    assert.deepEqual(lines, ['prometheus: pg_stat_statements is not installed']);
    assert.equal(section.signals.length, 1);
    assert.deepEqual(section.signals[0]?.points.map((p) => p[1]), [1, 9]);
    assert.equal(section.sources[0]?.note, 'pg_stat_statements is not installed');
  });

  it("the status line names the signals that matter most, as last seen", async () => {
    const src = scripted('postgres', [() => [{ group: 'database', name: 'pool_usage', value: 0.97 }, { group: 'api', name: 'cpu', value: 0.5 }]]);
    const o = new Observer({ sources: [src], log: () => {}, intervalMs: 60_000 });
    await o.start();
    assert.equal(serverStatus(o), 'server api cpu 0.50 cores, db pool 97.0 %');
    await o.stop();
  });

  it('redacts what a driver says before it is printed', async () => {
    const lines: string[] = [];
    const src = scripted('postgres', [() => { throw new SourceFailure('connect to postgresql://u:s3cret-pw@db failed', 'fix'); }]);
    const o = new Observer({ sources: [src], log: (l) => lines.push(l), redact: (t) => t.replaceAll('s3cret-pw', '[redacted]') });
    await o.start();
    await o.stop();
    assert.doesNotMatch(lines.join('\n'), /s3cret-pw/);
  });
});

describe('observe settings and variables', () => {
  it('an override replaces a default query, an empty one drops the signal, every one goes in one query', () => {
    const q = signalQueries({ queries: { 'database.lock_waiters': 'sum(my_waiters)', 'api.latency_p99': '' }, jobs: { api: 'shop-api' } });
    assert.equal(q.get('database.lock_waiters'), 'sum(my_waiters)');
    assert.equal(q.has('api.latency_p99'), false);
    assert.match(q.get('api.cpu') ?? '', /job="shop-api"/);
    const one = combinedQuery(q);
    assert.equal(one.match(/label_replace\(/g)?.length, q.size);
    assert.match(one, /label_replace\(sum\(my_waiters\), "luneo_signal", "database.lock_waiters", "", ""\)/);
  });

  it('refuses unknown keys and bad values in the observe section, each named', () => {
    const problems: string[] = [];
    observeSettingsFrom({ postgres: { poolSize: 0, host: 'x' }, prometheus: { window: 'a minute', queries: { 'cpu': 'x' } } }, problems);
    assert.deepEqual(problems, [
      'observe.postgres.host: unknown setting (known: application, poolSize)',
      'observe.postgres.poolSize must be a number above 0, got 0',
      'observe.prometheus.window must be a PromQL duration such as 30s or 1m, got "a minute"',
      'observe.prometheus.queries.cpu: not a signal (group.name, e.g. database.lock_waiters)',
    ]);
  });

  it('a URL of the wrong kind is refused without being printed', () => {
    const problems = observeProblems({ LUNEO_OBSERVE_POSTGRES_URL: 'mysql://u:pw12345@h/db', LUNEO_OBSERVE_REDIS_URL: 'not a url' });
    assert.deepEqual(problems, ['LUNEO_OBSERVE_POSTGRES_URL must be a postgres:// or postgresql:// URL, got mysql://…', 'LUNEO_OBSERVE_REDIS_URL is not a URL']);
  });

  it("a connection string's password is a secret on its own, as written and decoded", () => {
    const secrets = secretsFromEnv({ LUNEO_OBSERVE_POSTGRES_URL: 'postgresql://app:p%40ss-word@127.0.0.1:5432/db' });
    assert.equal(redact('auth failed for p@ss-word and p%40ss-word', secrets).includes('ss-word'), false);
  });
});
