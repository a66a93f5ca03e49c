/**
 * Retry-After is a promise for the whole generator: after a 429, no request
 * from any worker thread or from the main thread (sampler, preflight) reaches
 * the target before it has passed. The sandbox counts every request that
 * arrives while its client (the generator's address) is told to wait.
 * Each case runs with 1 worker and with 3 (a preload makes os.cpus() say 4).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS } from '../../src/metric-names.ts';
import { counter, environmentsWith, loadRun, tail, TINY, withSandbox, workersEnv } from '../support/load-run.ts';

/** Each user has at most one request on its way: the 429s given to requests already in flight are bounded by the users. */
const PEAK_USERS = Math.max(...TINY.map((s) => s.target));

/** One 429 on the first enqueue of the load (the preflight's goes through), telling the generator's address to wait. */
const oneLongRetryAfter = (retryAfterSec: number) => ({
  faults: { force429: { rate: 1, count: 1, skip: 1, retryAfterSec, routes: ['render.enqueue' as const] } },
});

// A sandbox for each case: all three at once, so that the file takes the 52-s wait once.
describe('Retry-After across all threads of the generator', { concurrency: 3 }, () => {
  for (const workers of [1, 3] as const) {
    test(`Retry-After 30 s, beyond local's maxRetryAfterMs (10 s), ${workers} worker(s): the request gives up, counted; nothing goes early`, async () => {
      await withSandbox(oneLongRetryAfter(30), async (sb) => {
        const r = await loadRun({ scenario: 'render', sandbox: sb, env: workersEnv(workers) });
        const stats = sb.stats();
        // Requests already on their way when the 429 was given (within the sandbox's grace window) get 429 too;
        // a request sent after it would show as an early retry.
        assert.equal(stats.faults.forced429, 1, 'the one forced 429');
        assert.equal(stats.rateLimited.total, 1 + stats.rateLimited.inFlight, 'every other 429 went to a request already on its way');
        assert.equal(stats.earlyRetries.total, 0, `requests before Retry-After had passed: ${JSON.stringify(stats.earlyRetries.examples.slice(0, 5))}`);
        assert.ok(counter(r, METRICS.render.rateLimitGiveUps) >= 1, 'the 429 beyond the maximum was a give-up');
        assert.ok(counter(r, 'vusers.failed') >= 1, 'users that would have had to wait longer than allowed gave up too');
        assert.match(r.output, /rate-limited: Retry-After beyond maxRetryAfterMs, the request gave up/);
        assert.ok(stats.rateLimited.inFlight <= PEAK_USERS, `at most one request per user was on its way (${stats.rateLimited.inFlight})`);
        assert.equal(r.code, 3, `a run that gave up on the limiter is INVALID (rate limited), exit 3\n${tail(r)}`);
        assert.equal(r.results?.luneo.verdict.causes?.[0], 'rate_limited', r.results?.luneo.verdict.reasons.join('; '));
      });
    });
  }

  test('Retry-After 52 s within the maximum, 3 workers and the main-thread sampler (v1): nobody before it has passed, then the run goes on', async () => {
    const env = { ...workersEnv(3), LUNEO_ENVIRONMENTS_DIR: environmentsWith('rateLimit: { maxRetryAfterMs: 60000 }') };
    await withSandbox(oneLongRetryAfter(52), async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', env, timeoutMs: 150_000 });
      const stats = sb.stats();
      assert.equal(stats.faults.forced429, 1, 'the one forced 429');
      assert.equal(stats.earlyRetries.total, 0, `requests before Retry-After had passed: ${JSON.stringify(stats.earlyRetries.examples.slice(0, 5))}`);
      assert.equal(stats.rateLimited.total, 1 + stats.rateLimited.inFlight, 'no burst of 429s after the wait: every other 429 went to a request already on its way');
      assert.ok(stats.rateLimited.inFlight <= PEAK_USERS, `at most one request per user was on its way (${stats.rateLimited.inFlight})`);
      assert.equal(counter(r, METRICS.render.rateLimitGiveUps), 0, 'within the maximum, nobody gave up');
      // 52 s of a 25-s profile at the gate: the limiter held the load, and the verdict names it.
      assert.equal(r.code, 3, tail(r));
      assert.equal(r.results?.luneo.verdict.causes?.[0], 'rate_limited', r.results?.luneo.verdict.reasons.join('; '));
      assert.ok(counter(r, METRICS.render.jobsSucceeded) >= 1, 'the load went on after the wait');
      assert.ok((stats.requests.byRoute.metrics?.['200'] ?? 0) >= 1, 'the sampler ran');
      // 6 users split over 3 workers: no worker ever held more than its share (one worker would hold all 6).
      // luneo_concurrent_users is sampled per worker, so its maximum is the most one worker held at once.
      const perWorkerPeak = r.results?.aggregate.summaries[METRICS.load.concurrentUsers]?.max ?? 6;
      assert.ok(perWorkerPeak <= 3, `peak users on one worker: ${perWorkerPeak}`);
    });
  });
});
