import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { announcedLimit, parsePolicy } from '../../../src/api/announced-limits.ts';

const headers = (h: Record<string, string>) => (n: string) => h[n.toLowerCase()] ?? null;

describe('announcedLimit', () => {
  it("production's express-rate-limit: RateLimit-Policy with its window, remaining and reset", () => {
    assert.deepEqual(announcedLimit(headers({ 'ratelimit-policy': '100;w=60', 'ratelimit-limit': '100', 'ratelimit-remaining': '97', 'ratelimit-reset': '42' })), {
      limit: 100,
      windowSec: 60,
      windowAnnounced: true,
      family: 'draft',
      source: 'RateLimit-Policy: 100;w=60',
      remaining: 97,
      resetSec: 42,
    });
  });

  it("development's ThrottlerGuard: X-RateLimit-* only, the window assumed (the platform's 60 s)", () => {
    const l = announcedLimit(headers({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99', 'x-ratelimit-reset': '60' }));
    assert.equal(l?.family, 'x');
    assert.equal(l?.windowSec, 60);
    assert.equal(l?.windowAnnounced, false);
    assert.equal(l?.remaining, 99);
    assert.equal(l?.resetSec, 60);
    assert.equal(announcedLimit(headers({ 'x-ratelimit-limit': '5', 'x-ratelimit-reset': '1764630000' }))?.resetSec, undefined, 'an epoch reset is no duration');
  });

  it('answers without limits announce none', () => {
    assert.equal(announcedLimit(headers({})), undefined);
    assert.equal(announcedLimit(headers({ 'x-ratelimit-limit': 'many' })), undefined);
  });

  it('parsePolicy reads the first policy of a list, and the q= form', () => {
    assert.deepEqual(parsePolicy('10;w=1, 100;w=60'), { limit: 10, windowSec: 1 });
    assert.deepEqual(parsePolicy('"default";q=100;w=60'), { limit: 100, windowSec: 60 });
    assert.deepEqual(parsePolicy('100'), { limit: 100 });
    assert.equal(parsePolicy('nonsense'), undefined);
    assert.equal(parsePolicy(null), undefined);
  });
});
