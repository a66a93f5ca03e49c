import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ORIGIN, SHOP, admin, bearer, call, sleep, useSandbox, v1Login } from './helpers.ts';

describe('fixed-window limiter and early-retry recording', () => {
  const s = useSandbox({ apiKeys: ['key-a', 'key-b'], rateLimit: { limit: 3, windowSec: 1, scope: 'all' }, earlyRetryGraceMs: 100 });
  const status = (key: string): Promise<Awaited<ReturnType<typeof call>>> => call(`${s.sb.apiUrl}/api/jobs/job-404/status`, { headers: bearer(key) });

  test('headers on every limited response, then 429 with Retry-After and both header families', async () => {
    for (const remaining of [2, 1, 0]) {
      const r = await status('key-a');
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('x-ratelimit-limit'), '3');
      assert.equal(r.headers.get('x-ratelimit-remaining'), String(remaining));
      const reset = Number(r.headers.get('x-ratelimit-reset'));
      assert.ok(reset >= Date.now() / 1000 && reset <= Date.now() / 1000 + 2, 'epoch seconds of the window end');
    }
    const limited = await status('key-a');
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('ratelimit-limit'), '3');
    assert.equal(limited.headers.get('ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('ratelimit-reset'), '1');
    assert.ok(Number(limited.headers.get('x-ratelimit-reset')) >= Math.floor(Date.now() / 1000));
  });

  test('clients are limited separately, and one that waits for Retry-After is not recorded', async () => {
    const before = s.sb.stats();
    let last;
    for (let i = 0; i < 4; i++) last = await status('key-b');
    assert.equal(last!.status, 429);
    const waitMs = Number(last!.headers.get('retry-after')) * 1000;
    await sleep(waitMs);
    const after = await status('key-b');
    assert.equal(after.status, 404, 'a new window');
    const st = s.sb.stats();
    assert.deepEqual(Object.keys(st.earlyRetries.perClient), Object.keys(before.earlyRetries.perClient), 'key-b waited: no early retry recorded for it');
    assert.equal(st.earlyRetries.total, before.earlyRetries.total);
    assert.ok(st.rateLimited.total >= before.rateLimited.total + 1);
    assert.equal(st.rateLimited.perRoute['render.status'], st.rateLimited.total);
  });

  test('health, metrics and admin are never limited', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await admin(s.sb, 'stats')).status, 200);
    assert.equal((await call(`${s.sb.apiUrl}/metrics`)).headers.get('x-ratelimit-limit'), null);
  });
});

describe('the in-flight grace window', () => {
  // One request per 10-s window and 2 s of grace: the timings below have seconds to spare on any machine.
  const s = useSandbox({ apiKeys: ['key-g'], rateLimit: { limit: 1, windowSec: 10, scope: 'all' }, earlyRetryGraceMs: 2000 });
  const status = (): Promise<Awaited<ReturnType<typeof call>>> => call(`${s.sb.apiUrl}/api/jobs/job-404/status`, { headers: bearer('key-g') });

  test('a request within the grace window is refused but not counted; a later one is an early retry', async () => {
    assert.equal((await status()).status, 404);
    const limited = await status();
    assert.equal(limited.status, 429, 'the second request of the window');
    const inFlight = await status();
    assert.equal(inFlight.status, 429);
    assert.equal(s.sb.stats().earlyRetries.total, 0, 'within earlyRetryGraceMs of the 429');
    assert.equal(s.sb.stats().rateLimited.inFlight, 1, 'counted as a request already on its way');
    await sleep(2100);
    const early = await status();
    assert.equal(early.status, 429, 'still within the window');
    assert.ok(Number(early.headers.get('retry-after')) >= 1);
    const st = s.sb.stats();
    assert.equal(st.earlyRetries.total, 1);
    assert.equal(st.rateLimited.inFlight, 1, 'an early retry is not one on its way');
    assert.equal(st.earlyRetries.perRoute['render.status'], 1);
    const [example] = st.earlyRetries.examples;
    assert.equal(example!.route, 'render.status');
    assert.ok(example!.msEarly > 0 && example!.msEarly < 10_000);
    assert.match(example!.client, /^key:[0-9a-f]{10}$/);
    assert.ok(!JSON.stringify(st.earlyRetries).includes('key-g'), 'never the full key');
  });
});

describe('embed-scope limiter, v1 body', () => {
  const s = useSandbox({ rateLimit: { limit: 2, windowSec: 60, scope: 'embed' }, activeShops: [SHOP] });

  test('only embed routes are limited; the 429 is a v1 ThrottlerException envelope', async () => {
    const { accessToken } = await v1Login(s.sb);
    const other = await call(`${s.sb.apiUrl}/api/v1/render/render-1`, { headers: bearer(accessToken) });
    assert.equal(other.headers.get('x-ratelimit-limit'), null);
    const token = (): Promise<Awaited<ReturnType<typeof call>>> =>
      call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`, { headers: { ...bearer(accessToken), origin: ORIGIN } });
    assert.equal((await token()).status, 200);
    assert.equal((await token()).status, 200);
    const limited = await token();
    assert.equal(limited.status, 429);
    assert.equal(limited.json.success, false);
    assert.equal(limited.json.statusCode, 429);
    assert.equal(limited.json.message, 'ThrottlerException: Too Many Requests');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 59 && retryAfter <= 60);
  });

  test('admin reset clears windows and blocks', async () => {
    assert.equal((await admin(s.sb, 'reset', 'POST')).status, 200);
    const { accessToken } = await v1Login(s.sb);
    const r = await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`, { headers: bearer(accessToken) });
    assert.equal(r.status, 200);
    assert.equal(s.sb.stats().rateLimited.total, 0);
  });
});

describe('forced 429s', () => {
  const s = useSandbox({ faults: { force429: { rate: 1, routes: ['embed.token'], retryAfterSec: 2, retryAfterFormat: 'http-date' } } });

  test('http-date Retry-After on the chosen route only', async () => {
    const r = await call(`${s.sb.apiUrl}/api/embed/token?shop=${SHOP}`);
    assert.equal(r.status, 429);
    const header = r.headers.get('retry-after')!;
    assert.match(header, /GMT$/);
    const waitMs = Date.parse(header) - Date.now();
    assert.ok(waitMs > 1000 && waitMs <= 3000, `${waitMs} ms`);
    assert.equal(s.sb.stats().faults.forced429, 1);
    // Another client (the render API key) on another route is untouched.
    const other = await call(`${s.sb.apiUrl}/api/jobs/job-1/status`, { headers: bearer('sandbox-api-key') });
    assert.equal(other.status, 404);
  });

  test('seconds format and the default route set, switched at run time', async () => {
    const patched = await admin(s.sb, 'faults', 'PATCH', { force429: { rate: 1, retryAfterSec: 3 } });
    assert.equal(patched.status, 200);
    const r = await call(`${s.sb.apiUrl}/api/jobs/job-1/status`, { headers: bearer('sandbox-api-key') });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '3');
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200, 'health is not an API route for forced 429s');
    await admin(s.sb, 'faults', 'PATCH', { force429: null });
  });
});
