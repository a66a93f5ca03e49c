import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type BackoffPolicy, DEFAULT_BACKOFF, nextPollDelayMs, validateBackoff } from '../../../src/api/backoff.ts';

const policy: BackoffPolicy = { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0.5, deadlineMs: 10_000 };
const noJitter = () => 0;
const maxJitter = () => 0.999999;

describe('nextPollDelayMs', () => {
  it('starts at initialMs and grows by the multiplier', () => {
    const delays = [0, 1, 2, 3].map((a) => nextPollDelayMs(policy, a, 0, noJitter));
    assert.deepEqual(delays, [100, 200, 400, 800]);
  });

  it('is capped at maxMs', () => {
    assert.equal(nextPollDelayMs(policy, 4, 0, noJitter), 1000);
    assert.equal(nextPollDelayMs(policy, 50, 0, noJitter), 1000);
    // overflow of multiplier ** attempt stays at the cap
    assert.equal(nextPollDelayMs(policy, 5000, 0, noJitter), 1000);
  });

  it('a negative attempt counts as the first', () => {
    assert.equal(nextPollDelayMs(policy, -3, 0, noJitter), 100);
  });

  it('jitter keeps each wait within [base * (1 - jitter), base]', () => {
    assert.equal(nextPollDelayMs(policy, 2, 0, () => 0.5), 300); // 400 * (1 - 0.25)
    assert.equal(nextPollDelayMs(policy, 2, 0, maxJitter), 200);
    assert.equal(nextPollDelayMs({ ...policy, jitter: 0 }, 2, 0, maxJitter), 400);
    assert.equal(nextPollDelayMs({ ...policy, jitter: 1 }, 2, 0, () => 0.25), 300);
  });

  it('uses Math.random by default and stays in the jitter band', () => {
    for (let i = 0; i < 200; i++) {
      const d = nextPollDelayMs(policy, 3, 0);
      assert.ok(d !== undefined && d >= 400 && d <= 800, String(d));
    }
  });

  it('clamps the last wait to the deadline', () => {
    assert.equal(nextPollDelayMs(policy, 3, 9_700, noJitter), 300);
    assert.equal(nextPollDelayMs(policy, 0, 9_999, noJitter), 1);
  });

  it('gives undefined once the deadline is reached or passed', () => {
    assert.equal(nextPollDelayMs(policy, 0, 10_000, noJitter), undefined);
    assert.equal(nextPollDelayMs(policy, 0, 12_345, noJitter), undefined);
  });

  it('the waits of one job never sum past the deadline', () => {
    let elapsed = 0;
    let polls = 0;
    for (;;) {
      const d = nextPollDelayMs(policy, polls, elapsed, () => 0.3);
      if (d === undefined) break;
      elapsed += d;
      polls++;
      assert.ok(polls < 1000);
    }
    assert.equal(elapsed, policy.deadlineMs);
  });
});

describe('validateBackoff', () => {
  it('accepts the default and a sane policy', () => {
    assert.deepEqual(validateBackoff(DEFAULT_BACKOFF), []);
    assert.deepEqual(validateBackoff(policy), []);
  });

  it('names every problem', () => {
    const problems = validateBackoff({ initialMs: 0, multiplier: 0.5, maxMs: -1, jitter: 1.5, deadlineMs: 0 });
    assert.equal(problems.length, 5);
    for (const word of ['initialMs', 'multiplier', 'maxMs', 'jitter', 'deadlineMs']) {
      assert.ok(problems.some((p) => p.startsWith(word)), word);
    }
    assert.deepEqual(validateBackoff({ ...policy, maxMs: 50 }), ['maxMs must be >= initialMs']);
    assert.deepEqual(validateBackoff({ ...policy, jitter: -0.1 }), ['jitter must be within 0..1']);
  });

  it('NaN values are refused, not waved through', () => {
    assert.ok(validateBackoff({ ...policy, initialMs: Number.NaN }).includes('initialMs must be > 0'));
    assert.ok(validateBackoff({ ...policy, multiplier: Number.NaN }).includes('multiplier must be >= 1'));
  });
});
