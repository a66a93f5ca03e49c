import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, logGamma, mean, median, tQuantile, tTest, tTwoSidedP, variance } from '../../../src/history/stats.ts';

const close = (actual: number, expected: number, tol: number, what: string) => assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

describe('statistics against published values', () => {
  it('log gamma and the regularized incomplete beta', () => {
    close(logGamma(5), Math.log(24), 1e-12, 'ln Γ(5)');
    close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, 'ln Γ(1/2)');
    close(incompleteBeta(0.5, 2, 3), 0.6875, 1e-12, 'I_0.5(2, 3)');
    close(incompleteBeta(0.2, 1, 1), 0.2, 1e-12, 'I_x(1, 1) = x');
  });

  it("Student's t: two-sided p-values and quantiles of the t table", () => {
    close(tTwoSidedP(2.228139, 10), 0.05, 1e-6, 't = 2.228, df 10');
    close(tTwoSidedP(2.0, 10), 0.073388, 1e-6, 't = 2, df 10');
    close(tTwoSidedP(3.0, 5), 0.030099, 1e-6, 't = 3, df 5');
    close(tTwoSidedP(1.959964, 1e7), 0.05, 1e-5, 'normal limit');
    close(tTwoSidedP(-2.0, 10), tTwoSidedP(2.0, 10), 0, 'symmetric');
    assert.equal(tTwoSidedP(0, 10), 1);
    assert.equal(tTwoSidedP(Number.POSITIVE_INFINITY, 10), 0);
    close(tQuantile(0.975, 10), 2.228139, 1e-5, 't_0.975(10)');
    close(tQuantile(0.975, 30), 2.042272, 1e-5, 't_0.975(30)');
    close(tQuantile(0.995, 3), 5.840909, 1e-5, 't_0.995(3)');
  });

  it('means, sample variances, medians', () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    close(variance([2, 4, 4, 4, 5, 5, 7, 9]), 32 / 7, 1e-12, 'sample variance');
    assert.equal(variance([5]), 0);
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("the two-sample t-test Otava's tests use: no change, then a clear one", () => {
    const same = tTest([1.0, 1.02, 1.05, 0.95, 0.98], [1.0, 1.02, 1.05, 0.95, 0.98]);
    close(same.pValue, 1, 1e-12, 'identical halves');
    const changed = tTest([1.0, 1.02, 1.05, 0.95, 0.98], [0.8, 0.82, 0.85, 0.79, 0.77]);
    assert.ok(changed.pValue > 0 && changed.pValue < 0.001, String(changed.pValue));
    assert.equal(changed.df, 8);
    close(changed.meanAfter - changed.meanBefore, -0.194, 1e-12, 'difference of means');
  });
});
