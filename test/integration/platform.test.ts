/**
 * The platform as its real code behaves (api-contract.md, last section),
 * played by the sandbox: the preflight walks the flow once and refuses a
 * run that cannot work (exit 2, one line per failed step, almost nothing
 * sent); the target's announced rate limits refuse a run that would
 * measure the limiter; deployments that differ (mainline) are settings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS } from '../../src/metric-names.ts';
import { prepareRun } from '../../src/before/setup.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import { counter, environmentsWith, loadRun, tail, withSandbox, workersEnv } from '../support/load-run.ts';
import type { Sandbox } from '../../sandbox/index.ts';

function assertRefused(r: { code: number | null; output: string }, ...patterns: RegExp[]): void {
  assert.equal(r.code, 2, r.output.slice(-3000));
  for (const p of patterns) assert.match(r.output, p);
  assert.doesNotMatch(r.output, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  assert.doesNotMatch(r.output, /Phase started/, 'no load started');
}

const seen = (sb: Sandbox, route: string): number => Object.values(sb.stats().requests.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('preflight: one walk of the flow before any load', { concurrency: 2 }, () => {
  test('a deployment without a validate route: a single validation request, exit 2 naming the route and its answer', async () => {
    await withSandbox({ platform: { noValidateRoute: true } }, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', stages: null });
      assertRefused(r, new RegExp(`\\n  POST ${escape(sb.apiUrl)}/api/v1/embed/validate → 404 Cannot POST /api/v1/embed/validate\\n`), /preflight: one visitor walked the embed flow/);
      assert.equal(seen(sb, 'embed.validate'), 1, 'one validation request, not a profile of them');
      assert.equal(seen(sb, 'embed.token'), 1);
      assert.ok(sb.stats().requests.total <= 5, `${sb.stats().requests.total} requests`);
      // The widget document's URL carries the embed token: never printed.
      assert.doesNotMatch(r.output, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
    });
  });

  test('an auth failure on a step: exit 2 with method, URL, status and the body’s message; nothing more sent', async () => {
    await withSandbox({ apiKeys: ['the-real-key'] }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, environment: 'staging', stages: null, env: { API_KEY: 'sk-wrong-key-1234', LUNEO_DIALECT: 'seed' } });
      assertRefused(r, new RegExp(`POST ${escape(sb.apiUrl)}/api/designs/design-1/render → 401 Invalid API key`));
      assert.equal(seen(sb, 'render.enqueue'), 1);
      assert.equal(seen(sb, 'render.status'), 0);
      assert.ok(!r.output.includes('sk-wrong-key-1234'));
    });
  });

  test('a server error that persists: a few attempts, then exit 2 naming the step', async () => {
    await withSandbox({ faults: { errors: { 'render.status': 1 } } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, stages: null });
      assertRefused(r, new RegExp(`GET ${escape(sb.apiUrl)}/api/jobs/job-1/status → 50[023] Injected fault: 50[023]`));
      assert.equal(seen(sb, 'render.status'), 3, 'three attempts at a transient error, then it stops');
      assert.equal(seen(sb, 'render.enqueue'), 1);
    });
  });

  test('seed needs no /health; v1 sends the user token to health (no health route is public) and to metrics', async () => {
    await withSandbox({ platform: { healthRequiresUser: true } }, async (sb) => {
      const seed = await loadRun({ scenario: 'embed', sandbox: sb });
      assert.equal(seed.code, 0, tail(seed));
      assert.equal(seen(sb, 'health'), 0, 'the seed dialect never asked for /health');
      sb.reset();
      const v1 = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1' });
      assert.equal(v1.code, 0, tail(v1));
      const health = sb.stats().requests.byRoute.health ?? {};
      const metrics = sb.stats().requests.byRoute.metrics ?? {};
      assert.ok((health['200'] ?? 0) >= 1, JSON.stringify(health));
      assert.equal(health['401'], undefined, 'health was always asked with the user token');
      assert.ok((metrics['200'] ?? 0) >= 1, `the sampler read the metrics with the token: ${JSON.stringify(metrics)}`);
      assert.equal(metrics['401'], undefined);
    });
  });
});

describe('rate limits known before the load', { concurrency: 2 }, () => {
  test('the development limiter (ThrottlerGuard, 100 per 60 s on the token route) against the local profile: exit 2, what to change', async () => {
    await withSandbox({ rateLimit: { limit: 100, windowSec: 60, style: 'throttler' } }, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', stages: null });
      assertRefused(
        r,
        /rate limits: this run would measure the platform's rate limiter/,
        /limits GET \/api\/v1\/embed\/token to 100 requests per 60 s per client address \(X-RateLimit-Limit: 100, window assumed 60 s\)/,
        /would be rate-limited within its first minute/,
        /RATE_LIMIT_LIMIT to at least [\d,]+ per RATE_LIMIT_TTL of 60 s/,
        /allow-listing the generators at a WAF does not bypass them/,
        /LUNEO_ACCEPT_RATE_LIMIT=1/,
      );
      assert.ok(sb.stats().requests.total <= 5, `only the preflight was sent: ${sb.stats().requests.total}`);
      assert.equal(sb.stats().rateLimited.total, 0);
    });
  });

  test('accepted explicitly, the limited run goes ahead: the 429s are honoured (no early retry) and counted, and the verdict is INVALID (rate limited), never PASS', async () => {
    await withSandbox({ rateLimit: { limit: 10, windowSec: 60, style: 'throttler' } }, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', env: { LUNEO_ACCEPT_RATE_LIMIT: '1' } });
      // Accepting the limiter lets the run start; it does not make its numbers measure the platform.
      assert.equal(r.code, EXIT.invalid, tail(r));
      assert.ok(r.results?.luneo.verdict.causes?.includes('rate_limited'), r.results?.luneo.verdict.reasons.join('; '));
      assert.match(r.output, /accepted with LUNEO_ACCEPT_RATE_LIMIT=1/);
      assert.match(r.output, /Phase started/);
      const stats = sb.stats();
      assert.ok(stats.rateLimited.total > 0, 'the limiter answered 429');
      assert.equal(stats.earlyRetries.total, 0, JSON.stringify(stats.earlyRetries.examples.slice(0, 3)));
      assert.ok(counter(r, METRICS.requests.rateLimited) > 0);
    });
  });

  test('the production limiter (express-rate-limit on every path) and its slow-down: exit 2 naming both', async () => {
    await withSandbox({ rateLimit: { limit: 100, windowSec: 60, style: 'express', slowDown: true } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', stages: null });
      assertRefused(
        r,
        /limits every path of 127\.0\.0\.1:\d+ together to 100 requests per 60 s per client address \(RateLimit-Policy: 100;w=60\)/,
        /express-slow-down runs too: \+500 ms on every request after the 100th in 15 minutes per address, hard-coded/,
        /remove express-slow-down, then say so with api\.slowDownRemoved: true/,
      );
      assert.ok(sb.stats().requests.total <= 5);
    });
  });

  test('raising the limit does not remove the slow-down: still refused, for the slow-down alone', async () => {
    await withSandbox({ rateLimit: { limit: 100_000, windowSec: 60, style: 'express', slowDown: true } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', stages: null });
      assertRefused(r, /express-slow-down runs too/);
      assert.doesNotMatch(r.output, /RATE_LIMIT_LIMIT to at least/);
    });
  });
});

describe('deployments that differ are configuration', { concurrency: 2 }, () => {
  const MAINLINE = 'DIALECT: v1\napi:\n  tokensFrom: cookie\n  syncRender: true\n  routes:\n    renderStatus: /api/v1/render/status/{id}';
  // A synchronous render's latency is the render itself: quick 2D renders keep the enqueue thresholds in reach.
  const QUICK_2D = 'render:\n  mix: { 2d: 1, 3d: 0, ar: 0 }';
  // 10-50 ms renders, one render worker per user: the enqueue p95 (< 500 ms) keeps a margin for a generator
  // that a busy runner stalls for 300 ms (seen with 20-100 ms renders queued behind 4 workers: p95 539 ms).
  const SYNC_RENDERS = { timeFactor: 0.02, synchronous: true, workerConcurrency: 16, processingMs: { '2d': [500, 2500] as [number, number] } };

  test('mainline (tokens only in cookies, synchronous renders): finished on enqueue, no polling, counted with its latency', async () => {
    await withSandbox({ platform: { loginTokens: 'cookie' }, render: SYNC_RENDERS }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', env: { LUNEO_ENVIRONMENTS_DIR: environmentsWith(MAINLINE, QUICK_2D) } });
      assert.equal(r.code, 0, tail(r));
      const M = METRICS.render;
      assert.ok(counter(r, M.jobsSucceeded) >= 6);
      assert.equal(counter(r, M.jobsSucceeded), counter(r, M.jobsEnqueued));
      assert.equal(r.results?.aggregate.summaries[M.jobProcessingMs]?.count, counter(r, M.jobsSucceeded), 'each render counted with its latency');
      assert.equal(seen(sb, 'render.status'), 0, 'nothing polled');
      assert.ok(seen(sb, 'auth.login') >= 1);
    });
  });

  test('a deployment that answers tokens only in cookies, with an environment that expects them in the body: exit 2 saying which setting', async () => {
    await withSandbox({ platform: { loginTokens: 'cookie' } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', stages: null });
      assertRefused(r, /login failed: .*answered without accessToken\/refreshToken \(if this deployment puts them only in cookies, set api\.tokensFrom: cookie\)/);
    });
  });
});

describe('logins at scale', { concurrency: 2 }, () => {
  test('three worker threads renewing a short-lived token (same-second logins answer 500, refresh rotates strictly): no user fails', async () => {
    await withSandbox({ accessTokenTtlSec: 2, platform: { concurrentLogin500: true, strictRefreshRotation: true } }, async (sb) => {
      const r = await loadRun({ scenario: 'render', sandbox: sb, dialect: 'v1', env: workersEnv(3) });
      assert.equal(r.code, 0, tail(r));
      assert.equal(counter(r, METRICS.auth.failures), 0);
      assert.equal(counter(r, 'vusers.failed'), 0);
      assert.ok(counter(r, METRICS.auth.logins) >= 3, 'each worker logged in on its own rather than spend the shared refresh token');
      assert.equal(sb.stats().auth.unauthorized, 0, 'no rotated-away refresh token was used, no expired token sent');
    });
  });

  test('three generators logging in at once (same-second logins answer 500): all get in, by jittered retries', async () => {
    await withSandbox({ platform: { concurrentLogin500: true } }, async (sb) => {
      const dir = environmentsWith();
      const env = { BASE_URL: sb.apiUrl, WIDGET_URL: sb.widgetUrl, LUNEO_DIALECT: 'v1', LUNEO_ENVIRONMENTS_DIR: dir };
      const plans = await Promise.all(
        [1, 2, 3].map(() =>
          prepareRun({ scenario: 'contract', environment: 'local', scenarioFile: `${import.meta.dirname}/../../scenarios/contract.yml`, profileName: 'x', stagesText: '1:1', env, warn: () => {} }),
        ),
      );
      assert.equal(plans.filter((p) => p.session !== undefined).length, 3);
      const stats = sb.stats();
      assert.equal(stats.auth.logins, 3);
      assert.ok(stats.auth.concurrentLogin500 >= 1, 'the collisions did happen');
    });
  });
});
