import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDeployment } from '../../../src/api/dialect.ts';
import { RateLimitGate } from '../../../src/api/rate-limit-gate.ts';
import { displayUrl } from '../../../src/api/display-url.ts';
import { preflight, type PreflightFetch, type PreflightInput } from '../../../src/before/preflight.ts';
import { renderInput } from '../../../src/flows/render-job.ts';

const BASE = 'https://api.test';
const WIDGET = 'https://widget.test';
type Call = { method: string; url: string; headers: Record<string, string>; body?: string };
type Reply = { status: number; body?: string; type?: string; headers?: Record<string, string> };

const ok = (data: unknown): Reply => ({ status: 200, body: JSON.stringify({ success: true, data, timestamp: 't' }), type: 'application/json' });

function server(route: (c: Call, n: number) => Reply) {
  const calls: Call[] = [];
  const fetch: PreflightFetch = async (url, init) => {
    const c: Call = { method: init.method, url, headers: { ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) };
    calls.push(c);
    const r = route(c, calls.filter((x) => x.url === url).length);
    const h: Record<string, string> = { 'content-type': r.type ?? 'application/json', ...r.headers };
    return { status: r.status, headers: { get: (n) => h[n.toLowerCase()] ?? null }, text: async () => r.body ?? '' };
  };
  return { fetch, calls };
}

/** A healthy v1 deployment, with `override` answering some calls instead. */
function v1(override?: (c: Call, n: number) => Reply | undefined) {
  return server((c, n) => {
    const o = override?.(c, n);
    if (o) return o;
    if (c.url.endsWith('/api/v1/health')) return ok({ status: 'ok' });
    if (c.url.includes('/api/v1/embed/token')) return ok({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoiZW1iZWQifQ.sig', nonce: 'n'.repeat(64) });
    if (c.url.startsWith(WIDGET)) return { status: 200, body: '<html></html>', type: 'text/html; charset=utf-8' };
    if (c.url.endsWith('/api/v1/embed/validate')) return ok({ shopDomain: 's', valid: true });
    if (c.url.endsWith('/api/v1/render/2d')) return { ...ok({ renderId: 'r-1', jobId: '1' }), status: 202 };
    if (c.url.endsWith('/api/v1/render/r-1')) return ok({ renderId: 'r-1', status: 'processing', queueState: 'prioritized' });
    return { status: 404, body: JSON.stringify({ success: false, message: `Cannot ${c.method} ${new URL(c.url).pathname}` }) };
  });
}

function input(fetch: PreflightFetch, flow: PreflightInput['flow'], extra: Partial<PreflightInput> = {}): PreflightInput {
  let t = 0;
  return {
    flow,
    baseUrl: BASE,
    widgetUrl: WIDGET,
    deployment: defaultDeployment('v1'),
    policy: { defaultRetryAfterMs: 1000, maxRetryAfterMs: 10_000, maxRetries: 2 },
    gate: new RateLimitGate({ now: () => t, marginMs: 0, sleep: async (ms) => void (t += ms) }),
    bearer: async () => 'user-token',
    shop: { shop: 'test-shop-1.myshopify.com', origin: 'https://test-shop-1.myshopify.com' },
    render: renderInput({ designId: 'd1', productId: 'p1', brandId: 'b1' }, '2d', 'contract'),
    fetch,
    ...extra,
  };
}

describe('preflight walks the flow once', () => {
  it('v1 embed: health with the user token, then token, widget document and validation with the same Origin', async () => {
    const s = v1();
    const r = await preflight(input(s.fetch, 'embed'));
    assert.deepEqual(r.failures.map((f) => f.line), []);
    assert.deepEqual(s.calls.map((c) => `${c.method} ${new URL(c.url).pathname}`), ['GET /api/v1/health', 'GET /api/v1/embed/token', 'GET /', 'POST /api/v1/embed/validate']);
    assert.equal(s.calls[0]!.headers.authorization, 'Bearer user-token');
    assert.equal(s.calls[1]!.headers.authorization, 'Bearer user-token');
    assert.equal(s.calls[1]!.headers.origin, s.calls[3]!.headers.origin);
    assert.match(s.calls[3]!.headers.authorization!, /^Bearer eyJ/, 'validation carries the embed token');
  });

  it('no validate route: one validation request and one line with method, URL, status and message', async () => {
    const s = v1((c) => (c.url.endsWith('/validate') ? { status: 404, body: '{"success":false,"error":"Not Found","message":"Cannot POST /api/v1/embed/validate","statusCode":404}' } : undefined));
    const r = await preflight(input(s.fetch, 'embed'));
    assert.deepEqual(r.failures.map((f) => f.line), ['POST https://api.test/api/v1/embed/validate → 404 Cannot POST /api/v1/embed/validate']);
    assert.equal(s.calls.filter((c) => c.url.endsWith('/validate')).length, 1);
  });

  it('an auth failure is final; a server error gets three attempts', async () => {
    const denied = v1((c) => (c.url.includes('/embed/token') ? { status: 401, body: '{"success":false,"message":"Unauthorized"}' } : undefined));
    assert.deepEqual((await preflight(input(denied.fetch, 'embed'))).failures.map((f) => f.line), ['GET https://api.test/api/v1/embed/token?shop=test-shop-1.myshopify.com → 401 Unauthorized']);
    assert.equal(denied.calls.length, 2, 'health, one token request; nothing after a refused token');
    const broken = v1((c) => (c.url.endsWith('/r-1') ? { status: 503, body: '{"success":false,"message":"Service Unavailable"}' } : undefined));
    const r = await preflight(input(broken.fetch, 'render'));
    assert.deepEqual(r.failures.map((f) => f.line), ['GET https://api.test/api/v1/render/r-1 → 503 Service Unavailable']);
    assert.equal(broken.calls.filter((c) => c.url.endsWith('/r-1')).length, 3);
  });

  it('a 400 from the validation (origin, replay) is the flow’s to count: a warning, not a refusal', async () => {
    const s = v1((c) => (c.url.endsWith('/validate') ? { status: 400, body: '{"success":false,"message":"Origin mismatch"}' } : undefined));
    const r = await preflight(input(s.fetch, 'embed'));
    assert.deepEqual(r.failures.map((f) => f.line), []);
    assert.match(r.warnings[0]!, /POST https:\/\/api\.test\/api\/v1\/embed\/validate → 400 Origin mismatch \(validation refused: origin_mismatch\)/);
  });

  it('429: waits the Retry-After at the gate and tries again; beyond the maximum it stops instead of going early', async () => {
    const once = v1((c, n) => (c.url.endsWith('/render/2d') && n === 1 ? { status: 429, headers: { 'retry-after': '3' } } : undefined));
    const i = input(once.fetch, 'render');
    const r = await preflight(i);
    assert.deepEqual(r.failures.map((f) => f.line), []);
    assert.equal(once.calls.filter((c) => c.url.endsWith('/render/2d')).length, 2);
    const long = v1((c) => (c.url.endsWith('/render/2d') ? { status: 429, headers: { 'retry-after': '52' }, body: '{"error":"Too many requests from this IP, please try again later.","statusCode":429}' } : undefined));
    const gate = new RateLimitGate({ marginMs: 0 });
    const r2 = await preflight(input(long.fetch, 'render', { gate }));
    assert.match(r2.failures[0]!.line, /POST https:\/\/api\.test\/api\/v1\/render\/2d → 429 Too many requests from this IP, please try again later\. \(Retry-After 52 s\)/);
    assert.equal(long.calls.filter((c) => c.url.endsWith('/render/2d')).length, 1);
    assert.ok(gate.waitMs('api.test') > 50_000, 'the load that would follow waits too');
  });

  it('seed: no health route; the render walk sends the API key', async () => {
    const s = server((c) => (c.url.endsWith('/render') ? { status: 202, body: '{"jobId":"job-1"}' } : { status: 200, body: '{"status":"queued"}' }));
    const r = await preflight(input(s.fetch, 'render', { deployment: defaultDeployment('seed'), bearer: async () => 'sk-key' }));
    assert.deepEqual(r.failures.map((f) => f.line), []);
    assert.deepEqual(s.calls.map((c) => new URL(c.url).pathname), ['/api/designs/d1/render', '/api/jobs/job-1/status']);
    assert.equal(s.calls[0]!.headers.authorization, 'Bearer sk-key');
  });

  it('a synchronous render is walked as one request; announced limits are observed', async () => {
    const s = server(() => ({ ...ok({ renderId: 'r', status: 'success', url: 'https://x/r.png' }), headers: { 'ratelimit-policy': '100;w=60', 'ratelimit-remaining': '98' } }));
    const r = await preflight(input(s.fetch, 'render', { deployment: { ...defaultDeployment('v1'), syncRender: true } }));
    assert.deepEqual(r.failures.map((f) => f.line), []);
    assert.equal(s.calls.length, 2, 'health and the render, no status');
    assert.ok(r.observations.every((o) => o.limit?.limit === 100));
  });

  // Every step, every refusal the platform gives a broken deployment: one line naming the step, the load never starts.
  const STEPS = [
    { step: 'health', flow: 'embed', match: (u: string) => u.endsWith('/api/v1/health'), line: 'GET https://api.test/api/v1/health' },
    { step: 'embed token', flow: 'embed', match: (u: string) => u.includes('/api/v1/embed/token'), line: 'GET https://api.test/api/v1/embed/token?shop=test-shop-1.myshopify.com' },
    { step: 'widget document', flow: 'embed', match: (u: string) => u.startsWith(WIDGET), line: 'GET https://widget.test/?token=[redacted]&nonce=[redacted]&shop=test-shop-1.myshopify.com' },
    { step: 'validation', flow: 'embed', match: (u: string) => u.endsWith('/api/v1/embed/validate'), line: 'POST https://api.test/api/v1/embed/validate' },
    { step: 'enqueue', flow: 'render', match: (u: string) => u.endsWith('/api/v1/render/2d'), line: 'POST https://api.test/api/v1/render/2d' },
    { step: 'status', flow: 'render', match: (u: string) => u.endsWith('/api/v1/render/r-1'), line: 'GET https://api.test/api/v1/render/r-1' },
  ] as const;
  for (const { step, flow, match, line } of STEPS) {
    for (const status of [401, 403, 404, 405]) {
      it(`${step} answering ${status}: one failure line naming the step`, async () => {
        const s = v1((c) => (match(c.url) ? { status, body: `{"success":false,"message":"refused with ${status}"}` } : undefined));
        const r = await preflight(input(s.fetch, flow));
        assert.deepEqual(r.failures.map((f) => f.line), [`${line} → ${status} refused with ${status}`]);
        assert.deepEqual(r.failures.map(({ method, status: s }) => ({ method, status: s })), [{ method: line.split(' ')[0], status }], 'the facts, not only the line');
        assert.deepEqual(r.warnings, []);
        assert.equal(s.calls.filter((c) => match(c.url)).length, 1, 'a refusal is final: asked once');
      });
    }
  }

  // A 2xx the package cannot read: each stops the run, named, as a refusal would.
  const UNREADABLE = [
    { what: 'health that is not JSON', flow: 'embed', match: (u: string) => u.endsWith('/api/v1/health'), reply: { status: 200, body: '<html>login</html>', type: 'text/html' }, why: /GET https:\/\/api\.test\/api\/v1\/health → 200 did not answer JSON \(text\/html\)/ },
    { what: 'a token without token or nonce', flow: 'embed', match: (u: string) => u.includes('/embed/token'), reply: ok({ shop: 's' }), why: /embed\/token\?shop=.* → 200 answered without token\/nonce$/ },
    { what: 'a widget document that is not HTML', flow: 'embed', match: (u: string) => u.startsWith(WIDGET), reply: { status: 200, body: '{"a":1}', type: 'application/json' }, why: /GET https:\/\/widget\.test\/\?token=\[redacted\].* → 200 answered application\/json, not the widget's HTML document/ },
    { what: 'a validation without valid: true', flow: 'embed', match: (u: string) => u.endsWith('/validate'), reply: ok({ shopDomain: 's' }), why: /POST https:\/\/api\.test\/api\/v1\/embed\/validate → 200 answered without valid: true$/ },
    { what: 'an enqueue without a job id', flow: 'render', match: (u: string) => u.endsWith('/render/2d'), reply: { ...ok({ queued: true }), status: 202 }, why: /POST https:\/\/api\.test\/api\/v1\/render\/2d → 202 answered no job id$/ },
    { what: 'an unreadable status', flow: 'render', match: (u: string) => u.endsWith('/r-1'), reply: ok(null), why: /GET https:\/\/api\.test\/api\/v1\/render\/r-1 → 200 answered no job status/ },
  ] as const;
  for (const { what, flow, match, reply, why } of UNREADABLE) {
    it(`${what}: a failure, not a warning`, async () => {
      const s = v1((c) => (match(c.url) ? reply : undefined));
      const r = await preflight(input(s.fetch, flow));
      assert.equal(r.failures.length, 1, JSON.stringify(r));
      assert.match(r.failures[0]!.line, why);
      assert.deepEqual(r.warnings, []);
    });
  }

  it('displayUrl never shows the widget URL’s token or nonce', () => {
    assert.equal(displayUrl('https://w.test/?token=eyJa.b.c&nonce=abc&shop=s'), 'https://w.test/?token=[redacted]&nonce=[redacted]&shop=s');
  });
});
