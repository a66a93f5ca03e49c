import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMAIL, PASSWORD, SHOP, bearer, call, sleep, useSandbox, v1Login } from './helpers.ts';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('v1 auth', () => {
  const s = useSandbox({ accessTokenTtlSec: 1 });
  const url = (p: string): string => `${s.sb.apiUrl}/api/v1${p}`;

  test('login gives an HS256 access JWT, a refresh token and expiresIn', async () => {
    const r = await call(url('/auth/login'), { body: { email: EMAIL, password: PASSWORD } });
    assert.equal(r.status, 200);
    assert.equal(r.json.success, true);
    const { accessToken, refreshToken, expiresIn, tokenType } = r.json.data;
    assert.equal(tokenType, 'Bearer');
    assert.equal(expiresIn, 1);
    assert.ok(typeof refreshToken === 'string' && refreshToken.length > 20);
    const header = JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString('utf8'));
    assert.equal(header.alg, 'HS256');
    const claims = claimsOf(accessToken);
    assert.equal(claims.type, 'access');
    assert.equal(claims.email, EMAIL);
    assert.equal(claims.sub, 'user-1');
    assert.ok(Math.abs(Number(claims.exp) * 1000 - (Date.now() + 1000)) < 500);
  });

  test('bad credentials → 401 envelope; bad body → 400 with messages', async () => {
    const wrong = await call(url('/auth/login'), { body: { email: EMAIL, password: 'nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual([wrong.json.success, wrong.json.error, wrong.json.statusCode], [false, 'Unauthorized', 401]);
    const extra = await call(url('/auth/login'), { body: { email: EMAIL, password: PASSWORD, remember: true } });
    assert.equal(extra.status, 400);
    assert.deepEqual(extra.json.message, ['property remember should not exist']);
    const missing = await call(url('/auth/login'), { body: { email: EMAIL } });
    assert.equal(missing.status, 400);
    assert.ok(missing.json.message.some((m: string) => m.startsWith('password')));
  });

  test('protected routes answer 401 without a token, with a forged one, and with an API key', async () => {
    const { accessToken } = await v1Login(s.sb);
    const forged = `${accessToken.slice(0, -3)}abc`;
    for (const headers of [{}, bearer(forged), bearer('sandbox-api-key')]) {
      const r = await call(url(`/embed/token?shop=${SHOP}`), { headers });
      assert.equal(r.status, 401);
      assert.equal(r.json.success, false);
      const render = await call(url('/render/2d'), { headers, body: { productId: 'p', brandId: 'b', options: { width: 1, height: 1 } } });
      assert.equal(render.status, 401);
    }
    const open = await call(url('/health'));
    assert.equal(open.status, 200);
  });

  test('an access token stops working once expired; refresh renews it and rotates the refresh token', async () => {
    const grant = await v1Login(s.sb);
    assert.equal((await call(url('/render/render-999'), { headers: bearer(grant.accessToken) })).status, 200);
    await sleep(1100);
    const expired = await call(url('/render/render-999'), { headers: bearer(grant.accessToken) });
    assert.equal(expired.status, 401);

    const refreshed = await call(url('/auth/refresh'), { body: { refreshToken: grant.refreshToken } });
    assert.equal(refreshed.status, 200);
    const next = refreshed.json.data;
    assert.notEqual(next.accessToken, grant.accessToken);
    assert.notEqual(next.refreshToken, grant.refreshToken);
    assert.equal((await call(url('/render/render-999'), { headers: bearer(next.accessToken) })).status, 200);

    // The old refresh token stays usable for a short grace period (racing refreshes), the new one works too.
    assert.equal((await call(url('/auth/refresh'), { body: { refreshToken: grant.refreshToken } })).status, 200);
    assert.equal((await call(url('/auth/refresh'), { body: { refreshToken: next.refreshToken } })).status, 200);
  });

  test('an unknown refresh token → 401; a missing one → 400', async () => {
    assert.equal((await call(url('/auth/refresh'), { body: { refreshToken: 'made-up' } })).status, 401);
    assert.equal((await call(url('/auth/refresh'), { body: {} })).status, 400);
  });

  test('stats count logins, refreshes and 401s', () => {
    const st = s.sb.stats();
    assert.equal(st.auth.logins, 3);
    assert.equal(st.auth.refreshes, 3);
    assert.ok(st.auth.unauthorized >= 9);
  });
});

describe('seed API key', () => {
  const s = useSandbox({ apiKeys: ['key-one', 'key-two'] });

  test('render routes need one of the configured keys', async () => {
    const body = { type: '2d', prompt: 'a mug' };
    assert.equal((await call(`${s.sb.apiUrl}/api/designs/d1/render`, { body })).status, 401);
    const wrong = await call(`${s.sb.apiUrl}/api/designs/d1/render`, { body, headers: bearer('key-three') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, 'unauthorized');
    assert.equal((await call(`${s.sb.apiUrl}/api/jobs/job-1/status`, { headers: bearer('nope') })).status, 401);
    const ok = await call(`${s.sb.apiUrl}/api/designs/d1/render`, { body, headers: bearer('key-two') });
    assert.equal(ok.status, 202);
  });
});
