import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../../src/metric-names.ts';
import {
  type Check,
  concurrencySeries,
  GENERATOR_LIMITS,
  type GeneratorHealth,
  generatorHealth,
  type PeriodReport,
  type PhaseRecord,
  type Summary,
  verdict,
} from '../../../src/verdict/summary.ts';
import { plannedArrivals } from '../../../src/load/model.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';

const G = METRICS.generator;

function period(at: number | string, counters: Record<string, number>, summaries: Record<string, Summary> = {}): PeriodReport {
  return { period: at, counters, summaries };
}

function summary(max: number): Summary {
  return { min: 0, max, count: 10, p50: max / 2, p95: max, p99: max };
}

const healthy: GeneratorHealth = { overloaded: false, problems: [], plannedUsers: 10, createdUsers: 10, phases: [] };
const overloaded: GeneratorHealth = { ...healthy, overloaded: true, problems: ['created 5 of 10 planned users (50.0 %)'] };
const pass = (expression: string): Check => ({ expression, passed: true, strict: true });
const fail = (expression: string, strict = true): Check => ({ expression, passed: false, strict });

describe('concurrencySeries', () => {
  const L = METRICS.load;

  it('mean users per period = user-seconds / 10 s, in period order, whatever the number of workers', () => {
    const series = concurrencySeries([
      period(20_000, { [L.userSeconds]: 400 }),
      period(0, { [L.userSeconds]: 35 }),
      // two workers' counters summed by Artillery: 300 + 160 user-seconds
      period(10_000, { [L.userSeconds]: 460 }),
    ]);
    assert.deepEqual(
      series.map((p) => [p.at, p.users]),
      [
        [0, 3.5],
        [10_000, 46],
        [20_000, 40],
      ],
    );
  });

  it('sorts string periods numerically', () => {
    const series = concurrencySeries([period('1700000010000', { [L.userSeconds]: 10 }), period('1700000000000', { [L.userSeconds]: 20 })]);
    assert.deepEqual(
      series.map((p) => p.at),
      [1_700_000_000_000, 1_700_000_010_000],
    );
    assert.deepEqual(
      series.map((p) => p.users),
      [2, 1],
    );
  });

  it('a period without samples has no users', () => {
    assert.deepEqual(concurrencySeries([period(0, { 'vusers.completed': 3 })]), [{ at: 0, users: 0 }]);
  });

  it('carries the per-worker sampled maxima of users and renders in flight', () => {
    const series = concurrencySeries([
      period(0, { [L.userSeconds]: 50 }, { [L.concurrentUsers]: summary(7) }),
      period(10_000, { [L.userSeconds]: 70, [L.renderSeconds]: 30 }, { [L.concurrentUsers]: summary(7), [L.rendersInFlight]: summary(4) }),
    ]);
    assert.equal(series[0]?.usersMax, 7);
    assert.ok(!('rendersInFlight' in (series[0] ?? {})), 'no render samples, no render figure');
    assert.equal(series[1]?.rendersInFlight, 3);
    assert.equal(series[1]?.rendersInFlightMax, 4);
  });

  it('does not reorder the caller’s array', () => {
    const input = [period(2, {}), period(1, {})];
    concurrencySeries(input);
    assert.deepEqual(
      input.map((p) => p.period),
      [2, 1],
    );
  });

  it('is empty without periods', () => {
    assert.deepEqual(concurrencySeries([]), []);
  });
});

describe('planned users of recorded phases (plannedArrivals)', () => {
  it('sums rate × duration of arrival phases only', () => {
    assert.equal(
      plannedArrivals([
        { index: 0, duration: 10, arrivalRate: 4 },
        { index: 1, pause: 30 },
        { index: 2, duration: 5, arrivalRate: 3 },
        { index: 3, duration: 5 },
      ]),
      55,
    );
  });
});

describe('generatorHealth', () => {
  const phases: PhaseRecord[] = [
    { index: 0, name: 'ramp', duration: 10, arrivalRate: 10, startTime: 0, endTime: 10_000 },
    { index: 1, name: 'hold', pause: 60, startTime: 10_000, endTime: 70_000 },
  ];

  it('a generator that kept its schedule is healthy', () => {
    const h = generatorHealth(phases, period('agg', { 'vusers.created': 100 }), [period(0, {}, { [G.eventLoopDelayP99Ms]: summary(20), [G.busyShare]: summary(40) })]);
    assert.equal(h.overloaded, false);
    assert.deepEqual(h.problems, []);
    assert.equal(h.plannedUsers, 100);
    assert.equal(h.createdUsers, 100);
    assert.deepEqual(h.phases, [
      { name: 'ramp', setMs: 10_000, tookMs: 10_000 },
      { name: 'hold', setMs: 60_000, tookMs: 60_000 },
    ]);
    assert.equal(h.eventLoopDelayP99Ms, 20);
    assert.equal(h.busyShare, 0.4);
  });

  it('flags users that were never created', () => {
    const h = generatorHealth(phases, period('agg', { 'vusers.created': 90 }), []);
    assert.equal(h.overloaded, true);
    assert.deepEqual(h.problems, ['created 90 of 100 planned users (90.0 %)']);
  });

  it('tolerates a small shortfall, and counts skipped users as created', () => {
    assert.equal(generatorHealth(phases, period('agg', { 'vusers.created': 98 }), []).overloaded, false);
    assert.equal(generatorHealth(phases, period('agg', { 'vusers.created': 80, 'vusers.skipped': 20 }), []).overloaded, false);
    // 2 missing of a tiny plan is rounding, not overload
    const tiny: PhaseRecord[] = [{ index: 0, duration: 5, arrivalRate: 1 }];
    assert.equal(generatorHealth(tiny, period('agg', { 'vusers.created': 3 }), []).overloaded, false);
    assert.equal(generatorHealth(tiny, period('agg', { 'vusers.created': 2 }), []).overloaded, true);
  });

  it('flags a phase that overran by more than max(1.5 s, 5 %)', () => {
    const slow: PhaseRecord[] = [{ index: 0, duration: 10, arrivalRate: 10, startTime: 0, endTime: 11_600 }];
    const h = generatorHealth(slow, period('agg', { 'vusers.created': 100 }), []);
    assert.equal(h.overloaded, true);
    assert.deepEqual(h.problems, ['phase "phase 1" took 11.6 s instead of 10.0 s']);
    // 1.4 s late on 10 s is within the allowance
    assert.equal(generatorHealth([{ ...slow[0], endTime: 11_400 } as PhaseRecord], period('agg', { 'vusers.created': 100 }), []).overloaded, false);
    // on a 10-minute pause the allowance is 5 % (30 s)
    const longPause = (took: number): PhaseRecord[] => [{ index: 0, name: 'hold', pause: 600, startTime: 0, endTime: took }];
    assert.equal(generatorHealth(longPause(625_000), period('agg', {}), []).overloaded, false);
    assert.equal(generatorHealth(longPause(631_000), period('agg', {}), []).overloaded, true);
  });

  it('ignores phases without timings', () => {
    const h = generatorHealth([{ index: 0, duration: 10, arrivalRate: 1 }], period('agg', { 'vusers.created': 10 }), []);
    assert.deepEqual(h.phases, [{ name: 'phase 1', setMs: 10_000 }]);
    assert.equal(h.overloaded, false);
  });

  it('flags event-loop delay by the median over periods, not one spike', () => {
    const spiky = [summary(10), summary(500), summary(12)].map((s, i) => period(i, {}, { [G.eventLoopDelayP99Ms]: s }));
    const h1 = generatorHealth([], period('agg', {}), spiky);
    assert.equal(h1.overloaded, false);
    assert.equal(h1.eventLoopDelayP99Ms, 12);
    const slow = [summary(150), summary(300), summary(12)].map((s, i) => period(i, {}, { [G.eventLoopDelayP99Ms]: s }));
    const h2 = generatorHealth([], period('agg', {}), slow);
    assert.equal(h2.overloaded, true);
    assert.match(h2.problems[0] ?? '', /event loop delayed 150 ms/);
  });

  it('flags saturated worker threads: busy above the limit and the loop late', () => {
    const busy = [95, 97, 99].map((b, i) => period(i, {}, { [G.busyShare]: summary(b), [G.eventLoopDelayP99Ms]: summary(45) }));
    const h = generatorHealth([], period('agg', {}), busy);
    assert.equal(h.overloaded, true);
    assert.equal(h.busyShare, 0.97);
    assert.match(h.problems[0] ?? '', /busy 97 % of the time with the loop 45 ms late/);
  });

  it('a busy loop that is not late is not overload (Artillery spins between close arrivals)', () => {
    const spinning = [99, 100, 100].map((b, i) => period(i, {}, { [G.busyShare]: summary(b), [G.eventLoopDelayP99Ms]: summary(12) }));
    const h = generatorHealth([], period('agg', {}), spinning);
    assert.equal(h.overloaded, false, h.problems.join('; '));
    assert.equal(h.busyShare, 1);
  });

  it('without generator samples there is nothing to judge', () => {
    const h = generatorHealth([], period('agg', {}), [period(0, { 'vusers.created': 1 })]);
    assert.equal(h.overloaded, false);
    assert.ok(!('eventLoopDelayP99Ms' in h) && !('busyShare' in h));
  });

  it('honours custom limits', () => {
    const periods = [period(0, {}, { [G.eventLoopDelayP99Ms]: summary(50) })];
    assert.equal(generatorHealth([], period('agg', {}), periods, { ...GENERATOR_LIMITS, maxEventLoopDelayMs: 40 }).overloaded, true);
    assert.equal(generatorHealth([], period('agg', {}), periods).overloaded, false);
  });
});

describe('verdict', () => {
  it('passes with exit code 0 when every check passed on a healthy generator', () => {
    const v = verdict([pass('a < 1'), pass('b < 2')], healthy, false);
    assert.deepEqual(v, { kind: 'pass', passed: true, reasons: [], exitCode: 0 });
  });

  it('a failed strict check is slo_failed, exit code 1, naming the check', () => {
    const v = verdict([pass('a < 1'), fail('luneo_render_enqueue_ms.p95 < 500')], healthy, false);
    assert.equal(v.kind, 'slo_failed');
    assert.equal(v.passed, false);
    assert.equal(v.exitCode, 1);
    assert.deepEqual(v.reasons, ['threshold failed: luneo_render_enqueue_ms.p95 < 500']);
  });

  it('a failed non-strict check does not fail the run', () => {
    assert.equal(verdict([pass('a < 1'), fail('b < 2', false)], healthy, false).exitCode, 0);
  });

  it('no check at all is not a pass', () => {
    const v = verdict([], healthy, false);
    assert.equal(v.kind, 'slo_failed');
    assert.equal(v.exitCode, 1);
    assert.match(v.reasons[0] ?? '', /no threshold was checked/);
  });

  it('an overloaded generator invalidates the run: exit code 3, even when checks pass', () => {
    for (const checks of [[pass('a < 1')], [fail('a < 1')]]) {
      const v = verdict(checks, overloaded, false);
      assert.equal(v.kind, 'generator_overloaded');
      assert.equal(v.passed, false);
      assert.equal(v.exitCode, 3);
      assert.match(v.reasons[0] ?? '', /generator overloaded, results invalid: created 5 of 10/);
    }
  });

  it('an accepted overload is judged by the checks, and still reported', () => {
    const ok = verdict([pass('a < 1')], overloaded, true);
    assert.equal(ok.kind, 'pass');
    assert.equal(ok.exitCode, 0);
    assert.match(ok.reasons[0] ?? '', /accepted by LUNEO_ACCEPT_OVERLOAD/);
    const bad = verdict([fail('a < 1')], overloaded, true);
    assert.equal(bad.kind, 'slo_failed');
    assert.equal(bad.exitCode, 1);
    assert.equal(bad.reasons.length, 2);
  });

  it('exit codes are distinct and documented', () => {
    assert.deepEqual(EXIT, { pass: 0, slo_failed: 1, config: 2, generator_overloaded: 3, aborted: 4 });
  });
});
