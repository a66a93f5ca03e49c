import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeChange, GATE_DEFAULTS, judgeHistory, judgeSeries, recentStep, referenceRuns, RUNS_NEEDED } from '../../../src/history/gate.ts';
import { HISTORY_SCHEMA, type HistoryRecord } from '../../../src/history/record.ts';
import { seriesSpec } from '../../../src/history/series.ts';
import { history } from '../../../bench/lib/change-point-eval.ts';
import { rng } from '../../../bench/lib/seeded.ts';

const P95 = seriesSpec('luneo_embed_validate_ms.p95')!;
const SUCCESS = seriesSpec('handshake_success')!;

/** A level with 5 % multiplicative noise, deterministic. */
function level(value: number, n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => value * (1 + 0.05 * (r() + r() + r() - 1.5) * 2));
}

function run(i: number, figures: Record<string, number>, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  return { schema: HISTORY_SCHEMA, id: `run-${i}`, at: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(), scenario: 'embed', environment: 'local', profile: 'local-20', commit: `c${String(i).padStart(39, '0')}`, valid: true, verdict: 'pass', figures, ...extra };
}

describe('the regression gate on one series', () => {
  it('a 30 % slowdown in the last two runs fails the night, with the step, its interval, and where it began', () => {
    const values = [...level(40, 20, 1), ...level(52, 2, 2)];
    const c = judgeSeries(P95, values);
    assert.ok(c, 'found');
    assert.equal(c.direction, 'worse');
    assert.equal(c.index, 20, 'began at the first slow run');
    assert.equal(c.runsSince, 2);
    assert.ok(c.change > 0.2 && c.change < 0.4, String(c.change));
    assert.ok(c.interval[0] > 0 && c.interval[0] < c.change && c.interval[1] > c.change, `interval ${c.interval}`);
    assert.ok(Math.abs(c.previous - 40) < 2, `previous level ${c.previous}`);
  });

  it('one slow run alone is not a step yet; an outlier followed by a normal run is none at all', () => {
    assert.equal(judgeSeries(P95, [...level(40, 19, 3), 40, 60]), undefined);
    assert.equal(judgeSeries(P95, [...level(40, 19, 3), 40, 60, 40]), undefined);
  });

  it('a speed-up is reported as better, never failed; a falling success rate is worse', () => {
    const faster = judgeSeries(P95, [...level(40, 20, 4), ...level(30, 3, 5)]);
    assert.equal(faster?.direction, 'better');
    const success = [...Array.from({ length: 20 }, (_, i) => 0.999 - (i % 3) * 0.0005), 0.985, 0.984];
    const worse = judgeSeries(SUCCESS, success);
    assert.equal(worse?.direction, 'worse');
    assert.equal(worse?.relative, false, 'a share changes by points, not by a ratio');
  });

  it('needs the history it says: nothing is judged before RUNS_NEEDED runs', () => {
    assert.equal(RUNS_NEEDED, GATE_DEFAULTS.minRunsBefore + GATE_DEFAULTS.minRunsAfter);
    assert.equal(judgeSeries(P95, [...level(40, RUNS_NEEDED - 3, 6), 80, 80]), undefined);
    assert.ok(judgeSeries(P95, [...level(40, RUNS_NEEDED - 2, 6), 80, 80]));
  });

  it('a change older than recentRuns is the level now: judged against it, not failed again', () => {
    const values = [...level(40, 20, 7), ...level(52, GATE_DEFAULTS.recentRuns + 9, 8)];
    assert.equal(judgeSeries(P95, values), undefined);
  });

  it('a flat noisy history raises no alarm on any night (the seeded evaluation history)', () => {
    const values = history({ name: 'flat', noise: 0.05, step: 0, drift: false, outliers: true }, 42);
    for (let n = RUNS_NEEDED; n <= values.length; n++) assert.equal(judgeSeries(P95, values.slice(0, n))?.direction === 'worse', false, `night ${n}`);
    assert.equal(recentStep(values.map(Math.log)), undefined);
  });
});

describe('judgeHistory', () => {
  const base = (i: number, p95: number) => run(i, { 'luneo_embed_validate_ms.p95': p95, 'luneo_embed_token_ms.p95': 20, handshake_success: 1 });

  it('judges tonight against valid runs of the same scenario, environment and profile only', () => {
    const past = level(40, 12, 9).map((v, i) => base(i, v));
    const other = [run(50, { 'luneo_embed_validate_ms.p95': 400 }, { environment: 'staging' }), run(51, { 'luneo_embed_validate_ms.p95': 400 }, { valid: false, verdict: 'invalid' })];
    const slow1 = base(12, 60);
    const tonight = base(13, 61);
    assert.deepEqual(referenceRuns([...past, ...other, slow1], tonight).map((r) => r.id), [...past, slow1].map((r) => r.id));
    const g = judgeHistory([...past, ...other, slow1], tonight);
    assert.equal(g.reference, 13);
    assert.deepEqual(g.regressions.map((r) => r.key), ['luneo_embed_validate_ms.p95']);
    assert.equal(g.regressions[0]?.began.id, 'run-12');
    assert.match(describeChange(g.regressions[0]!), /^nonce validation p95 \+\d+\.\d % \(95 % interval \+\d+\.\d % … \+\d+\.\d %\): \d+\.\d ms → \d+\.\d ms, began 2 runs ago at the run of 2026-11-13 02:00 UTC \(commit c00000000000\), p = /);
    assert.ok(g.spreads.some((s) => s.key === 'luneo_embed_token_ms.p95' && s.spread === 0), 'the spread of a flat series is 0');
    const p95spread = g.spreads.find((s) => s.key === 'luneo_embed_validate_ms.p95');
    assert.ok(p95spread && p95spread.runs <= 14);
  });
});
