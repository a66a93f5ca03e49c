import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../../src/metric-names.ts';
import { loadDelivery } from '../../../src/verdict/load-delivered.ts';
import { rateLimiting } from '../../../src/verdict/rate-limited.ts';
import { judgeThresholds, scenarioEnsure } from '../../../src/verdict/thresholds.ts';
import { deriveLuneo } from '../../../src/report/load.ts';
import type { PeriodReport, Summary } from '../../../src/verdict/summary.ts';

const L = METRICS.load;
const one = (x: number): Summary => ({ min: x, max: x, count: 1, p50: x, p95: x, p99: x });

/** Periods of a hold at `planned` users where `present(i)` users were there, `held(i)` of them at a gate (all workers). */
function hold(planned: number, present: (i: number) => number, held: (i: number) => number = () => 0, periods = 6): PeriodReport[] {
  return Array.from({ length: periods }, (_, i) => ({
    period: 1_800_000_000_000 + i * 10_000,
    counters: {
      [L.userSeconds]: 10 * present(i),
      [L.plannedUserSeconds]: 10 * planned,
      [L.holdUserSeconds]: 10 * present(i),
      [L.holdPlannedUserSeconds]: 10 * planned,
      [L.holdGateHeldUserSeconds]: 10 * held(i),
    },
    summaries: {},
  }));
}

const agg = (counters: Record<string, number> = {}, profile = 60, took = 60.8): PeriodReport => ({
  counters: { 'vusers.created': 1000, [L.plannedUsers]: 1000, ...counters },
  summaries: { [L.profileSeconds]: one(profile), [L.elapsedSeconds]: one(took) },
});

describe('loadDelivery', () => {
  it('a shortfall made of users held at the rate-limit gate is the limiter\'s; one of users who are gone is not', () => {
    const gated = loadDelivery(agg(), hold(100, () => 100, (i) => (i >= 2 ? 40 : 0)));
    assert.equal(gated.delivered, false);
    assert.equal(gated.shortfallAtGate, true);
    const gone = loadDelivery(agg(), hold(100, (i) => (i >= 2 ? 60 : 100)));
    assert.equal(gone.delivered, false);
    assert.equal(gone.shortfallAtGate, false);
    const both = loadDelivery(agg(), hold(100, (i) => (i >= 2 ? 70 : 100), (i) => (i >= 2 ? 10 : 0)));
    assert.equal(both.shortfallAtGate, false, '10 held of 40 missing: mostly gone, not held');
  });

  it('a run that overran while its users waited out a long Retry-After at the gate: the limiter\'s too', () => {
    // A 7-s profile whose 6 users waited 52 s at the gate: 48 s late, 300 user-seconds held.
    const waited = loadDelivery(agg({ [L.gateHeldUserSeconds]: 300 }, 7, 55), []);
    assert.equal(waited.delivered, false);
    assert.equal(waited.shortfallAtGate, true);
    const stuck = loadDelivery(agg({ [L.gateHeldUserSeconds]: 2 }, 7, 55), []);
    assert.equal(stuck.delivered, false);
    assert.equal(stuck.shortfallAtGate, false, 'users stuck in requests, not at the gate');
  });

  it('a hold at the plan, within sampling noise, is delivered', () => {
    const d = loadDelivery(agg(), hold(1000, (i) => (i === 2 ? 985 : 1000)));
    assert.equal(d.delivered, true, d.problems.join('; '));
    assert.equal(d.holds.length, 6);
  });

  it('visitors lost to transport errors during the hold: load not delivered, with the reached concurrency', () => {
    // 0.1 % transport errors at 12,500 req/s lose ~12 visitors a second: 1000 → 520 over the hold
    const d = loadDelivery(agg({ [METRICS.requests.transportErrors]: 480 }), hold(1000, (i) => 1000 - 80 * (i + 1)));
    assert.equal(d.delivered, false);
    assert.match(d.problems[0] ?? '', /^load not delivered: 52 % of the planned concurrency was active during the hold .* \(520 of 1000 users on average over 10 s; tolerance 90 %\); 480 requests got no answer/);
  });

  it('users waiting at a rate-limit gate are present but not load', () => {
    const d = loadDelivery(agg(), hold(100, () => 100, (i) => (i >= 3 ? 40 : 0)));
    assert.equal(d.delivered, false);
    assert.match(d.problems[0] ?? '', /users waited at the rate-limit gate/);
  });

  it('a small profile is not failed for one straggler', () => {
    assert.equal(loadDelivery(agg(), hold(6, (i) => (i === 0 ? 5.4 : 6))).delivered, true);
  });

  it('a run that took materially longer than its profile is not delivered: 25 s stretched to 64 s', () => {
    const d = loadDelivery(agg({}, 25, 64), []);
    assert.equal(d.delivered, false);
    assert.match(d.problems[0] ?? '', /the run took 64 s where its profile takes 25 s/);
    assert.equal(loadDelivery(agg({}, 25, 33), []).delivered, true, 'within max(10 s, 10 %)');
    assert.equal(loadDelivery(agg({}, 1440, 1570), []).delivered, true, '10 % of a 24-minute profile');
  });

  it('users never created are not delivered; skipped ones count as created', () => {
    assert.match(loadDelivery(agg({ 'vusers.created': 900 }), []).problems[0] ?? '', /created 900 of 1000 planned users \(90.0 %\)/);
    assert.equal(loadDelivery(agg({ 'vusers.created': 900, 'vusers.skipped': 100 }), []).delivered, true);
  });

  it('counts timeouts among the requests without an answer', () => {
    const d = loadDelivery(agg({ [METRICS.requests.transportErrors]: 7, [METRICS.requests.timedOut]: 3 }), []);
    assert.equal(d.transportErrors, 7);
    assert.equal(d.timedOut, 3);
  });
});

describe('rateLimiting', () => {
  const R = METRICS.requests;
  it('429s above 1 % of the requests make the run invalid, saying what to do', () => {
    const r = rateLimiting({ counters: { [R.sent]: 2000, [R.rateLimited]: 300, [METRICS.render.rateLimitGiveUps]: 2 }, summaries: {} });
    assert.equal(r.limited, true);
    assert.equal(r.share, 0.15);
    assert.match(r.problems[0] ?? '', /^rate limited: 300 of 2000 requests \(15.0 %, limit 1 %\) were answered 429 and 2 renders given up: the results measure the limiter; raise the deployment's limits/);
  });
  it('a stray 429 is within the limit', () => {
    assert.equal(rateLimiting({ counters: { [R.sent]: 12_500, [R.rateLimited]: 3 }, summaries: {} }).limited, false);
  });
});

describe('thresholds from the scenario file, over an aggregate', () => {
  it("judges with ensure's own evaluator: metric: N is metric < N, conditions as written, outside Artillery too", () => {
    const g = globalThis as { artillery?: unknown };
    assert.equal(g.artillery, undefined, 'no Artillery logger here, as in npm run report');
    // Metric names of a few hex letters make ensure's own hashing loop for ever ('b' is in its hashes): real names here.
    const spec = { thresholds: [{ 'step_ms.p95': 300 }], conditions: [{ expression: 'share_ok > 0.99', strict: false }] };
    const checks = judgeThresholds(spec, { counters: { share_ok: 0.5 }, summaries: { step_ms: one(200) } });
    assert.deepEqual(checks, [
      { expression: 'step_ms.p95 < 300', passed: true, strict: true },
      { expression: 'share_ok > 0.99', passed: false, strict: false },
    ]);
    assert.equal(g.artillery, undefined, 'and none left behind');
    assert.deepEqual(judgeThresholds(undefined, { counters: {}, summaries: {} }), []);
  });

  it("checks embed.yml's thresholds: the handshake, the latencies over successes, a missing metric fails", () => {
    const spec = scenarioEnsure('embed');
    assert.ok(spec);
    const summaries = Object.fromEntries(['luneo_embed_token_ms', 'luneo_embed_validate_ms', 'luneo_embed_handshake_ms', 'luneo_requests_ok_ms'].map((n) => [n, one(50)]));
    const counters = {
      luneo_embed_handshake_ok: 970,
      luneo_embed_handshake_failed: 20,
      luneo_embed_token_ok: 990,
      luneo_embed_token_failed: 0,
      luneo_embed_validate_ok: 970,
      luneo_embed_validate_failed: 0,
      luneo_requests_failed: 20,
      luneo_requests_sent: 3000,
      luneo_requests_rate_limited: 10,
    };
    const checks = judgeThresholds(spec, { counters, summaries });
    const failed = checks.filter((c) => !c.passed).map((c) => c.expression);
    assert.deepEqual(failed, ['luneo_embed_handshake_ok / (luneo_embed_handshake_ok + luneo_embed_handshake_failed) > 0.99']);
    const missing = judgeThresholds(spec, { counters, summaries: {} }).filter((c) => !c.passed);
    assert.ok(missing.some((c) => c.expression === 'luneo_requests_ok_ms.p95 < 500'));
  });

  it("a file that recorded its thresholds is judged by them, an -o file by today's scenario file", () => {
    const aggregate = { counters: {}, summaries: { luneo_requests_ok_ms: one(50) } };
    const recorded = { thresholds: [{ 'luneo_requests_ok_ms.p95': 10 }] };
    const own = deriveLuneo('embed', aggregate, [], recorded).luneo;
    assert.deepEqual(own.checks.map((c) => [c.expression, c.passed]), [['luneo_requests_ok_ms.p95 < 10', false]]);
    assert.deepEqual(own.thresholds, recorded);
    assert.equal(own.checksFrom, undefined);
    const today = deriveLuneo('embed', aggregate, []).luneo;
    assert.equal(today.checksFrom, 'scenarios/embed.yml');
    assert.deepEqual(today.thresholds, scenarioEnsure('embed'));
  });

  it('an unknown scenario has no thresholds', () => {
    assert.equal(scenarioEnsure('no-such-scenario'), undefined);
    assert.equal(scenarioEnsure('../etc/passwd'), undefined);
  });
});
