import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FaultsError, startSandbox } from '../../sandbox/index.ts';
import { SHOP, admin, call, seedToken, seedValidate, useSandbox } from './helpers.ts';

describe('fault injection', () => {
  const s = useSandbox({ faults: { latency: { 'embed.token': { fixedMs: 300 } } } });
  const tokenUrl = (): string => `${s.sb.apiUrl}/api/embed/token?shop=${SHOP}`;

  test('latency from the start options is observable, and only on its route', async () => {
    const slow = await call(tokenUrl());
    assert.equal(slow.status, 200);
    assert.ok(slow.ms >= 280, `${slow.ms} ms`);
    const other = await call(`${s.sb.apiUrl}/health`);
    assert.equal(other.status, 200);
    // The sandbox's own count, not a stopwatch: the health request was not delayed.
    assert.equal(s.sb.stats().faults.latencyInjected, 1, 'only the token request was delayed');
  });

  test('GET / PATCH / PUT /__admin/faults', async () => {
    const current = await admin(s.sb, 'faults');
    assert.deepEqual(current.json.latency, { 'embed.token': { fixedMs: 300 } });
    const patched = await admin(s.sb, 'faults', 'PATCH', { errors: { 'embed.token': 1 } });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.json.latency, { 'embed.token': { fixedMs: 300 } }, 'PATCH keeps other keys');
    assert.deepEqual(patched.json.errors, { 'embed.token': 1 });
    const merged = await admin(s.sb, 'faults', 'PATCH', { latency: { 'embed.token': null, '*': { fixedMs: 0, jitterMs: 5 } } });
    assert.deepEqual(merged.json.latency, { '*': { fixedMs: 0, jitterMs: 5 } }, 'per-route merge, null removes');
    const replaced = await admin(s.sb, 'faults', 'PUT', { nonJson: { 'embed.token': 1 } });
    assert.deepEqual(replaced.json, { latency: {}, errors: {}, nonJson: { 'embed.token': 1 }, resets: {}, failEvery: {}, tamper: {}, force429: null, jobs: { failureRate: 0, failEvery: null, slow: null } });
  });

  test('nonJson answers a 200 HTML proxy page', async () => {
    const r = await call(tokenUrl());
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/html/);
    assert.equal(r.text, '<html>upstream error page</html>');
  });

  test('errors answer 500/502/503 in the dialect shape', async () => {
    await admin(s.sb, 'faults', 'PUT', { errors: { '*': 1 } });
    const seed = await call(tokenUrl());
    assert.ok([500, 502, 503].includes(seed.status));
    assert.equal(typeof seed.json.error, 'string');
    const v1 = await call(`${s.sb.apiUrl}/api/v1/auth/login`, { body: {} });
    assert.ok([500, 502, 503].includes(v1.status));
    assert.equal(v1.json.success, false);
    assert.equal(v1.json.statusCode, v1.status);
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200, "'*' spares health");
    assert.equal((await call(`${s.sb.apiUrl}/metrics`)).status, 200, "'*' spares metrics");
    await admin(s.sb, 'faults', 'PUT', {});
  });

  test('failEvery: exactly every Nth request of the route fails', async () => {
    await admin(s.sb, 'faults', 'PUT', { failEvery: { 'embed.token': 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(tokenUrl())).status);
    assert.deepEqual(statuses.map((x) => x === 503), [false, false, true, false, false, true]);
    await admin(s.sb, 'faults', 'PUT', {});
  });

  test('failEvery counts per sandbox: another sandbox in the same process does not move this one\'s Nth', async () => {
    const other = await startSandbox({ faults: { failEvery: { 'embed.token': 3 } } });
    try {
      s.sb.reset();
      await admin(s.sb, 'faults', 'PUT', { failEvery: { 'embed.token': 3 } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await call(tokenUrl())).status);
        await call(`${other.apiUrl}/api/embed/token?shop=${SHOP}`);
      }
      assert.deepEqual(statuses.map((x) => x === 503), [false, false, true]);
    } finally {
      await other.stop();
      await admin(s.sb, 'faults', 'PUT', {});
    }
  });

  test('resets: the connection is dropped without an answer, counted; health is spared', async () => {
    await admin(s.sb, 'faults', 'PUT', { resets: { '*': 1 } });
    await assert.rejects(call(tokenUrl()), 'no answer: a transport error for the client');
    assert.equal(s.sb.stats().faults.resetsInjected, 1);
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200, "'*' spares health");
    await admin(s.sb, 'faults', 'PUT', {});
    assert.equal((await call(tokenUrl())).status, 200);
  });

  test('tamper origin: refused as a mismatch without burning the nonce', async () => {
    s.sb.setFaults({ tamper: { 'embed.validate': { mode: 'origin', rate: 1 } } });
    const { token, nonce } = await seedToken(s.sb);
    const r = await seedValidate(s.sb, token, nonce);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'origin_mismatch');
    s.sb.setFaults({ tamper: { 'embed.validate': null } });
    assert.equal((await seedValidate(s.sb, token, nonce)).status, 200);
  });

  test('tamper replay: answered as already used, and the nonce is consumed', async () => {
    s.sb.setFaults({ tamper: { 'embed.validate': { mode: 'replay', rate: 1 } } });
    const { token, nonce } = await seedToken(s.sb);
    const r = await seedValidate(s.sb, token, nonce);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'nonce_replayed');
    s.sb.setFaults({ tamper: {} });
    s.sb.reset();
    assert.equal((await seedValidate(s.sb, token, nonce)).json.error, 'nonce_replayed');
  });

  test('widget.document faults apply on the widget host', async () => {
    await admin(s.sb, 'faults', 'PUT', { errors: { 'widget.document': 1 } });
    const r = await call(`${s.sb.widgetUrl}/?token=t&nonce=n&shop=${SHOP}`);
    assert.ok([500, 502, 503].includes(r.status));
    assert.match(r.headers.get('content-type')!, /^text\/html/);
    await admin(s.sb, 'faults', 'PUT', { latency: { 'widget.document': { fixedMs: 300 } } });
    const slow = await call(`${s.sb.widgetUrl}/?token=t&nonce=n&shop=${SHOP}`);
    assert.equal(slow.status, 200);
    assert.ok(slow.ms >= 280);
  });

  test('invalid fault shapes → 400 with a clear message; setFaults throws', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ errors: { 'embed.tokn': 0.5 } }, /errors\.embed\.tokn: unknown key/],
      [{ errors: { '*': 2 } }, /probability/],
      [{ latency: { '*': { fixedMs: -1 } } }, /fixedMs/],
      [{ tamper: { 'embed.validate': { mode: 'both', rate: 1 } } }, /mode/],
      [{ force429: { rate: 1, routes: ['nope'] } }, /force429\.routes\[0\]/],
      [{ nope: 1 }, /unknown key/],
      [[1], /JSON object/],
    ];
    for (const [body, message] of cases) {
      const r = await admin(s.sb, 'faults', 'PATCH', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.message, message);
    }
    const malformed = await call(`${s.sb.apiUrl}/__admin/faults`, { method: 'PUT', rawBody: '{"errors":' });
    assert.equal(malformed.status, 400);
    assert.throws(() => s.sb.setFaults({ errors: { '*': 5 } }), FaultsError);
    assert.equal((await admin(s.sb, 'faults', 'DELETE')).status, 405);
    assert.equal((await admin(s.sb, 'nothing')).status, 404);
  });

  test('reset restores the start faults and zeroes counters; admin calls are not counted', async () => {
    await admin(s.sb, 'faults', 'PUT', { errors: { '*': 1 } });
    const r = await admin(s.sb, 'reset', 'POST');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.faults.latency, { 'embed.token': { fixedMs: 300 } });
    const st = (await admin(s.sb, 'stats')).json;
    assert.equal(st.requests.total, 0);
    assert.equal(st.embed.tokensIssued, 0);
    for (const key of ['requests', 'rateLimited', 'earlyRetries', 'embed', 'render', 'auth', 'widget']) assert.ok(key in st, key);
  });
});
