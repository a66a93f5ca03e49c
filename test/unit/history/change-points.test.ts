import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changePoints } from '../../../src/history/change-points.ts';
import { rng } from '../../../bench/lib/seeded.ts';

/** Otava's own test series (tests/analysis_test.py, test_single_series): one change, at index 10. */
const OTAVA = [1.02, 0.95, 0.99, 1.0, 1.12, 1.0, 1.01, 0.98, 1.01, 0.96, 0.5, 0.51, 0.48, 0.48, 0.55, 0.5, 0.49, 0.51, 0.5, 0.49];

function noisy(levels: readonly [number, number][], seed: number, noise = 0.03): number[] {
  const r = rng(seed);
  return levels.flatMap(([level, n]) => Array.from({ length: n }, () => level * (1 + noise * (r() + r() + r() - 1.5) * 2)));
}

describe('E-divisive means with a t-test (Hunter / Otava)', () => {
  it("finds Otava's test series' one change at index 10, as Otava does (window 10, p < 0.0001)", () => {
    const cps = changePoints(OTAVA, { windowLen: 10, maxPValue: 0.0001 });
    assert.deepEqual(cps.map((c) => c.index), [10]);
    assert.ok(cps[0]!.test.pValue < 0.0001);
    assert.ok(cps[0]!.test.meanAfter < cps[0]!.test.meanBefore);
  });

  it('finds two steps at their first runs, and none in a flat noisy series', () => {
    const z = noisy([[100, 25], [130, 20], [90, 25]], 7);
    assert.deepEqual(changePoints(z).map((c) => c.index), [25, 45]);
    assert.deepEqual(changePoints(noisy([[100, 60]], 11)), []);
  });

  it('is deterministic, and too short or broken series have no change points', () => {
    const z = noisy([[100, 30], [120, 30]], 3);
    assert.deepEqual(changePoints(z), changePoints(z));
    assert.deepEqual(changePoints([1, 2]), []);
    assert.deepEqual(changePoints([1, 2, Number.NaN, 4, 5, 6]), []);
  });

  it('every change point left after the merge is significant over its own segments', () => {
    const z = noisy([[100, 20], [103, 20], [140, 20]], 5, 0.05);
    for (const c of changePoints(z, { maxPValue: 0.001 })) assert.ok(c.test.pValue < 0.001, `${c.index}: p ${c.test.pValue}`);
  });
});
