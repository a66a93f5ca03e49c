import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, mock, test } from 'node:test';
import { RequestContext } from '../../sandbox/context.ts';
import { resolveOptions } from '../../sandbox/options.ts';
import { handlerFailed, runRoute } from '../../sandbox/pipeline.ts';
import { SandboxState } from '../../sandbox/state.ts';
import { API_KEY, ORIGIN, SHOP, bearer, call, seedToken, seedValidate, useSandbox, v1Login } from './helpers.ts';

describe('bad requests never crash the sandbox', () => {
  const s = useSandbox();

  test('malformed JSON → 400 in each dialect', async () => {
    const seed = await call(`${s.sb.apiUrl}/api/designs/d/render`, { headers: { ...bearer(API_KEY), 'content-type': 'application/json' }, rawBody: '{"type":' });
    assert.equal(seed.status, 400);
    assert.equal(seed.json.error, 'bad_request');
    const v1 = await call(`${s.sb.apiUrl}/api/v1/auth/login`, { headers: { 'content-type': 'application/json' }, rawBody: 'not json' });
    assert.equal(v1.status, 400);
    assert.equal(v1.json.success, false);
    assert.equal(v1.json.statusCode, 400);
    assert.equal(v1.json.path, '/api/v1/auth/login');
  });

  test('a body over 64 KB → 413', async () => {
    const big = JSON.stringify({ email: 'x'.repeat(70 * 1024), password: 'y' });
    const r = await call(`${s.sb.apiUrl}/api/v1/auth/login`, { headers: { 'content-type': 'application/json' }, rawBody: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.statusCode, 413);
    const { token, nonce } = await seedToken(s.sb);
    const seed = await call(`${s.sb.apiUrl}/api/embed/validate`, { headers: { ...bearer(token), origin: ORIGIN }, rawBody: JSON.stringify({ nonce, pad: 'z'.repeat(65 * 1024) }) });
    assert.equal(seed.status, 413);
    assert.equal((await seedValidate(s.sb, token, nonce)).status, 200, 'still serving');
  });

  test('unknown routes → 404 and wrong methods → 405, in the dialect shape', async () => {
    const seed = await call(`${s.sb.apiUrl}/api/nothing`);
    assert.equal(seed.status, 404);
    assert.equal(seed.json.error, 'not_found');
    const v1 = await call(`${s.sb.apiUrl}/api/v1/nothing`);
    assert.equal(v1.status, 404);
    assert.equal(v1.json.error, 'Not Found');
    assert.equal(v1.json.success, false);
    const method = await call(`${s.sb.apiUrl}/api/embed/token`, { method: 'DELETE' });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'GET');
    const v1Method = await call(`${s.sb.apiUrl}/api/v1/auth/login`, { method: 'GET' });
    assert.equal(v1Method.status, 405);
    assert.equal(v1Method.json.statusCode, 405);
    const odd = await call(`${s.sb.apiUrl}/api/jobs/%E0%A4%A/status`, { headers: bearer(API_KEY) });
    assert.equal(odd.status, 404, 'a malformed escape is just an unknown id');
    assert.equal((await call(`${s.sb.apiUrl}/health`)).status, 200);
  });

  test('health in both dialects', async () => {
    assert.deepEqual((await call(`${s.sb.apiUrl}/health`)).json, { status: 'ok' });
    const v1 = await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(v1.json.success, true);
    assert.equal(v1.json.data.status, 'ok');
    assert.equal(typeof v1.json.data.uptime, 'number');
  });
});

describe('widget host', () => {
  const s = useSandbox();

  test('the iframe document carries nonce, shop, loader and handshake code', async () => {
    const { token, nonce } = await seedToken(s.sb);
    const q = new URLSearchParams({ token, nonce, shop: SHOP });
    const r = await call(`${s.sb.widgetUrl}/?${q}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/html/);
    assert.match(r.text, /^<!doctype html>/);
    assert.match(r.text, /<title>[^<]+<\/title>/);
    assert.ok(r.text.includes('<script src="/loader.js"'));
    assert.ok(r.text.includes(`data-nonce="${nonce}"`));
    assert.ok(r.text.includes(`data-shop="${SHOP}"`));
    assert.ok(r.text.includes('postMessage'));
    assert.ok(r.text.includes("type: 'handshake'"));
  });

  test('parameters are escaped; a missing one → 400 HTML', async () => {
    const r = await call(`${s.sb.widgetUrl}/?token=t&nonce=n&shop=${encodeURIComponent('"><script>x</script>')}`);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes('"><script>x'));
    const missing = await call(`${s.sb.widgetUrl}/?token=t&shop=${SHOP}`);
    assert.equal(missing.status, 400);
    assert.match(missing.headers.get('content-type')!, /^text\/html/);
    assert.ok(missing.text.includes('nonce'));
  });

  test('loader.js is cacheable JavaScript; health answers; others 404', async () => {
    const r = await call(`${s.sb.widgetUrl}/loader.js`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^application\/javascript/);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=300');
    assert.ok(r.text.length > 100 && r.text.length < 5000);
    assert.equal((await call(`${s.sb.widgetUrl}/health`)).status, 200);
    assert.equal((await call(`${s.sb.widgetUrl}/nope`)).status, 404);
    const st = s.sb.stats();
    assert.equal(st.widget.documents, 2);
    assert.equal(st.widget.loaders, 1);
  });
});

describe('Prometheus text', () => {
  const s = useSandbox({ render: { timeFactor: 0.001 } });

  test('both metrics routes expose valid text with the platform metric names', async () => {
    const { token, nonce } = await seedToken(s.sb);
    await seedValidate(s.sb, token, nonce);
    await seedValidate(s.sb, token, nonce);
    await call(`${s.sb.apiUrl}/api/designs/d/render`, { headers: bearer(API_KEY), body: { type: '2d', prompt: 'x' } });
    const access = (await v1Login(s.sb)).accessToken;
    await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(access), body: { productId: 'p', brandId: 'b', options: { width: 1, height: 1 } } });
    await new Promise((r) => setTimeout(r, 100));

    const seed = await call(`${s.sb.apiUrl}/metrics`);
    const v1 = await call(`${s.sb.apiUrl}/api/v1/metrics`);
    for (const r of [seed, v1]) {
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    }
    const text = v1.text;
    const declared = new Set<string>();
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('# HELP ')) continue;
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$/.exec(line);
      if (type) {
        declared.add(type[1]!);
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
      assert.ok(sample, `not a valid sample line: ${line}`);
      const base = sample[1]!.replace(/_(bucket|sum|count)$/, '');
      assert.ok(declared.has(sample[1]!) || declared.has(base), `no TYPE for ${sample[1]}`);
    }
    for (const name of [
      'bullmq_queue_jobs_total',
      'bullmq_queue_oldest_waiting_seconds',
      'luneo_embed_handshakes_total',
      'luneo_embed_handshake_failures_total',
      'luneo_render_duration_seconds',
      'luneo_rate_limited_requests_total',
      'luneo_early_retries_total',
      'sandbox_active_jobs',
      'sandbox_queue_depth',
    ]) {
      assert.ok(declared.has(name), name);
    }
    assert.match(text, /^bullmq_queue_jobs_total\{queue="render-processing",state="completed"\} 2$/m);
    assert.match(text, /^luneo_embed_handshakes_total 1$/m);
    assert.match(text, /^luneo_embed_handshake_failures_total\{reason="replayed"\} 1$/m);
    assert.match(text, /^luneo_render_duration_seconds_count 2$/m);
    assert.match(text, /^luneo_render_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
  });
});

describe('handler exceptions', () => {
  test('become a 500 in the dialect shape and one log line, and the server keeps serving', async () => {
    const state = new SandboxState(resolveOptions({ activeShops: [] }));
    const server = createServer((req, res) => {
      const ctx = new RequestContext(state, req, res, 'v1');
      const handler = req.url === '/boom' ? (): void => { throw new Error('boom'); } : (c: RequestContext): void => c.ok({ fine: true });
      runRoute(ctx, 'render.status', 'api', handler).catch((err: unknown) => handlerFailed(ctx, err));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logged = mock.method(console, 'error', () => {});
    try {
      const r = await call(`${base}/boom`);
      assert.equal(r.status, 500);
      assert.equal(r.json.success, false);
      assert.equal(r.json.statusCode, 500);
      assert.equal(logged.mock.callCount(), 1);
      assert.match(String(logged.mock.calls[0]!.arguments[0]), /boom/);
      assert.equal((await call(`${base}/fine`)).status, 200);
    } finally {
      logged.mock.restore();
      state.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
