import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import { completeAbortedRun, AbortSwitch } from '../../../src/watch/abort-switch.ts';
import { createRecorder } from '../../../src/results/recorder.ts';
import { DEFAULT_ABORT } from '../../../src/verdict/abort.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';
import { judgeThresholds } from '../../../src/verdict/thresholds.ts';

const R = METRICS.requests;
const ensure = { conditions: [{ expression: `${R.failed} / ${R.sent} < 0.01` }, { expression: '(luneo_requests_failed + vusers.failed) / (luneo_requests_sent + vusers.failed) < 0.5' }] };

function period(at: number, sent: number, failed: number) {
  return { period: at, counters: { [R.sent]: sent, [R.failed]: failed, 'vusers.created': at === 0 ? 10 : 0 }, summaries: {}, firstMetricAt: at, lastMetricAt: at + 9_000 };
}

describe('the abort switch in the main thread', () => {

  it('stops the run through the shutdown it was given, once, and records why and when', async () => {
    const calls: unknown[] = [];
    const lines: string[] = [];
    const ks = new AbortSwitch({ limits: DEFAULT_ABORT, ensure, epochMs: () => 0, shutdown: (o) => calls.push(o), log: (l) => lines.push(l) });
    ks.onStats(period(0, 100, 0));
    ks.onStats(period(10_000, 100, 60));
    assert.equal(calls.length, 0);
    ks.onStats(period(20_000, 100, 55));
    assert.deepEqual(calls, [{ earlyStop: true, exitCode: EXIT.aborted }]);
    assert.match(lines[0] ?? '', /^ABORTING the run: error rate 55\.0 % .*LUNEO_NO_ABORT=1 switches the abort switch off/);
    assert.match(ks.abort?.reason ?? '', /error rate 55\.0 %/);
    ks.onStats(period(30_000, 100, 90));
    assert.equal(calls.length, 1, 'one stop');
    assert.equal(ks.coveredUntil(), 40_000);
  });

  it('rebuilds the aggregate and the checks of the run as far as it went, and trims the phases', async () => {
    const ks = new AbortSwitch({ limits: DEFAULT_ABORT, ensure, epochMs: () => 0, shutdown: () => {}, log: () => {} });
    for (const [i, failed] of [0, 60, 55].entries()) ks.onStats(period(i * 10_000, 100, failed));
    const rec = createRecorder({ scenario: 'embed', phases: [{ name: 'ramp', duration: 10, arrivalRate: 1 }, { name: 'hold', pause: 100 }] });
    rec.onPhase({ index: 0, startTime: 0 });
    rec.onPhase({ index: 0, endTime: 10_000 });
    rec.onPhase({ index: 1, startTime: 10_000 });
    await completeAbortedRun(ks, rec);
    assert.equal(rec.aggregate?.counters[R.sent], 300);
    assert.equal(rec.aggregate?.counters[R.failed], 115);
    assert.equal(rec.aggregate?.counters['vusers.failed'], 0, 'no user finished, none failed');
    assert.ok(rec.aggregate);
    assert.deepEqual(judgeThresholds(ensure, rec.aggregate).map((c) => c.passed), [false, true], "ensure's own evaluation over the rebuilt aggregate");
    assert.equal(rec.phases.length, 2);
    assert.equal(rec.phases[1]?.pause, 20, 'the hold ran 20 s of its 100 before the last reported period ended');
  });

  it('leaves a run that was not aborted alone', async () => {
    const ks = new AbortSwitch({ limits: DEFAULT_ABORT, ensure, epochMs: () => 0, shutdown: () => {}, log: () => {} });
    ks.onStats(period(0, 100, 0));
    const rec = createRecorder({ scenario: 'embed', phases: [] });
    await completeAbortedRun(ks, rec);
    assert.equal(rec.aggregate, undefined);
  });
});
