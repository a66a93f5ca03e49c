/**
 * The ranking on recorded series: a results file built period by period
 * with the step latencies and the server signals a fault would leave.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/diagnose.ts';
import { findDegradation } from '../../../src/diagnosis/degradation.ts';
import type { ResultsFile } from '../../../src/results/recorder.ts';
import type { SignalGroup, SignalSeries, SourceName } from '../../../src/observe/signals.ts';
import type { Summary } from '../../../src/verdict/summary.ts';
import { serverChecks } from '../../../src/observe/thresholds.ts';
import { verdict } from '../../../src/verdict/summary.ts';
import { METRICS } from '../../../src/metric-names.ts';

const T0 = 1_800_000_000_000;
const S = (p95: number): Summary => ({ min: 1, max: p95, count: 100, p50: 1, median: 1, p75: 1, p90: p95, p95, p99: p95, p999: p95, mean: 1 }) as unknown as Summary;

/** Eight 10-s periods; the token step's p95 per period. */
function results(tokenP95: number[], signals: SignalSeries[], extra: Partial<ResultsFile['luneo']> = {}): ResultsFile {
  const intermediate = tokenP95.map((p95, i) => ({
    period: T0 + i * 10_000,
    counters: { [METRICS.requests.sent]: 100, [METRICS.requests.failed]: 0 },
    summaries: { [METRICS.embed.tokenMs]: S(p95) },
  }));
  return {
    aggregate: { counters: {}, summaries: {} },
    intermediate,
    luneo: {
      scenario: 'embed',
      verdict: { kind: 'slo_failed', passed: false, reasons: ['threshold failed'], exitCode: 1 },
      checks: [],
      generator: { overloaded: false, problems: [], plannedUsers: 10, createdUsers: 10, phases: [], saturatedPeriods: [] },
      delivery: { delivered: true, problems: [], holds: [], createdUsers: 10, transportErrors: 0, timedOut: 0 },
      rateLimiting: { limited: false, problems: [], rateLimited: 0, requests: 800, share: 0, giveUps: 0 },
      concurrency: [],
      peakUsers: 10,
      peakUsersSampled: 10,
      server: { signals, sources: [] },
      ...extra,
    } as ResultsFile['luneo'],
  };
}

/** A signal sampled every 5 s over the 80 s, `level` before `from` ms and `high` after. */
function series(group: SignalGroup, name: string, source: SourceName, level: number, high: number, from: number, unit: SignalSeries['unit'] = 'count'): SignalSeries {
  const points: [number, number][] = [];
  for (let t = 0; t < 80_000; t += 5_000) points.push([T0 + t, t >= from ? high : level]);
  return { group, name, source, unit, points };
}

const CALM = [3, 3, 3, 3, 3, 3, 3, 3];
const RISES_AT_4 = [3, 3, 3, 3, 300, 320, 310, 3];

describe('the diagnosis on recorded series', () => {
  it('finds the period the step rose in', () => {
    const d = findDegradation(results(RISES_AT_4, []));
    assert.equal(d?.period, 5);
    assert.equal(d?.at, T0 + 40_000);
    assert.equal(d?.from, 3);
    assert.equal(d?.to, 320);
  });

  it('a healthy run: nothing stood out, even with a noisy signal', () => {
    const r = results(CALM, [series('api', 'cpu', 'platform', 0.2, 0.25, 40_000, 'cores')], { verdict: { kind: 'pass', passed: true, reasons: [], exitCode: 0 } });
    const d = diagnose(r);
    assert.deepEqual(d.findings, []);
    assert.equal(d.summary, 'nothing stood out');
  });

  it('a lock: the database first, with the sessions waiting, at the moment they began', () => {
    const r = results(RISES_AT_4, [
      series('database', 'lock_waiters', 'postgres', 0, 23, 40_000),
      series('api', 'cpu', 'platform', 0.2, 0.21, 40_000, 'cores'),
    ]);
    const d = diagnose(r);
    assert.equal(d.findings.length, 1);
    assert.equal(d.findings[0]?.component, 'database');
    assert.equal(d.findings[0]?.signal, 'database.lock_waiters');
    assert.equal(d.findings[0]?.at, T0 + 40_000);
    assert.match(d.summary, /^Embed token p95 rose from 3\.00 ms to 320 ms at .* \(period 5\); in the same period PostgreSQL showed 23 sessions waiting on a lock \(normally 0, saturated\): database \(check the connection pool size and lock contention/);
  });

  it('two faults at once: both found, the saturated one first', () => {
    const r = results(RISES_AT_4, [
      series('redis', 'roundtrip', 'redis', 0.5, 40, 40_000, 'ms'),
      series('database', 'pool_usage', 'postgres', 0.3, 0.98, 40_000, 'ratio'),
    ]);
    const d = diagnose(r);
    assert.deepEqual(d.findings.map((f) => f.component), ['database', 'redis']);
    assert.match(d.findings[0]?.evidence ?? '', /98 % of its connections in use \(normally 30\.0 %, saturated\)/);
  });

  it('a fault whose signal is missing: the finding says what could not be seen', () => {
    const r = results(RISES_AT_4, [series('api', 'cpu', 'platform', 0.2, 0.2, 40_000, 'cores')]);
    r.luneo.server = { signals: r.luneo.server?.signals ?? [], sources: [{ source: 'postgres', state: 'failed', samples: 0, note: 'stopped: password authentication failed: check LUNEO_OBSERVE_POSTGRES_URL (user and password)' }] };
    const d = diagnose(r);
    assert.deepEqual(d.findings, []);
    assert.match(d.summary, /nothing in the server signals that were seen stood out \(not observed: database, redis, worker\)$/);
    assert.match(d.unseen.find((u) => u.startsWith('database')) ?? '', /^database: not observed \(no reading from PostgreSQL or Prometheus; postgres stopped: password authentication failed/);
  });

  it('the limiter and the generator are named before the server', () => {
    const r = results(RISES_AT_4, [series('database', 'lock_waiters', 'postgres', 0, 3, 40_000)], {
      rateLimiting: { limited: true, problems: [], rateLimited: 90, requests: 800, share: 0.1125, giveUps: 0 },
    });
    assert.deepEqual(diagnose(r).findings.map((f) => f.component), ['rate-limit', 'database']);
  });
});

/**
 * Eight held periods of 100 user-seconds: the token step's successful answers per period (undefined: none, no
 * histogram) at a flat p95, the hold counter only where `held` says, and the token outcome counters.
 */
function answers(counts: (number | undefined)[], o: { held?: boolean[]; failed?: number[]; checks?: ResultsFile['luneo']['checks']; passed?: boolean } = {}): ResultsFile {
  const r = results(counts.map(() => 3), [series('database', 'lock_waiters', 'postgres', 0, 5, 40_000)], {
    checks: o.checks ?? [],
    ...(o.passed ? { verdict: { kind: 'pass', passed: true, reasons: [], exitCode: 0 } } : {}),
  });
  r.aggregate.counters = { [METRICS.embed.tokenOk]: 1, [METRICS.embed.tokenFailed]: 1 };
  r.intermediate.forEach((p, i) => {
    const n = counts[i];
    if (n === undefined) delete p.summaries[METRICS.embed.tokenMs];
    else p.summaries[METRICS.embed.tokenMs] = { ...S(3), count: n };
    if (o.held?.[i] ?? true) p.counters[METRICS.load.holdUserSeconds] = 100;
    if (n) p.counters[METRICS.embed.tokenOk] = n;
    if (o.failed?.[i]) p.counters[METRICS.embed.tokenFailed] = o.failed[i];
  });
  return r;
}

const SUCCESS = `${METRICS.embed.tokenOk} / (${METRICS.embed.tokenOk} + ${METRICS.embed.tokenFailed}) > 0.99`;

describe('when the answers stop: a lock shows as answers that never come, not as a slow p95', () => {
  it('the token answers collapse while users are held: dated the period they fell in', () => {
    const r = answers([300, 300, 300, 300, 20, undefined, 300, 300]);
    const d = findDegradation(r);
    assert.equal(d?.change, 'fell');
    assert.equal(d?.period, 5);
    assert.equal(d?.from, 3);
    assert.equal(d?.to, 0);
    assert.match(diagnose(r).summary, /^Embed token answers per visitor-second fell from 3 to 0 at .* \(period 5\); in the same period PostgreSQL showed 5 sessions waiting on a lock/);
  });

  it('a hold that begins in the second period: its first held period is the level', () => {
    const r = answers([300, 300, 20, undefined, 300, 300, 300, 300], { held: [false, true, true, true, true, true, true, true] });
    assert.deepEqual([findDegradation(r)?.change, findDegradation(r)?.period], ['fell', 3]);
    const late = answers([300, 300, 300, 300, 300, 20, undefined, 300], { held: [false, false, false, false, true, true, true, true] });
    assert.deepEqual([findDegradation(late)?.change, findDegradation(late)?.period], ['fell', 6]);
  });

  it('a ramp-down after the hold is no collapse', () => {
    const r = answers([300, 300, 300, 300, 100, 20, 5, 1], { held: [true, true, true, true, false, false, false, false], passed: true });
    assert.equal(findDegradation(r), undefined);
    assert.equal(diagnose(r).summary, 'nothing stood out');
  });

  it('a few answers a period are too few to call a collapse', () => {
    assert.equal(findDegradation(answers([12, 15, 12, 12, 2, 3, 12, 12], { passed: true })), undefined);
  });

  it('without pauses the answers follow the latency: a busy machine that makes each round 0.19 s longer is no collapse', () => {
    // 1,580 answers per period of 100 held user-seconds, then 402: a quarter, but each round took 63 ms, then 249 ms.
    assert.equal(findDegradation(answers([1580, 1580, 402, 402, 402, 1580, 1580, 1580], { passed: true })), undefined);
  });

  it('a lock that began late in a period: a part-calm period, then none; dated the first', () => {
    // 101 answers (the first 3 s calm), then none: only the second is a stall, and the fall began in the first.
    const d = findDegradation(answers([355, 355, 101, undefined, 300, 300, 300, 300]));
    assert.deepEqual([d?.change, d?.period], ['fell', 3]);
  });

  it('one short period is noise, not a collapse', () => {
    assert.equal(findDegradation(answers([300, 300, 300, 300, 20, 300, 300, 300], { passed: true })), undefined);
  });

  it('a failed threshold is dated by the first period whose own value broke it', () => {
    // The answers dip once (no collapse), then the failures come: the success share breaks in period 6.
    const r = answers([300, 300, 300, 300, 300, 200, 300, 300], { failed: [0, 0, 0, 0, 0, 40, 0, 0], checks: [{ expression: SUCCESS, passed: false, strict: true }] });
    const d = findDegradation(r);
    assert.equal(d?.change, 'broke');
    assert.equal(d?.period, 6);
    assert.equal(d?.from, 1);
    assert.equal(d?.to, 200 / 240);
    assert.match(diagnose(r).summary, /^the threshold .* > 0\.99 broke at .* \(period 6\): 1 in the first period, 0\.833 at worst/);
  });

  it('a threshold that held early and then broke is an onset: it comes before a later rise', () => {
    const r = answers([300, 300, 300, 300, 300, 300, 300, 300], { failed: [0, 0, 30, 30, 0, 0, 0, 0], checks: [{ expression: SUCCESS, passed: false, strict: true }] });
    r.intermediate.slice(4).forEach((p) => (p.summaries[METRICS.embed.tokenMs] = { ...S(300), count: 300 }));
    const d = findDegradation(r);
    assert.deepEqual([d?.change, d?.period], ['broke', 3]);
  });

  it('a period without a single success counts 0 successes, not nothing', () => {
    const r = answers([300, 300, 300, 300, 300, undefined, 300, 300], { failed: [0, 0, 0, 0, 0, 10, 0, 0], checks: [{ expression: SUCCESS, passed: false, strict: true }] });
    r.intermediate.forEach((p) => delete p.counters[METRICS.load.holdUserSeconds]);
    const d = findDegradation(r);
    assert.equal(d?.period, 6);
    assert.equal(d?.to, 0);
  });

  it('a threshold broken from the first period dates nothing: the run failed, judged whole; a rise still dates', () => {
    const p95 = { expression: `${METRICS.embed.tokenMs}.p95 < 2`, passed: false, strict: true };
    assert.equal(findDegradation(results(CALM, [], { checks: [p95] })), undefined);
    assert.match(diagnose(results(CALM, [series('database', 'lock_waiters', 'postgres', 0, 5, 60_000)], { checks: [p95] })).summary, /^the run failed \(threshold failed\); .*database/);
    const rose = findDegradation(results(RISES_AT_4, [], { checks: [p95] }));
    assert.deepEqual([rose?.change, rose?.period, rose?.failedThreshold], ['rose', 5, true]);
  });
});

describe('server thresholds', () => {
  const server = { signals: [series('database', 'pool_usage', 'postgres', 0.3, 0.97, 40_000, 'ratio')], sources: [] };
  const window = { from: T0, to: T0 + 80_000 };

  it('a breach is a failed check with what was measured', () => {
    const [c] = serverChecks({ 'database.pool_usage': 0.9 }, server, window);
    assert.deepEqual(c, { expression: 'server.database.pool_usage.peak < 0.9', passed: false, strict: true, measured: 0.97 });
    assert.equal(verdict({ checks: [c!], validity: healthy() }).exitCode, 1);
  });

  it('a threshold whose signal was not measured makes the run INVALID, never a pass', () => {
    const [c] = serverChecks({ 'redis.command_latency': 1000 }, server, window);
    assert.equal(c?.unmeasured, true);
    const v = verdict({ checks: [{ expression: 'x < 1', passed: true, strict: true }, c!], validity: healthy() });
    assert.equal(v.kind, 'invalid');
    assert.equal(v.exitCode, 3);
    assert.match(v.reasons.join('\n'), /not measured: server\.redis\.command_latency\.peak < 1000 \(no reading of redis\.command_latency during the hold/);
  });

  it("the queue's growth over the hold", () => {
    const grow = { signals: [series('worker', 'queue_depth', 'redis', 2, 60, 40_000)], sources: [] };
    const [c] = serverChecks({ 'worker.queue_growth': 50 }, grow, window);
    assert.equal(c?.passed, false);
    assert.equal(c?.measured, 58);
  });
});

function healthy() {
  return {
    generator: { overloaded: false, problems: [], plannedUsers: 1, createdUsers: 1, phases: [], saturatedPeriods: [] },
    delivery: { delivered: true, problems: [], holds: [], createdUsers: 1, transportErrors: 0, timedOut: 0 },
    rateLimiting: { limited: false, problems: [], rateLimited: 0, requests: 1, share: 0, giveUps: 0 },
  };
}

describe('the report marks a finding on its evidence chart', () => {
  it('the lock finding is a marker on the lock-waiters chart, at its moment', async () => {
    const { serverCharts } = await import('../../../src/report/server.ts');
    const r = results(RISES_AT_4, [series('database', 'lock_waiters', 'postgres', 0, 23, 40_000)]);
    r.luneo.diagnosis = diagnose(r);
    const chart = serverCharts(r, T0).find((c) => c.id === 'server-database-lock_waiters');
    const mark = chart?.series.find((s) => s.label === 'finding: database');
    assert.ok(mark?.markers, 'drawn as a marker');
    const at = mark?.values.findIndex((v) => v !== null) ?? -1;
    assert.equal(chart?.x[at], 40, 'at 40 s, where the waiting began');
    assert.equal(mark?.values[at], 23);
  });
});
