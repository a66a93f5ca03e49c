/**
 * The platform's real behaviours, as sandbox options (api-contract.md,
 * "What the platform's real code does"): each one answers as the real
 * code was seen to answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMAIL, ORIGIN, PASSWORD, SHOP, admin, bearer, call, useSandbox, v1Login } from './helpers.ts';

const login = { email: EMAIL, password: PASSWORD };
const v1Token = (url: string, token: string) => call(`${url}/api/v1/embed/token?shop=${SHOP}`, { headers: { ...bearer(token), origin: ORIGIN } });

describe('platform: health and metrics need the user token', () => {
  const s = useSandbox({ platform: { healthRequiresUser: true } });
  test('401 without, 200 with; the seed routes stay as they were', async () => {
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/health`)).status, 401);
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/metrics`)).status, 401);
    const { accessToken } = await v1Login(s.sb);
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/health`, { headers: bearer(accessToken) })).status, 200);
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/metrics`, { headers: bearer(accessToken) })).status, 200);
  });
});

describe('platform: no validate route', () => {
  const s = useSandbox({ platform: { noValidateRoute: true } });
  test('404 Cannot POST, counted under embed.validate', async () => {
    const r = await call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: { nonce: 'x' } });
    assert.equal(r.status, 404);
    assert.equal(r.json.message, 'Cannot POST /api/v1/embed/validate');
    assert.equal(s.sb.stats().requests.byRoute['embed.validate']?.['404'], 1);
  });
});

describe('platform: tokens only in cookies (mainline)', () => {
  const s = useSandbox({ platform: { loginTokens: 'cookie' } });
  test('login answers {user, success} and Set-Cookie; refresh reads the cookie', async () => {
    const r = await call(`${s.sb.apiUrl}/api/v1/auth/login`, { body: login });
    assert.equal(r.status, 200);
    assert.equal(r.json.success, true);
    assert.equal(r.json.data, undefined, 'no tokens in the body');
    assert.ok(r.json.user);
    const cookies = r.headers.getSetCookie();
    assert.ok(cookies.some((c) => /^accessToken=eyJ[^;]+; Path=\/; HttpOnly/.test(c)));
    const refresh = cookies.find((c) => c.startsWith('refreshToken='))!.split(';')[0]!;
    const again = await call(`${s.sb.apiUrl}/api/v1/auth/refresh`, { body: {}, headers: { cookie: refresh } });
    assert.equal(again.status, 200, again.text);
    assert.ok(again.headers.getSetCookie().some((c) => c.startsWith('accessToken=')));
  });
});

describe('platform: same-second logins of one user', () => {
  const s = useSandbox({ platform: { concurrentLogin500: true } });
  test('the second and third answer 500', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => call(`${s.sb.apiUrl}/api/v1/auth/login`, { body: login })));
    const statuses = answers.map((a) => a.status).sort();
    // All three normally land in one second; should the second turn over between them, one more gets in.
    assert.ok(statuses.filter((x) => x === 500).length >= 1, statuses.join());
    assert.ok(statuses.includes(200));
    assert.equal(s.sb.stats().auth.concurrentLogin500, statuses.filter((x) => x === 500).length);
  });
});

describe('platform: strict refresh rotation', () => {
  const s = useSandbox({ platform: { strictRefreshRotation: true } });
  test('reusing the old refresh token answers 401 Invalid refresh token', async () => {
    const { refreshToken } = await v1Login(s.sb);
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/auth/refresh`, { body: { refreshToken } })).status, 200);
    const reuse = await call(`${s.sb.apiUrl}/api/v1/auth/refresh`, { body: { refreshToken } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.json.message, 'Invalid refresh token');
  });
});

describe('platform: synchronous renders, status at /render/status/:id, prioritized backlog', () => {
  const s = useSandbox({ render: { timeFactor: 0.001, synchronous: true, prioritized: true } });
  test('render/2d answers 200 with the finished render', async () => {
    const { accessToken } = await v1Login(s.sb);
    const r = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { body: { productId: 'p', brandId: 'b', options: { width: 8, height: 8 } }, headers: bearer(accessToken) });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.status, 'success');
    assert.match(r.json.data.url, /\.png$/);
    const st = await call(`${s.sb.apiUrl}/api/v1/render/status/${r.json.data.renderId}`, { headers: bearer(accessToken) });
    assert.equal(st.json.data.status, 'success');
  });
});

describe('platform: prioritized backlog', () => {
  const s = useSandbox({ render: { timeFactor: 1, workerConcurrency: 1, prioritized: true } });
  test('queued jobs sit in prioritized, never waiting: enqueue answer, status, metrics and stats', async () => {
    const { accessToken } = await v1Login(s.sb);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { body: { productId: 'p', brandId: 'b', options: { width: 8, height: 8 } }, headers: bearer(accessToken) });
      assert.equal(r.json.data.state, 'prioritized');
      assert.equal(r.json.data.priority, 'normal');
      ids.push(r.json.data.renderId);
    }
    const last = await call(`${s.sb.apiUrl}/api/v1/render/${ids[2]}`, { headers: bearer(accessToken) });
    assert.equal(last.json.data.queueState, 'prioritized');
    const text = (await call(`${s.sb.apiUrl}/api/v1/metrics`)).text;
    assert.match(text, /bullmq_queue_jobs_total\{queue="render-processing",state="waiting"\} 0\n/);
    assert.match(text, /bullmq_queue_jobs_total\{queue="render-processing",state="prioritized"\} 2\n/);
    assert.equal(s.sb.stats().render.prioritized, 2);
  });
});

describe('platform: the development limiter (ThrottlerGuard)', () => {
  const s = useSandbox({ rateLimit: { limit: 2, windowSec: 60, style: 'throttler' } });
  test('embed token route only: X-RateLimit-* when passing, only Retry-After on the 429, envelope body; 401 before 429', async () => {
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`)).status, 401, 'the guard runs before the throttler');
    const { accessToken } = await v1Login(s.sb);
    const first = await v1Token(s.sb.apiUrl, accessToken);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-limit'), '2');
    assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
    assert.equal(first.headers.get('x-ratelimit-reset'), '60');
    assert.equal(first.headers.get('ratelimit-policy'), null);
    await v1Token(s.sb.apiUrl, accessToken);
    const limited = await v1Token(s.sb.apiUrl, accessToken);
    assert.equal(limited.status, 429);
    assert.equal(limited.json.message, 'ThrottlerException: Too Many Requests');
    assert.equal(limited.json.success, false);
    assert.ok(Number(limited.headers.get('retry-after')) >= 59);
    assert.equal(limited.headers.get('x-ratelimit-limit'), null, 'a 429 carries only Retry-After');
    // Other routes are not limited in development.
    assert.equal((await call(`${s.sb.apiUrl}/api/v1/health`)).status, 200);
  });
});

describe('platform: the production limiter (express-rate-limit) and slow-down', () => {
  const s = useSandbox({ rateLimit: { limit: 3, windowSec: 60, style: 'express', slowDown: true } });
  test('every path, RateLimit-Policy and RateLimit-* on each answer, its own 429 body', async () => {
    const h = await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('ratelimit-policy'), '3;w=60');
    assert.equal(h.headers.get('ratelimit-remaining'), '2');
    await call(`${s.sb.apiUrl}/api/v1/auth/login`, { body: login });
    await call(`${s.sb.apiUrl}/api/v1/metrics`);
    const limited = await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, { error: 'Too many requests from this IP, please try again later.', statusCode: 429 });
    assert.ok(Number(limited.headers.get('retry-after')) >= 59);
    assert.equal(limited.headers.get('ratelimit-policy'), '3;w=60');
  });
});

describe('platform: production slow-down', () => {
  const s = useSandbox({ rateLimit: { limit: 100_000, windowSec: 60, style: 'express', slowDown: true } });
  test('the 101st request in 15 minutes is held 500 ms, and counted', async () => {
    for (let i = 0; i < 100; i++) await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(s.sb.stats().slowedDown, 0);
    await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(s.sb.stats().slowedDown, 1);
  });
});

describe('force429 skip and count', () => {
  const s = useSandbox({ clientIdentity: 'address', faults: { force429: { rate: 1, skip: 1, count: 1, retryAfterSec: 1, routes: ['health'] } } });
  test('lets the first through, forces one, then no more', async () => {
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200);
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 429);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200);
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200);
    assert.equal((await admin(s.sb, 'stats')).json.rateLimited.total, 1);
  });
});
