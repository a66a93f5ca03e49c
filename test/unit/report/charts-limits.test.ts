/** The report charts' reference lines: each step's SLO lines, and the planned concurrency profile. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import { buildCharts } from '../../../src/report/charts.ts';
import type { ResultsFile } from '../../../src/results/recorder.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const fixture = (): ResultsFile => JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'load-test-results.json'), 'utf8')) as ResultsFile;
const TOKEN = METRICS.embed.tokenMs;

function tokenChart(r: ResultsFile) {
  const c = buildCharts(r).find((x) => x.id === `latency-${TOKEN}`);
  assert.ok(c);
  return c;
}

describe('SLO lines on the latency charts', () => {
  it('far above a healthy run they start hidden, and the note says where they are', () => {
    const c = tokenChart(fixture());
    const refs = c.series.filter((s) => s.reference);
    assert.deepEqual(refs.map((s) => s.label), ['p95 SLO (< 300 ms)', 'p99 SLO (< 500 ms)']);
    assert.ok(refs.every((s) => s.hidden === true));
    assert.ok(c.series.filter((s) => !s.reference).every((s) => !s.hidden), 'the measurements are drawn');
    assert.match(c.note ?? '', /below a 4th of the SLO lines \(p95 SLO \(< 300 ms\), p99 SLO \(< 500 ms\)\): they start hidden; click them in the legend/);
    assert.match(c.subtitle ?? '', /limits \(dashed lines\): p95 < 300 ms · p99 < 500 ms/);
  });

  it('drawn from the start when the run comes near its limits', () => {
    const r = fixture();
    for (const p of r.intermediate) {
      const s = p.summaries[TOKEN];
      if (s) Object.assign(s, { p95: 250, p99: 420 });
    }
    const c = tokenChart(r);
    const refs = c.series.filter((s) => s.reference);
    assert.equal(refs.length, 2);
    assert.ok(refs.every((s) => !s.hidden));
    assert.ok(refs.every((s) => s.values.length === c.x.length), 'a value at every x');
    assert.equal(c.note, undefined);
  });
});

describe('the planned profile on the concurrency chart', () => {
  it('follows the stages the run recorded, as a mean per period', () => {
    const r = fixture();
    const start = Number([...r.intermediate].sort((a, b) => Number(a.period) - Number(b.period))[0]?.period);
    // Time zero 5 s into the first period: 5:20 15:20 5:0 then gives, per 10-s period, means of 0.625·…
    (r.luneo.run as { epochMs?: number }).epochMs = start + 5_000;
    const conc = buildCharts(r).find((c) => c.id === 'concurrency');
    const plan = conc?.series.find((s) => s.reference);
    assert.ok(plan);
    assert.equal(plan.hidden, undefined, 'the plan is always drawn');
    // Period 1: 5 s before time zero, then 5 s of a 0→20 ramp over 5 s: mean (0 + 10) / 2 = 5.
    // Period 2: 10 s of holding 20. Period 3: 5 s at 20, then 5 s falling to 0: (20 + 10) / 2 = 15.
    assert.deepEqual(plan.values.slice(0, 3), [5, 20, 15]);
  });
});
