import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ORIGIN, SHOP, bearer, call, seedToken, seedValidate, sleep, useSandbox, v1Login } from './helpers.ts';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('embed handshake, seed dialect', () => {
  const s = useSandbox();

  test('token then validate with the same Origin succeeds once, then is a replay', async () => {
    const { token, nonce } = await seedToken(s.sb);
    assert.match(nonce, /^[0-9a-f]{64}$/);
    const claims = claimsOf(token);
    assert.equal(claims.type, 'embed');
    assert.equal(claims.shop, SHOP);
    assert.equal(claims.nonce, nonce);
    assert.equal(typeof claims.sub, 'string');
    assert.ok(Number(claims.exp) * 1000 > Date.now() + 290_000);

    const ok = await seedValidate(s.sb, token, nonce);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { valid: true, shopDomain: SHOP });

    const again = await seedValidate(s.sb, token, nonce);
    assert.equal(again.status, 400);
    assert.equal(again.json.valid, false);
    assert.equal(again.json.error, 'nonce_replayed');
  });

  test('two concurrent validations of one nonce: exactly one success, one replay', async () => {
    const { token, nonce } = await seedToken(s.sb);
    const results = await Promise.all([seedValidate(s.sb, token, nonce), seedValidate(s.sb, token, nonce)]);
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400]);
    assert.equal(results.find((r) => r.status === 400)!.json.error, 'nonce_replayed');
  });

  test('an origin mismatch is refused and does not burn the nonce', async () => {
    const { token, nonce } = await seedToken(s.sb);
    const wrong = await seedValidate(s.sb, token, nonce, 'https://evil.example');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, 'origin_mismatch');
    const noOrigin = await seedValidate(s.sb, token, nonce, null);
    assert.equal(noOrigin.json.error, 'origin_mismatch');
    const right = await seedValidate(s.sb, token, nonce);
    assert.equal(right.status, 200);
  });

  test('a token requested without Origin validates only without Origin', async () => {
    const { token, nonce } = await seedToken(s.sb, null);
    assert.equal((await seedValidate(s.sb, token, nonce, ORIGIN)).json.error, 'origin_mismatch');
    assert.equal((await seedValidate(s.sb, token, nonce, null)).status, 200);
  });

  test("a nonce that is not the token's own, or unknown, is invalid", async () => {
    const a = await seedToken(s.sb);
    const b = await seedToken(s.sb);
    const r = await seedValidate(s.sb, a.token, b.nonce);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'nonce_invalid');
    const missing = await call(`${s.sb.apiUrl}/api/embed/validate`, { body: {}, headers: { ...bearer(a.token), origin: ORIGIN } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error, 'nonce_invalid');
  });

  test('missing, forged or absent embed token → 401 invalid_token', async () => {
    const { token, nonce } = await seedToken(s.sb);
    const forged = `${token.slice(0, -4)}AAAA`;
    for (const headers of [{ origin: ORIGIN }, { ...bearer(forged), origin: ORIGIN }, { ...bearer('not-a-jwt'), origin: ORIGIN }]) {
      const r = await call(`${s.sb.apiUrl}/api/embed/validate`, { body: { nonce }, headers });
      assert.equal(r.status, 401);
      assert.deepEqual({ valid: r.json.valid, error: r.json.error }, { valid: false, error: 'invalid_token' });
    }
  });

  test('shop: missing → 400 missing_shop, not a domain → 400, any valid domain accepted', async () => {
    const missing = await call(`${s.sb.apiUrl}/api/embed/token`, { headers: { origin: ORIGIN } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error, 'missing_shop');
    const bad = await call(`${s.sb.apiUrl}/api/embed/token?shop=${encodeURIComponent('not a shop')}`);
    assert.equal(bad.status, 400);
    const other = await seedToken(s.sb, ORIGIN, 'some-other-store.myshopify.com');
    assert.ok(other.token);
  });

  test('stats count tokens issued, validations and failures by reason', async () => {
    const st = s.sb.stats();
    assert.equal(st.embed.tokensIssued, 8);
    assert.ok(st.embed.validationsOk >= 4);
    assert.ok(st.embed.failures.replayed >= 2);
    assert.ok(st.embed.failures.origin_mismatch >= 3);
    assert.ok(st.embed.failures.invalid >= 2);
    assert.ok(st.embed.failures.unauthorized >= 3);
  });
});

describe('embed handshake, v1 dialect', () => {
  const s = useSandbox({ activeShops: [SHOP, 'test-shop-2.myshopify.com'] });
  let access = '';

  test('token needs a user bearer', async () => {
    const r = await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`, { headers: { origin: ORIGIN } });
    assert.equal(r.status, 401);
    assert.equal(r.json.success, false);
    assert.equal(r.json.statusCode, 401);
    access = (await v1Login(s.sb)).accessToken;
  });

  test('token, validate, replay, origin mismatch in the v1 envelope', async () => {
    const t = await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`, { headers: { ...bearer(access), origin: ORIGIN } });
    assert.equal(t.status, 200);
    assert.equal(t.json.success, true);
    assert.equal(typeof t.json.timestamp, 'string');
    const { token, nonce, expiresIn, widgetUrl } = t.json.data;
    assert.equal(expiresIn, 300);
    assert.equal(widgetUrl, s.sb.widgetUrl);
    const claims = claimsOf(token);
    assert.deepEqual([claims.type, claims.shop, claims.nonce, claims.sub], ['embed', SHOP, nonce, 'brand-1']);

    const validate = (origin: string): Promise<Awaited<ReturnType<typeof call>>> =>
      call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: { nonce }, headers: { ...bearer(token), origin } });
    const mismatch = await validate('https://other.example');
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.message, 'Origin mismatch');
    assert.equal(mismatch.json.error, 'Bad Request');
    assert.equal(mismatch.json.path, '/api/v1/embed/validate');

    const ok = await validate(ORIGIN);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.data, { shopDomain: SHOP, valid: true });

    const replay = await validate(ORIGIN);
    assert.equal(replay.status, 400);
    assert.equal(replay.json.message, 'Nonce already used');
  });

  test('shop not an active install → 404; no shop → 400', async () => {
    const inactive = await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=test-shop-3.myshopify.com`, { headers: bearer(access) });
    assert.equal(inactive.status, 404);
    assert.equal(inactive.json.success, false);
    const none = await call(`${s.sb.apiUrl}/api/v1/embed/token`, { headers: bearer(access) });
    assert.equal(none.status, 400);
  });

  test('strict body: unknown field and missing nonce → 400 with messages', async () => {
    const t = await call(`${s.sb.apiUrl}/api/v1/embed/token?shop=${SHOP}`, { headers: { ...bearer(access), origin: ORIGIN } });
    const { token, nonce } = t.json.data;
    const extra = await call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: { nonce, shop: SHOP }, headers: { ...bearer(token), origin: ORIGIN } });
    assert.equal(extra.status, 400);
    assert.deepEqual(extra.json.message, ['property shop should not exist']);
    const missing = await call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: {}, headers: { ...bearer(token), origin: ORIGIN } });
    assert.equal(missing.status, 400);
    assert.ok(Array.isArray(missing.json.message));
    const unknown = await call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: { nonce: 'f'.repeat(64) }, headers: { ...bearer(token), origin: ORIGIN } });
    assert.equal(unknown.json.message, 'Invalid or expired nonce');
    const badToken = await call(`${s.sb.apiUrl}/api/v1/embed/validate`, { body: { nonce }, headers: { ...bearer(access), origin: ORIGIN } });
    assert.equal(badToken.status, 401, 'an access token is not an embed token');
  });
});

describe('embed expiry', () => {
  const s = useSandbox({ nonceTtlSec: 0.4, embedTokenTtlSec: 5 });
  const t = useSandbox({ nonceTtlSec: 5, embedTokenTtlSec: 0.4 });

  test('an expired nonce is invalid; an expired embed token is 401', async () => {
    const a = await seedToken(s.sb);
    const b = await seedToken(t.sb);
    await sleep(500);
    const nonceExpired = await seedValidate(s.sb, a.token, a.nonce);
    assert.equal(nonceExpired.status, 400);
    assert.equal(nonceExpired.json.error, 'nonce_invalid');
    assert.equal(s.sb.stats().embed.failures.expired, 1);
    const tokenExpired = await seedValidate(t.sb, b.token, b.nonce);
    assert.equal(tokenExpired.status, 401);
    assert.equal(tokenExpired.json.error, 'invalid_token');
  });
});
