/**
 * The presence sampler samples each wall-clock second exactly once,
 * whatever its timer's lateness: a second sampled twice would over-report
 * the peak and the user-seconds, and the exact concurrency assertions of the
 * integration tests would then fail on a busy machine.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { VUEvents } from 'artillery';
import { delayToNextSample, join, secondsToSample, startSampling } from '../../../src/user/presence.ts';
import { workerPlan } from '../../../src/user/worker-plan.ts';
import { METRICS } from '../../../src/metric-names.ts';

/** 2026-12-04 00:00:00.000 UTC, a whole 10-s period boundary */
const T0 = 1_796_342_400_000;

describe('secondsToSample', () => {
  it('the first sample stands for its own second', () => {
    assert.deepEqual(secondsToSample(undefined, T0 + 3_500), [T0 / 1000 + 3]);
  });

  it('a timer that fires early, still in the second already sampled, samples nothing', () => {
    const s = T0 / 1000 + 3;
    assert.deepEqual(secondsToSample(s, T0 + 3_999), []);
    assert.deepEqual(secondsToSample(s, T0 + 3_000), []);
  });

  it("a timer 500 ms late lands in the next second once (the bug: it sampled that second again at x.5)", () => {
    const s = T0 / 1000 + 3;
    // The next sample was due at 4.5 s; it fired at 5.0 s: second 4 was skipped, 5 is now.
    assert.deepEqual(secondsToSample(s, T0 + 5_000), [s + 1, s + 2]);
  });

  it('skipped seconds of an earlier 10-s period are not filed in this one', () => {
    const s = T0 / 1000 + 8;
    assert.deepEqual(secondsToSample(s, T0 + 12_300), [T0 / 1000 + 10, T0 / 1000 + 11, T0 / 1000 + 12]);
  });
});

describe('delayToNextSample', () => {
  it('aims at the middle of the first unsampled second', () => {
    assert.equal(delayToNextSample(T0 / 1000 + 3, T0 + 3_700), 800);
    assert.equal(delayToNextSample(undefined, T0 + 3_200), 300);
    assert.equal(delayToNextSample(undefined, T0 + 3_700), 0, 'already past the middle: sample now');
    assert.equal(delayToNextSample(T0 / 1000 + 3, T0 + 6_100), 0, 'late: sample at once');
  });
});

describe('a sampler driven by a late timer', () => {
  it('samples every second at most once and never more than 10 seconds a period, whatever the lateness', () => {
    // A deterministic mix of on-time, slightly late, half-second late and multi-second late timers.
    const lateness = [0, 3, 499, 500, 501, 999, 1000, 1500, 20, 2600, 0, 700, 4100, 10, 510, 11_000, 5, 490];
    let now = T0 + 123;
    let last: number | undefined;
    const sampled: number[] = [];
    for (let i = 0; i < 600; i++) {
      const seconds = secondsToSample(last, now);
      sampled.push(...seconds);
      if (seconds.length > 0) last = seconds[seconds.length - 1];
      now += delayToNextSample(last, now) + (lateness[i % lateness.length] ?? 0);
    }
    assert.equal(new Set(sampled).size, sampled.length, 'no second sampled twice');
    for (let i = 1; i < sampled.length; i++) assert.ok(sampled[i]! > sampled[i - 1]!, 'in order');
    // Only seconds of an earlier period are ever lost: within each period, none is skipped after the first sampled.
    const byPeriod = new Map<number, number[]>();
    for (const s of sampled) byPeriod.set(Math.floor(s / 10), [...(byPeriod.get(Math.floor(s / 10)) ?? []), s]);
    for (const [period, secs] of byPeriod) {
      assert.ok(secs.length <= 10, `period ${period}: ${secs.length} samples`);
      assert.equal(secs[secs.length - 1]! - secs[0]! + 1, secs.length, `period ${period}: contiguous`);
    }
  });
});

describe('startSampling on a fake clock', () => {
  it('emits each second once, at its own per-second counter, and counts its worker once', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 + 200 });
    try {
      const emitted: [string, string, number][] = [];
      const events = { emit: (type: string, name: string, value: number) => void emitted.push([type, name, value]) } as unknown as VUEvents;
      const plan = workerPlan([{ duration: 60, target: 4 }], undefined);
      for (let i = 0; i < 4; i++) join('users');
      startSampling(events, plan, T0, ['users']);
      startSampling(events, plan, T0, ['users']);
      // In steps of 100 ms: a mocked Date reads the end of a tick inside the callbacks it runs.
      for (let i = 0; i < 98; i++) mock.timers.tick(100);
      const counters = (name: string) => emitted.filter(([t, n]) => t === 'counter' && n === name).map(([, , v]) => v);
      assert.deepEqual(counters(METRICS.load.workers), [1], 'the worker counted itself once');
      assert.deepEqual(counters(METRICS.load.userSeconds), Array(10).fill(4), 'seconds 0.5 … 9.5: ten samples of the 4 users');
      for (let s = 0; s < 10; s++) assert.deepEqual(counters(`${METRICS.load.usersAtSecondPrefix}${s}`), [4], `second ${s} once`);
    } finally {
      mock.timers.reset();
    }
  });
});
