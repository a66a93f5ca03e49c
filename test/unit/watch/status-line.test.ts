import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import { statusLine, stepLabel } from '../../../src/watch/status-line.ts';
import type { Summary } from '../../../src/verdict/summary.ts';

function lat(p95: number, max = p95): Summary {
  return { min: 0, max, count: 10, p50: p95 / 2, p95, p99: p95 };
}

const E = METRICS.embed;
const stages = [
  { duration: 120, target: 1000 },
  { duration: 300, target: 5000 },
];

describe('the 10-s status line', () => {
  it('says elapsed of planned time, users now and planned, req/s, error share, p95 per step and generator health', () => {
    const epochMs = 1_000_000;
    const line = statusLine({
      period: {
        counters: { [METRICS.load.userSeconds]: 12_000, 'http.requests': 15_000, [METRICS.requests.sent]: 15_000, [METRICS.requests.failed]: 30 },
        summaries: {
          [E.tokenMs]: lat(120),
          [E.validateMs]: lat(80),
          [METRICS.generator.eventLoopDelayP99Ms]: lat(12, 14),
          [METRICS.generator.busyShare]: lat(40, 43),
        },
      },
      epochMs,
      now: epochMs + 130_000,
      stages,
      steps: [E.tokenMs, E.widgetMs, E.validateMs],
    });
    assert.equal(line, '2:10 / 7:00 · users 1,200 (planned 1,133) · 1,500 req/s · errors 0.2 % · p95 ms token 120 validate 80 · generator ok (loop p99 14 ms, busy 43 %)');
  });

  it('flags a strained generator and copes with a period before the profile is known', () => {
    const line = statusLine({
      period: { counters: {}, summaries: { [METRICS.generator.eventLoopDelayP99Ms]: lat(150, 150) } },
      now: 0,
      steps: [E.tokenMs],
    });
    assert.equal(line, '– · users 0 · 0.0 req/s · errors – · generator STRAINED (loop p99 150 ms, busy –)');
  });

  it('short step labels', () => {
    assert.equal(stepLabel('luneo_embed_handshake_ms'), 'handshake');
    assert.equal(stepLabel('luneo_render_enqueue_ms'), 'enqueue');
    assert.equal(stepLabel('luneo_requests_all_ms'), 'all');
  });
});
