import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../../src/metric-names.ts';
import {
  type Check,
  concurrencySeries,
  type GeneratorHealth,
  type PeriodReport,
  type Summary,
  type Validity,
  verdict,
  verdictHeadline,
  worstExitCode,
} from '../../../src/verdict/summary.ts';
import type { LoadDelivery } from '../../../src/verdict/load-delivered.ts';
import type { RateLimiting } from '../../../src/verdict/rate-limited.ts';
import { plannedArrivals } from '../../../src/load/model.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';


function period(at: number | string, counters: Record<string, number>, summaries: Record<string, Summary> = {}): PeriodReport {
  return { period: at, counters, summaries };
}

function summary(max: number): Summary {
  return { min: 0, max, count: 10, p50: max / 2, p95: max, p99: max };
}

const healthyGenerator: GeneratorHealth = { overloaded: false, problems: [], plannedUsers: 10, createdUsers: 10, phases: [], saturatedPeriods: [] };
const delivered: LoadDelivery = { delivered: true, problems: [], holds: [], createdUsers: 10, transportErrors: 0, timedOut: 0 };
const notLimited: RateLimiting = { limited: false, problems: [], rateLimited: 0, requests: 100, share: 0, giveUps: 0 };
const healthy: Validity = { generator: healthyGenerator, delivery: delivered, rateLimiting: notLimited };
const overloaded: Validity = {
  ...healthy,
  generator: { ...healthyGenerator, overloaded: true, problems: ['a worker was saturated (busy and late) for 18 of 20 s 40–70 s into the run, with 300 users (the peak)'] },
};
const undelivered: Validity = { ...healthy, delivery: { ...delivered, delivered: false, problems: ['load not delivered: 71 % of the planned concurrency was active during the hold'] } };
const limited: Validity = { ...healthy, rateLimiting: { ...notLimited, limited: true, share: 0.15, rateLimited: 15, problems: ['rate limited: 15 of 100 requests'] } };
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

  it('the most users at one second, all workers together, from the per-second counters (3 workers: 2 + 2 + 2)', () => {
    const at = (s: number) => `${L.usersAtSecondPrefix}${s}`;
    const series = concurrencySeries([
      period(0, { [L.userSeconds]: 48, [at(0)]: 0, [at(1)]: 3, [at(2)]: 6, [at(3)]: 6, [at(4)]: 6, [at(5)]: 6, [at(6)]: 6, [at(7)]: 6, [at(8)]: 6, [at(9)]: 3 }, { [L.concurrentUsers]: summary(2) }),
    ]);
    assert.equal(series[0]?.usersMax, 6, 'not one worker\'s 2');
  });

  it('carries the per-worker sampled maxima of users and renders in flight (files without per-second counters)', () => {
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

describe('verdict', () => {
  it('passes with exit code 0 when every check passed on a valid run', () => {
    const v = verdict({ checks: [pass('a < 1'), pass('b < 2')], validity: healthy });
    assert.deepEqual(v, { kind: 'pass', passed: true, causes: [], reasons: [], exitCode: 0 });
    assert.equal(verdictHeadline(v), 'PASS');
  });

  it('a failed strict check is slo_failed, exit code 1, naming the check', () => {
    const v = verdict({ checks: [pass('a < 1'), fail('luneo_render_enqueue_ms.p95 < 500')], validity: healthy });
    assert.equal(v.kind, 'slo_failed');
    assert.equal(v.passed, false);
    assert.equal(v.exitCode, 1);
    assert.deepEqual(v.reasons, ['threshold failed: luneo_render_enqueue_ms.p95 < 500']);
    assert.equal(verdictHeadline(v), 'FAIL');
  });

  it('a failed non-strict check does not fail the run', () => {
    assert.equal(verdict({ checks: [pass('a < 1'), fail('b < 2', false)], validity: healthy }).exitCode, 0);
  });

  it('no check at all is not a pass', () => {
    const v = verdict({ checks: [], validity: healthy });
    assert.equal(v.kind, 'slo_failed');
    assert.equal(v.exitCode, 1);
    assert.match(v.reasons[0] ?? '', /no threshold was checked/);
  });

  it('an overloaded generator invalidates the run: exit code 3, even when checks pass, naming where', () => {
    for (const checks of [[pass('a < 1')], [fail('a < 1')]]) {
      const v = verdict({ checks: checks, validity: overloaded });
      assert.equal(v.kind, 'invalid');
      assert.deepEqual(v.causes, ['generator_overloaded']);
      assert.equal(v.passed, false);
      assert.equal(v.exitCode, 3);
      assert.match(v.reasons[0] ?? '', /generator overloaded, results invalid: a worker was saturated .* \(the peak\)/);
      assert.equal(verdictHeadline(v), 'INVALID (generator overloaded)');
    }
  });

  it('load not delivered and a rate-limited run are invalid too, exit code 3', () => {
    for (const [validity, cause, headline] of [
      [undelivered, 'load_not_delivered', 'INVALID (load not delivered)'],
      [limited, 'rate_limited', 'INVALID (rate limited)'],
    ] as const) {
      const v = verdict({ checks: [pass('a < 1')], validity: validity });
      assert.equal(v.kind, 'invalid');
      assert.deepEqual(v.causes, [cause]);
      assert.equal(v.exitCode, 3);
      assert.equal(verdictHeadline(v), headline);
      assert.match(v.reasons[0] ?? '', /results invalid$/);
    }
  });

  it('a shortfall made of users held at the rate-limit gate headlines the limiter, the root cause, whatever the 429 share', () => {
    const gated: Validity = { ...limited, delivery: { ...undelivered.delivery, shortfallAtGate: true, gateHeldUserSeconds: 400 } };
    const v = verdict({ checks: [pass('a < 1')], validity: gated });
    assert.deepEqual(v.causes, ['rate_limited', 'load_not_delivered']);
    assert.equal(verdictHeadline(v), 'INVALID (rate limited)');
    // Below the 429-share limit the gate's holds still name the limiter, with the user-seconds they took.
    const quiet = verdict({ checks: [pass('a < 1')], validity: { ...gated, rateLimiting: notLimited } });
    assert.deepEqual(quiet.causes, ['rate_limited', 'load_not_delivered']);
    assert.match(quiet.reasons[0] ?? '', /^rate limited: users waited at the rate-limit gate for 400 user-seconds/);
    // A shortfall of users who are gone (transport errors) stays the headline; the 429s follow it.
    const gone = verdict({ checks: [pass('a < 1')], validity: { ...limited, delivery: { ...undelivered.delivery, shortfallAtGate: false } } });
    assert.deepEqual(gone.causes, ['load_not_delivered', 'rate_limited']);
    assert.equal(verdictHeadline(gone), 'INVALID (load not delivered)');
  });

  it('exit codes are distinct and documented', () => {
    assert.deepEqual(EXIT, { pass: 0, slo_failed: 1, config: 2, invalid: 3, aborted: 4, regressed: 5 });
  });

  it('several verdicts end with the worst code: invalid before failed before pass', () => {
    assert.equal(worstExitCode([]), 0);
    assert.equal(worstExitCode([0, 1, 0]), 1);
    assert.equal(worstExitCode([1, 3, 0]), 3);
    assert.equal(worstExitCode([3, 4, 1]), 4, 'an aborted run outranks the rest');
  });
});
