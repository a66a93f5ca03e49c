import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { beyondMaxWait, DEFAULT_RATE_LIMIT_POLICY, parseRetryAfter, type RateLimitPolicy, retryAfterMs } from '../../../src/api/retry-after.ts';

const NOW = Date.parse('2015-10-21T07:27:00Z');

describe('parseRetryAfter', () => {
  it('delay-seconds become milliseconds', () => {
    assert.equal(parseRetryAfter('0', NOW), 0);
    assert.equal(parseRetryAfter('1', NOW), 1000);
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter('  7 ', NOW), 7000);
  });

  it('an HTTP-date becomes the time left until then', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW), 60_000);
    // obsolete RFC 850 form, still to be accepted
    assert.equal(parseRetryAfter('Wednesday, 21-Oct-15 07:27:30 GMT', NOW), 30_000);
  });

  it('a date in the past means go now, never a negative wait', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', NOW), 0);
  });

  it('takes the first value of a repeated header', () => {
    assert.equal(parseRetryAfter(['3', '10'], NOW), 3000);
  });

  it('absent, empty or unusable values are undefined (caller applies its default)', () => {
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter([], NOW), undefined);
    assert.equal(parseRetryAfter('', NOW), undefined);
    assert.equal(parseRetryAfter('   ', NOW), undefined);
    assert.equal(parseRetryAfter('-5', NOW), undefined);
    assert.equal(parseRetryAfter('1.5', NOW), undefined);
    assert.equal(parseRetryAfter('5s', NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter('20151021', NOW), 20151021000); // digits are seconds, not a date
  });

  it('text that Date.parse accepts but is no HTTP-date is unusable, not "go now"', () => {
    // V8 reads these as dates in 2001; they must not turn into a zero wait.
    assert.equal(parseRetryAfter('Retry 5', NOW), undefined);
    assert.equal(parseRetryAfter('June 5', NOW), undefined);
  });
});

describe('retryAfterMs and beyondMaxWait', () => {
  const policy: RateLimitPolicy = { defaultRetryAfterMs: 1500, maxRetryAfterMs: 30_000, maxRetries: 3 };

  it('uses the server value when usable', () => {
    assert.equal(retryAfterMs('2', policy, NOW), 2000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:27:10 GMT', policy, NOW), 10_000);
  });

  it('falls back to the default without a usable header', () => {
    assert.equal(retryAfterMs(undefined, policy, NOW), 1500);
    assert.equal(retryAfterMs('garbage', policy, NOW), 1500);
  });

  it('never shortens what the server asked: beyond maxRetryAfterMs the request gives up instead of going early', () => {
    assert.equal(retryAfterMs('3600', policy, NOW), 3_600_000);
    assert.equal(retryAfterMs('Thu, 22 Oct 2015 07:27:00 GMT', policy, NOW), 86_400_000);
    assert.equal(beyondMaxWait(30_000, policy), false);
    assert.equal(beyondMaxWait(30_001, policy), true);
    assert.equal(beyondMaxWait(retryAfterMs('52', policy, NOW), { ...policy, maxRetryAfterMs: 10_000 }), true);
  });

  it('the default policy is sane', () => {
    assert.ok(DEFAULT_RATE_LIMIT_POLICY.defaultRetryAfterMs > 0);
    assert.ok(DEFAULT_RATE_LIMIT_POLICY.maxRetryAfterMs >= DEFAULT_RATE_LIMIT_POLICY.defaultRetryAfterMs);
    assert.ok(Number.isInteger(DEFAULT_RATE_LIMIT_POLICY.maxRetries) && DEFAULT_RATE_LIMIT_POLICY.maxRetries >= 1);
  });
});
