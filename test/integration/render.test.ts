/**
 * The render scenario against the real sandbox: a healthy pipeline passes
 * in both dialects; failing jobs, 429s, slow jobs, expiring tokens and a
 * missing key each do what the package promises.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS } from '../../src/metric-names.ts';
import { counter, environmentsWith, failedChecks, loadRun, PREFLIGHT_WALK, QUICK_RENDERS, tail, withSandbox, WORKERS_LABEL } from '../support/load-run.ts';

const M = METRICS.render;
const COMPLETION = 'luneo_render_jobs_succeeded / luneo_render_jobs_enqueued > 0.9';

// Each test has its own sandbox and results: two at a time, so that the longest file of the suite is not its tail.
describe(`render scenario against the sandbox${WORKERS_LABEL}`, { concurrency: 2 }, () => {
  for (const dialect of ['seed', 'v1'] as const) {
    test(`healthy sandbox, dialect ${dialect}: every check passes, exit 0`, async () => {
      await withSandbox({}, async (sb) => {
        const r = await loadRun({ scenario: 'render', sandbox: sb, dialect });
        assert.equal(r.code, 0, tail(r));
        assert.deepEqual(failedChecks(r), []);
        assert.ok((r.results?.luneo.checks.length ?? 0) >= 7);
        assert.ok(counter(r, M.jobsSucceeded) >= 6, 'renders completed');
        assert.equal(counter(r, M.jobsSucceeded), counter(r, M.jobsEnqueued), 'every enqueued job was followed to success');
        assert.ok((r.results?.aggregate.summaries[M.jobProcessingMs]?.count ?? 0) > 0, 'processing time recorded');
        assert.ok((r.results?.aggregate.summaries[M.pollsPerJob]?.count ?? 0) > 0, 'polls per job recorded');
        assert.equal(sb.stats().render.enqueued, counter(r, M.jobsEnqueued) + PREFLIGHT_WALK.enqueues, 'the sandbox saw every enqueue, and the preflight\'s');
        if (dialect === 'v1') assert.ok(sb.stats().requests.byRoute['auth.login'], 'v1 logged in');
      });
    });
  }

  test('a job failure rate of 20 % fails the completion check', async () => {
    // Every 5th job fails: the completion is 80 % however few jobs a busy machine gets through (at random, 54 jobs once came to 91 %).
    await withSandbox({ faults: { jobs: { failEvery: 5, slow: null } } }, async (sb) => {
      const r = await loadRun({
        scenario: 'render',
        sandbox: sb,
        stages: [{ duration: 2, target: 10 }, { duration: 6, target: 10 }, { duration: 1, target: 0 }],
        env: { LUNEO_ENVIRONMENTS_DIR: environmentsWith(QUICK_RENDERS) },
      });
      assert.equal(r.code, 1, tail(r));
      assert.ok(counter(r, M.jobsFailed) > 0);
      assert.equal(counter(r, M.jobsFailed), sb.stats().render.failed, 'every job the sandbox failed was counted (the preflight\'s, the 1st, succeeds)');
      assert.ok(failedChecks(r).includes(COMPLETION), failedChecks(r).join(', '));
    });
  });

  test('forced 429s are honoured by every worker: no early retries, counted, and the run is INVALID (rate limited), not failed', async () => {
    // skip: the preflight's enqueue and status go through, so every 429 is one the run counts.
    const faults = { force429: { rate: 0.15, retryAfterSec: 1, skip: 2 } };
    await withSandbox({ faults }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb });
      assert.equal(r.code, 3, tail(r));
      // Users held at the gate may also leave the hold short: the headline still names the limiter, the root cause.
      assert.equal(r.results?.luneo.verdict.causes?.[0], 'rate_limited', r.results?.luneo.verdict.reasons.join('; '));
      assert.deepEqual(failedChecks(r), [], 'a 429 fails no threshold: it is the limiter, not the platform');
      assert.match(r.output, /INVALID \(rate limited\)/);
      const stats = sb.stats();
      assert.ok(stats.rateLimited.total > 0, 'the sandbox did answer 429');
      assert.equal(stats.earlyRetries.total, 0, `early retries: ${JSON.stringify(stats.earlyRetries.examples.slice(0, 3))}`);
      assert.equal(counter(r, METRICS.requests.rateLimited), stats.rateLimited.total, 'every 429 was counted');
      assert.equal(stats.rateLimited.total, stats.faults.forced429 + stats.rateLimited.inFlight, 'the forced ones and those given to requests already on their way');
      assert.ok(stats.rateLimited.inFlight <= stats.faults.forced429 * 6, `at most one request per user on its way at each 429 (${stats.rateLimited.inFlight})`);
      assert.ok(counter(r, M.rateLimited) > 0);
      assert.equal(counter(r, METRICS.requests.failed), 0, 'a 429 is not an error of the system under test');
    });
  });

  test('429 with an HTTP-date Retry-After is honoured too', async () => {
    const faults = { force429: { rate: 0.15, retryAfterSec: 2, retryAfterFormat: 'http-date' as const, skip: 3 } };
    await withSandbox({ faults }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1' });
      assert.equal(r.code, 3, tail(r));
      assert.equal(r.results?.luneo.verdict.causes?.[0], 'rate_limited', r.results?.luneo.verdict.reasons.join('; '));
      const stats = sb.stats();
      assert.ok(stats.rateLimited.total > 0);
      // v1 logs in (and workers renew) through the same limiter: those 429s are the session's, not the load's requests.
      const auth = (stats.rateLimited.perRoute['auth.login'] ?? 0) + (stats.rateLimited.perRoute['auth.refresh'] ?? 0);
      assert.equal(counter(r, METRICS.requests.rateLimited), stats.rateLimited.total - auth, 'every 429 to a load request was counted');
      assert.equal(stats.earlyRetries.total, 0);
    });
  });

  test('slow jobs past the deadline count as timed out', async () => {
    const envDir = environmentsWith('render:\n  poll:\n    deadlineMs: 1500');
    await withSandbox({ faults: { jobs: { failureRate: 0, slow: { fraction: 1, factor: 50 } } } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, env: { LUNEO_ENVIRONMENTS_DIR: envDir } });
      assert.equal(r.code, 1, tail(r));
      assert.ok(counter(r, M.jobsTimedOut) > 0, 'timed-out jobs counted');
      assert.equal(counter(r, M.jobsSucceeded), 0);
      assert.ok(failedChecks(r).includes(COMPLETION));
    });
  });

  test('an expiring v1 access token is refreshed without failing users', async () => {
    await withSandbox({ accessTokenTtlSec: 2 }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1' });
      assert.equal(r.code, 0, tail(r));
      assert.ok(counter(r, METRICS.auth.refreshes) > 0, 'the session refreshed');
      assert.equal(counter(r, 'vusers.failed'), 0);
      assert.equal(sb.stats().auth.unauthorized, 0, 'no request went out with an expired token');
    });
  });

  test('a missing API key for a non-local environment stops the run before any load, exit 2', async () => {
    await withSandbox({}, async (sb) => {
      // staging, pointed at the sandbox so that nothing could ever leave this machine
      const r = await loadRun({ scenario: 'render', sandbox: sb, environment: 'staging', stages: null, env: { API_KEY: '', LUNEO_DIALECT: 'seed' } });
      assert.equal(r.code, 2, tail(r));
      assert.match(r.output, /API_KEY is not set/);
      assert.equal(sb.stats().requests.total, 0, 'no request reached the target');
    });
  });
});
