import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import {
  abortEnabled,
  abortReason,
  abortSettingsFrom,
  AbortRules,
  DEFAULT_ABORT,
  p95Slos,
  periodLoad,
  phasesUntil,
} from '../../../src/verdict/abort.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';
import { type GeneratorHealth, type PeriodReport, type Summary, type Validity, verdict } from '../../../src/verdict/summary.ts';

const R = METRICS.requests;
const TOKEN = METRICS.embed.tokenMs;

function lat(p95: number): Summary {
  return { min: 1, max: p95 * 2, count: 100, p50: p95 / 2, p95, p99: p95 * 1.5 };
}

function period(at: number, sent: number, failed: number, tokenP95 = 50): PeriodReport {
  return { period: at, counters: { [R.sent]: sent, [R.failed]: failed }, summaries: { [TOKEN]: lat(tokenP95) } };
}

const slos = new Map([[TOKEN, 300]]);

describe('abort rules', () => {
  it('an error rate above 20 % for two consecutive periods aborts, one alone does not', () => {
    const w = new AbortRules(DEFAULT_ABORT, slos);
    assert.equal(w.onPeriod(period(0, 100, 1)), undefined);
    assert.equal(w.onPeriod(period(10_000, 100, 50)), undefined, 'one bad period is a spike');
    const d = w.onPeriod(period(20_000, 100, 45));
    assert.ok(d, 'the second in a row aborts');
    assert.equal(d.period, 20_000);
    assert.match(d.reason, /error rate 45\.0 % \(45 of 100 requests\) above the abort limit 20\.0 %, 2 periods of 10 s in a row/);
    assert.equal(w.onPeriod(period(30_000, 100, 90)), undefined, 'decided once');
    assert.equal(w.decided, d);
  });

  it('a good period in between starts the count again', () => {
    const w = new AbortRules(DEFAULT_ABORT, slos);
    w.onPeriod(period(0, 100, 50));
    w.onPeriod(period(10_000, 100, 0));
    assert.equal(w.onPeriod(period(20_000, 100, 50)), undefined);
    assert.ok(w.onPeriod(period(30_000, 100, 50)));
  });

  it('exactly at the limit is not above it', () => {
    const w = new AbortRules(DEFAULT_ABORT, slos);
    w.onPeriod(period(0, 100, 20));
    assert.equal(w.onPeriod(period(10_000, 100, 20)), undefined);
  });

  it("a step's p95 above three times its SLO for two periods aborts", () => {
    const w = new AbortRules(DEFAULT_ABORT, slos);
    assert.equal(w.onPeriod(period(0, 100, 0, 900)), undefined, '3 × 300 ms is not above');
    assert.equal(w.onPeriod(period(10_000, 100, 0, 950)), undefined);
    const d = w.onPeriod(period(20_000, 100, 0, 1200));
    assert.ok(d);
    assert.match(d.reason, /luneo_embed_token_ms p95 1200 ms above 3 × its SLO of 300 ms, 2 periods of 10 s in a row/);
  });

  it('periods with too few requests to judge neither count nor break a streak', () => {
    const w = new AbortRules(DEFAULT_ABORT, slos);
    w.onPeriod(period(0, 100, 50));
    assert.equal(w.onPeriod(period(10_000, 4, 4)), undefined);
    assert.ok(w.onPeriod(period(20_000, 100, 50)), 'the streak went on across the small period');
  });

  it('counts a crashed user as a failed request, and falls back on Artillery counters', () => {
    assert.deepEqual(periodLoad({ counters: { [R.sent]: 90, [R.failed]: 5, 'vusers.failed': 10 }, summaries: {} }), { requests: 100, failed: 15, errorRate: 0.15 });
    assert.deepEqual(periodLoad({ counters: { 'http.requests': 40, 'http.codes.503': 8, 'errors.ETIMEDOUT': 2, 'http.codes.404': 3 }, summaries: {} }), { requests: 40, failed: 10, errorRate: 0.25 });
  });

  it("reads the p95 SLOs from ensure's thresholds", () => {
    const ensure = { thresholds: [{ [`${TOKEN}.p95`]: 300 }, { [`${TOKEN}.p99`]: 500 }, { 'luneo_requests_all_ms.p95': 500 }], conditions: [{ expression: 'x < 1' }] };
    assert.deepEqual([...p95Slos(ensure)], [[TOKEN, 300], ['luneo_requests_all_ms', 500]]);
    assert.equal(p95Slos(undefined).size, 0);
  });
});

describe('abort settings per environment', () => {
  it('defaults, and the keys an environment file may set', () => {
    const problems: string[] = [];
    assert.deepEqual(abortSettingsFrom(undefined, problems), DEFAULT_ABORT);
    assert.deepEqual(abortSettingsFrom({ enabled: true, errorRate: 0.5, periods: 3 }, problems), { ...DEFAULT_ABORT, enabled: true, errorRate: 0.5, periods: 3 });
    assert.deepEqual(problems, []);
  });

  it('refuses what would make the switch misbehave, in the file\'s words', () => {
    const problems: string[] = [];
    abortSettingsFrom({ enabeld: true, errorRate: 20, periods: 1.5, p95OverSlo: -1, enabled: 'yes' }, problems);
    assert.deepEqual(problems, [
      'abort: unknown setting "enabeld" (known: enabled, errorRate, p95OverSlo, periods, minRequests)',
      'abort.errorRate is a share between 0 and 1 (0.2 = 20 %), got 20',
      'abort.periods must be a whole number, got 1.5',
      'abort.p95OverSlo must be a number above 0, got -1',
      'abort.enabled must be true or false, got "yes"',
    ]);
  });

  it('on by default for guarded environments only; the file decides; LUNEO_NO_ABORT=1 switches it off', () => {
    assert.equal(abortEnabled({ guarded: true, abort: DEFAULT_ABORT }, {}), true);
    assert.equal(abortEnabled({ guarded: false, abort: DEFAULT_ABORT }, {}), false);
    assert.equal(abortEnabled({ guarded: false, abort: { ...DEFAULT_ABORT, enabled: true } }, {}), true);
    assert.equal(abortEnabled({ guarded: true, abort: { ...DEFAULT_ABORT, enabled: false } }, {}), false);
    assert.equal(abortEnabled({ guarded: true, abort: DEFAULT_ABORT }, { LUNEO_NO_ABORT: '1' }), false);
    assert.equal(abortEnabled({ guarded: false, abort: { ...DEFAULT_ABORT, enabled: true } }, { LUNEO_NO_ABORT: 'true' }), false);
  });
});

describe('the verdict of an aborted run', () => {
  const generator: GeneratorHealth = { overloaded: false, problems: [], plannedUsers: 10, createdUsers: 10, phases: [], saturatedPeriods: [] };
  const healthy: Validity = {
    generator,
    delivery: { delivered: true, problems: [], holds: [], createdUsers: 10, transportErrors: 0, timedOut: 0 },
    rateLimiting: { limited: false, problems: [], rateLimited: 0, requests: 10, share: 0, giveUps: 0 },
  };
  const checks = [{ expression: 'a < 1', passed: true, strict: true }];

  it('is ABORTED with the reason and the moment, and its own exit code, whatever the checks say', () => {
    assert.equal(verdict({ checks: checks, validity: healthy }).kind, 'pass');
    const at = Date.UTC(2026, 11, 1, 23, 0, 5);
    const v = verdict({ checks, validity: healthy, abort: { reason: 'error rate 50.0 % above the abort limit 20.0 %', at, elapsedSec: 42 } });
    assert.equal(v.kind, 'aborted');
    assert.equal(v.passed, false);
    assert.equal(v.exitCode, EXIT.aborted);
    assert.equal(EXIT.aborted, 4);
    assert.equal(v.abort?.at, at);
    assert.equal(v.reasons[0], 'aborted by the abort switch at 2026-12-01 23:00:05 UTC (42 s into the load): error rate 50.0 % above the abort limit 20.0 %');
    assert.equal(abortReason({ reason: 'x', at }), 'aborted by the abort switch at 2026-12-01 23:00:05 UTC: x');
  });

  it('keeps the other reasons after its own', () => {
    const v = verdict({ checks: [{ expression: 'b < 1', passed: false, strict: true }], validity: healthy, abort: { reason: 'x', at: 0 } });
    assert.equal(v.kind, 'aborted');
    assert.deepEqual(v.reasons.slice(1), ['threshold failed: b < 1']);
  });
});

describe('the phases an abort let run', () => {
  it('keeps finished phases, cuts the running one, drops the rest', () => {
    const t0 = 1_000_000;
    const phases = [
      { index: 0, name: 'ramp', duration: 10, arrivalRate: 2, startTime: t0, endTime: t0 + 10_000 },
      { index: 1, name: 'slow ramp', duration: 20, arrivalCount: 10, startTime: t0 + 10_000 },
      { index: 2, name: 'hold', pause: 60 },
    ];
    const cut = phasesUntil(phases, t0 + 20_000);
    assert.equal(cut.length, 2);
    assert.deepEqual(cut[0], phases[0]);
    assert.equal(cut[1]?.duration, 10);
    assert.equal(cut[1]?.arrivalCount, 5);
    assert.equal(cut[1]?.name, 'slow ramp (stopped after 10 s)');
    const inPause = phasesUntil([{ index: 0, pause: 60, startTime: t0 }], t0 + 15_500);
    assert.equal(inPause[0]?.pause, 15);
  });
});
