import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BackoffPolicy } from '../../../src/api/backoff.ts';
import type { RenderType } from '../../../src/api/dialect.ts';
import { newRenderJob, nextPoll, onEnqueueResponse, onStatusResponse, pickRenderType, type RenderJob, renderInput } from '../../../src/flows/render-job.ts';
import type { RateLimitPolicy } from '../../../src/api/retry-after.ts';
import { rng } from '../../../bench/lib/seeded.ts';

const RL: RateLimitPolicy = { defaultRetryAfterMs: 1000, maxRetryAfterMs: 10_000, maxRetries: 3 };
const POLL: BackoffPolicy = { initialMs: 500, multiplier: 2, maxMs: 4000, jitter: 0.5, deadlineMs: 60_000 };
const T0 = 1_700_000_000_000;

const v1 = (data: unknown) => JSON.stringify({ success: true, data, timestamp: 't' });

/** A job accepted at T0, ready to poll. */
function enqueued(): RenderJob {
  const job = newRenderJob('2d');
  assert.deepEqual(onEnqueueResponse(job, 202, '{"jobId":"j-1"}', T0, RL), { next: 'poll' });
  return job;
}

describe('newRenderJob', () => {
  it('starts with nothing done', () => {
    assert.deepEqual(newRenderJob('ar'), { type: 'ar', enqueueAttempts: 0, rateLimitedInARow: 0, reauthenticated: false, polls: 0 });
  });
});

describe('onEnqueueResponse', () => {
  it('takes the job id from renderId, jobId or id, including the v1 envelope', () => {
    const cases: [unknown, string][] = [
      [v1({ renderId: 'r-1', jobId: 'bull-7', queue: 'render-processing', state: 'waiting' }), 'r-1'],
      ['{"jobId":"j-2"}', 'j-2'],
      ['{"id":"i-3"}', 'i-3'],
      ['{"id":77}', '77'],
      [{ jobId: 'parsed' }, 'parsed'],
    ];
    for (const [body, id] of cases) {
      const job = newRenderJob('3d');
      assert.deepEqual(onEnqueueResponse(job, 202, body, T0, RL), { next: 'poll' });
      assert.equal(job.jobId, id);
      assert.equal(job.enqueuedAt, T0);
      assert.equal(job.outcome, undefined);
    }
    const job200 = newRenderJob('2d');
    assert.deepEqual(onEnqueueResponse(job200, 200, '{"jobId":"ok"}', T0, RL), { next: 'poll' });
  });

  it('retries after 429 up to maxRetries, then gives up as not_enqueued', () => {
    const job = newRenderJob('2d');
    for (let i = 1; i <= RL.maxRetries; i++) {
      assert.deepEqual(onEnqueueResponse(job, 429, '{}', T0 + i, RL), { next: 'retry', reason: 'rate_limited' });
      assert.equal(job.rateLimitedInARow, i);
    }
    const last = onEnqueueResponse(job, 429, '{}', T0 + 99, RL);
    assert.deepEqual(last, { next: 'done', outcome: 'not_enqueued', reason: 'rate_limit_give_up', detail: 'still 429 after 3 retries' });
    assert.equal(job.outcome, 'not_enqueued');
    assert.equal(job.finishedAt, T0 + 99);
    assert.equal(job.enqueueAttempts, RL.maxRetries + 1);
    assert.equal(job.jobId, undefined);
  });

  it('a success between 429s resets the streak', () => {
    const job = newRenderJob('2d');
    onEnqueueResponse(job, 429, '', T0, RL);
    onEnqueueResponse(job, 429, '', T0, RL);
    assert.deepEqual(onEnqueueResponse(job, 202, '{"jobId":"j"}', T0, RL), { next: 'poll' });
    assert.equal(job.rateLimitedInARow, 0);
    assert.equal(job.enqueueAttempts, 3);
  });

  it('maxRetries 0 gives up on the first 429', () => {
    const job = newRenderJob('2d');
    assert.equal(onEnqueueResponse(job, 429, '', T0, { ...RL, maxRetries: 0 }).next, 'done');
  });

  it('one 401 is retried after a fresh login; a second one fails', () => {
    const job = newRenderJob('2d');
    assert.deepEqual(onEnqueueResponse(job, 401, '{}', T0, RL), { next: 'retry', reason: 'unauthorized' });
    assert.equal(job.reauthenticated, true);
    assert.deepEqual(onEnqueueResponse(job, 401, '{}', T0 + 5, RL), { next: 'done', outcome: 'not_enqueued', reason: 'http_error', detail: 'HTTP 401' });
    assert.equal(job.outcome, 'not_enqueued');
  });

  it('after a successful enqueue the job gets its own 401 allowance for polling', () => {
    const job = newRenderJob('2d');
    onEnqueueResponse(job, 401, '{}', T0, RL);
    assert.deepEqual(onEnqueueResponse(job, 202, '{"jobId":"j"}', T0, RL), { next: 'poll' });
    assert.equal(job.reauthenticated, false);
  });

  it('any other non-2xx is not_enqueued with the status', () => {
    for (const status of [400, 403, 404, 500, 503, 302, 0]) {
      const job = newRenderJob('2d');
      assert.deepEqual(onEnqueueResponse(job, status, '{"jobId":"j"}', T0, RL), { next: 'done', outcome: 'not_enqueued', reason: 'http_error', detail: `HTTP ${status}` });
      assert.equal(job.jobId, undefined);
    }
  });

  it('a 2xx without a usable id is not_enqueued with the parse reason', () => {
    const cases: [unknown, string][] = [
      ['<html>ok</html>', 'non_json'],
      ['{"status":"queued"}', 'missing_field'],
      [v1(null), 'null_data'],
    ];
    for (const [body, reason] of cases) {
      const job = newRenderJob('2d');
      assert.deepEqual(onEnqueueResponse(job, 202, body, T0, RL), { next: 'done', outcome: 'not_enqueued', reason: 'bad_body', detail: reason });
      assert.equal(job.outcome, 'not_enqueued');
    }
  });
});

describe('onStatusResponse', () => {
  it('every outcome word of both dialects', () => {
    const cases: [unknown, 'succeeded' | 'failed' | 'running'][] = [
      ['{"status":"completed"}', 'succeeded'],
      ['{"status":"done"}', 'succeeded'],
      ['{"state":"completed"}', 'succeeded'],
      ['{"status":"failed"}', 'failed'],
      ['{"status":"error"}', 'failed'],
      ['{"state":"error"}', 'failed'],
      ['{"status":"queued"}', 'running'],
      ['{"state":"active"}', 'running'],
      [v1({ renderId: 'r', status: 'success', queueState: 'completed', url: 'https://cdn/x.png' }), 'succeeded'],
      [v1({ renderId: 'r', status: 'failed', queueState: 'failed', error: 'boom' }), 'failed'],
      [v1({ renderId: 'r', status: 'failed', queueState: 'completed' }), 'failed'],
      [v1({ renderId: 'r', status: 'processing', queueState: 'waiting' }), 'running'],
      [v1({ renderId: 'r', status: 'processing', queueState: 'prioritized' }), 'running'],
      [v1({ renderId: 'r', status: 'processing', queueState: 'active' }), 'running'],
      [v1({ renderId: 'r', status: 'processing', queueState: 'delayed' }), 'running'],
      [v1({ renderId: 'r', status: 'processing', queueState: 'unknown' }), 'running'],
    ];
    for (const [body, expected] of cases) {
      const job = enqueued();
      const step = onStatusResponse(job, 200, body, T0 + 1000, RL);
      if (expected === 'running') {
        assert.deepEqual(step, { next: 'poll' }, String(body));
        assert.equal(job.outcome, undefined);
      } else {
        assert.deepEqual(step, { next: 'done', outcome: expected }, String(body));
        assert.equal(job.outcome, expected);
        assert.equal(job.finishedAt, T0 + 1000);
      }
      assert.equal(job.polls, 1);
    }
  });

  it('transient trouble keeps polling: 5xx, non-JSON, unknown id (data: null), other 4xx', () => {
    const job = enqueued();
    for (const [status, body] of [
      [500, '{"status":"failed"}'],
      [502, '<html>Bad Gateway</html>'],
      [503, ''],
      [200, '<html>maintenance</html>'],
      [200, v1(null)],
      [404, '{}'],
    ] as [number, string][]) {
      assert.deepEqual(onStatusResponse(job, status, body, T0, RL), { next: 'poll' }, `${status} ${body}`);
    }
    assert.equal(job.outcome, undefined);
    assert.equal(job.polls, 6);
    assert.deepEqual(onStatusResponse(job, 200, '{"status":"done"}', T0, RL), { next: 'done', outcome: 'succeeded' });
  });

  it('a streak of 429s beyond maxRetries gives the job up as lost', () => {
    const job = enqueued();
    for (let i = 0; i < RL.maxRetries; i++) assert.deepEqual(onStatusResponse(job, 429, '', T0, RL), { next: 'poll' });
    assert.deepEqual(onStatusResponse(job, 429, '', T0 + 7, RL), { next: 'done', outcome: 'lost', reason: 'rate_limit_give_up' });
    assert.equal(job.outcome, 'lost');
    assert.equal(job.finishedAt, T0 + 7);
    // 429s are not polls: they do not push the backoff on
    assert.equal(job.polls, 0);
  });

  it('a real answer between 429s resets the streak', () => {
    const job = enqueued();
    for (let i = 0; i < 10; i++) {
      assert.equal(onStatusResponse(job, 429, '', T0, RL).next, 'poll');
      assert.equal(onStatusResponse(job, i % 2 ? 200 : 503, '{"status":"processing"}', T0, RL).next, 'poll');
    }
    assert.equal(job.outcome, undefined);
  });

  it('one 401 while polling is tolerated, two in a row lose the job', () => {
    const job = enqueued();
    assert.deepEqual(onStatusResponse(job, 401, '', T0, RL), { next: 'poll' });
    assert.deepEqual(onStatusResponse(job, 401, '', T0, RL), { next: 'done', outcome: 'lost', reason: 'unauthorized' });
    const again = enqueued();
    onStatusResponse(again, 401, '', T0, RL);
    onStatusResponse(again, 200, '{"status":"processing"}', T0, RL);
    assert.deepEqual(onStatusResponse(again, 401, '', T0, RL), { next: 'poll' });
  });
});

describe('nextPoll', () => {
  const fixed = () => 0;

  it('waits grow with each poll and are capped', () => {
    const job = enqueued();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const p = nextPoll(job, POLL, T0, fixed);
      assert.ok('delayMs' in p);
      delays.push(p.delayMs);
      onStatusResponse(job, 200, '{"status":"processing"}', T0, RL);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 4000, 4000, 4000]);
  });

  it('the last wait lands on the deadline', () => {
    const job = enqueued();
    for (let i = 0; i < 5; i++) onStatusResponse(job, 200, '{}', T0, RL);
    assert.deepEqual(nextPoll(job, POLL, T0 + POLL.deadlineMs - 1234, fixed), { delayMs: 1234 });
  });

  it('past the deadline the job is timed out', () => {
    const job = enqueued();
    assert.deepEqual(nextPoll(job, POLL, T0 + POLL.deadlineMs, fixed), { timedOut: true });
    assert.equal(job.outcome, 'timed_out');
    assert.equal(job.finishedAt, T0 + POLL.deadlineMs);
    const later = enqueued();
    assert.deepEqual(nextPoll(later, POLL, T0 + 10 * POLL.deadlineMs), { timedOut: true });
  });

  it('counts the deadline from the enqueue, not from the epoch', () => {
    const job = newRenderJob('2d');
    onEnqueueResponse(job, 202, '{"jobId":"j"}', T0 + 500_000, RL);
    assert.deepEqual(nextPoll(job, POLL, T0 + 500_000 + 100, fixed), { delayMs: 500 });
  });

  it('jitter shortens a wait by at most the jitter share', () => {
    const job = enqueued();
    const p = nextPoll(job, POLL, T0, () => 0.999);
    assert.ok('delayMs' in p && p.delayMs >= 250 && p.delayMs < 500);
  });
});

describe('pickRenderType', () => {
  it('follows the weights with a seeded random', () => {
    const random = rng(20260101);
    const counts: Record<RenderType, number> = { '2d': 0, '3d': 0, ar: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[pickRenderType({ '2d': 60, '3d': 30, ar: 10 }, random)]++;
    assert.ok(Math.abs(counts['2d'] / n - 0.6) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts['3d'] / n - 0.3) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts.ar / n - 0.1) < 0.02, JSON.stringify(counts));
  });

  it('maps the unit interval onto the weights in order', () => {
    const mix = { '2d': 60, '3d': 30, ar: 10 };
    assert.equal(pickRenderType(mix, () => 0), '2d');
    assert.equal(pickRenderType(mix, () => 0.5999), '2d');
    assert.equal(pickRenderType(mix, () => 0.6), '3d');
    assert.equal(pickRenderType(mix, () => 0.8999), '3d');
    assert.equal(pickRenderType(mix, () => 0.9), 'ar');
    assert.equal(pickRenderType(mix, () => 0.99999), 'ar');
  });

  it('never picks a zero or negative weight', () => {
    const random = rng(7);
    for (let i = 0; i < 2000; i++) assert.equal(pickRenderType({ '2d': 0, '3d': 5, ar: -3 }, random), '3d');
    assert.equal(pickRenderType({ '2d': 0, '3d': 5, ar: 0 }, () => 0), '3d');
    // a random() of exactly 1 (out of contract) still lands on the last weighted type
    assert.equal(pickRenderType({ '2d': 1, '3d': 1, ar: 0 }, () => 1), '3d');
  });

  it('an all-zero mix falls back to 2d', () => {
    assert.equal(pickRenderType({ '2d': 0, '3d': 0, ar: 0 }, () => 0.5), '2d');
  });
});

describe('renderInput', () => {
  it('takes the ids from the designs row and sizes the render by purpose', () => {
    const row = { designId: 'design-7', productId: 'product-3', brandId: 'brand-1', extra: 'ignored' };
    const load = renderInput(row, '3d', 'load');
    assert.deepEqual(
      { ...load, prompt: undefined },
      { type: '3d', designId: 'design-7', productId: 'product-3', brandId: 'brand-1', prompt: undefined, quality: 'standard', format: 'png', width: 1024, height: 1024 },
    );
    assert.match(load.prompt, /3d render of design design-7/);
    const contract = renderInput(row, '2d', 'contract');
    assert.equal(contract.quality, 'draft');
    assert.equal(contract.width, 256);
  });
});
