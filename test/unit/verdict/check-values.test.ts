import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, metricValue, splitCheck } from '../../../src/verdict/check-values.ts';
import type { PeriodReport } from '../../../src/verdict/summary.ts';

const agg: PeriodReport = {
  counters: {
    luneo_render_enqueue_ok: 190,
    luneo_render_enqueue_failed: 10,
    luneo_requests_failed: 3,
    luneo_requests_sent: 300,
    'vusers.failed': 0,
    zero: 0,
    'plugins.metrics-by-endpoint./api/x.codes.200': 7,
  },
  rates: { 'http.request_rate': 42 },
  summaries: {
    luneo_render_enqueue_ms: { min: 1, max: 900, count: 200, p50: 100, p95: 450, p99: 800 },
    'http.response_time': { min: 1, max: 50, count: 9, p50: 5, p95: 30, p99: 45 },
  },
};

describe('splitCheck', () => {
  it('splits left side, operator and limit', () => {
    assert.deepEqual(splitCheck('luneo_render_enqueue_ms.p95 < 500'), { left: 'luneo_render_enqueue_ms.p95', op: '<', limit: 500 });
    assert.deepEqual(splitCheck('a / (a + b) > 0.95'), { left: 'a / (a + b)', op: '>', limit: 0.95 });
    assert.deepEqual(splitCheck('  x<=1.5 '), { left: 'x', op: '<=', limit: 1.5 });
    assert.deepEqual(splitCheck('x >= -2'), { left: 'x', op: '>=', limit: -2 });
    assert.deepEqual(splitCheck('x == 0'), { left: 'x', op: '==', limit: 0 });
  });

  it('refuses what is not <expression> <op> <number>', () => {
    assert.equal(splitCheck('x < y'), undefined);
    assert.equal(splitCheck('x'), undefined);
    assert.equal(splitCheck('x != 1'), undefined);
  });

  it('a compound condition splits at its last comparison, and its left side then has no value', () => {
    const parts = splitCheck('luneo_requests_sent < 1000 and zero < 2');
    assert.deepEqual(parts, { left: 'luneo_requests_sent < 1000 and zero', op: '<', limit: 2 });
    assert.equal(evaluate(parts?.left ?? '', agg), undefined);
  });
});

describe('metricValue', () => {
  it('reads counters, rates and summary statistics', () => {
    assert.equal(metricValue('luneo_requests_sent', agg), 300);
    assert.equal(metricValue('zero', agg), 0);
    assert.equal(metricValue('http.request_rate', agg), 42);
    assert.equal(metricValue('luneo_render_enqueue_ms.p95', agg), 450);
    assert.equal(metricValue('http.response_time.p99', agg), 45);
    assert.equal(metricValue('plugins.metrics-by-endpoint./api/x.codes.200', agg), 7);
  });

  it('is undefined for a missing metric or statistic', () => {
    assert.equal(metricValue('nope', agg), undefined);
    assert.equal(metricValue('luneo_render_enqueue_ms.p42', agg), undefined);
    assert.equal(metricValue('luneo_render_enqueue_ms', agg), undefined);
  });
});

describe('evaluate', () => {
  it('computes ratios over counters', () => {
    assert.equal(evaluate('luneo_render_enqueue_ok / (luneo_render_enqueue_ok + luneo_render_enqueue_failed)', agg), 0.95);
    assert.equal(evaluate('(luneo_requests_failed + vusers.failed) / (luneo_requests_sent + vusers.failed)', agg), 0.01);
  });

  it('respects precedence, parentheses and left associativity', () => {
    assert.equal(evaluate('1 + 2 * 3', agg), 7);
    assert.equal(evaluate('(1 + 2) * 3', agg), 9);
    assert.equal(evaluate('8 - 2 - 1', agg), 5);
    assert.equal(evaluate('8 / 2 / 2', agg), 2);
    assert.equal(evaluate('((2))', agg), 2);
    assert.equal(evaluate('2 * (3 + (4 - 1)) / 4', agg), 3);
  });

  it('handles unary minus and decimals', () => {
    assert.equal(evaluate('-3 + 5', agg), 2);
    assert.equal(evaluate('2 * -1.5', agg), -3);
    assert.equal(evaluate('-(1 + 1)', agg), -2);
  });

  it('reads summary statistics in an expression', () => {
    assert.equal(evaluate('luneo_render_enqueue_ms.p99 - luneo_render_enqueue_ms.p95', agg), 350);
  });

  it('a missing metric anywhere makes the value undefined', () => {
    assert.equal(evaluate('missing', agg), undefined);
    assert.equal(evaluate('luneo_requests_sent / missing', agg), undefined);
    assert.equal(evaluate('missing / luneo_requests_sent', agg), undefined);
    assert.equal(evaluate('1 + (2 * missing)', agg), undefined);
    assert.equal(evaluate('-missing', agg), undefined);
  });

  it('division by zero is undefined, not Infinity or NaN', () => {
    assert.equal(evaluate('luneo_requests_sent / zero', agg), undefined);
    assert.equal(evaluate('zero / zero', agg), undefined);
  });

  it('what is not arithmetic is undefined', () => {
    for (const bad of ['', '1 +', '(1 + 2', '1 + 2)', '1 2', 'a < b', 'luneo_requests_sent % 2', '2 ** 3', 'max(1, 2)']) {
      assert.equal(evaluate(bad, agg), undefined, bad);
    }
  });
});
