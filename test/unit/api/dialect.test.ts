import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Deployment,
  type RenderJobInput,
  classifyValidationFailure,
  cookiesOf,
  defaultDeployment,
  errorMessageOf,
  extractEmbedGrant,
  extractJobId,
  extractJobOutcome,
  extractLoginGrant,
  extractRenderResult,
  extractSessionGrant,
  fillRoute,
  healthNeedsUser,
  isDialect,
  isValidationAccepted,
  mapJobStatus,
  parseJson,
  routes,
  unwrap,
} from '../../../src/api/dialect.ts';

const SEED = defaultDeployment('seed');
const V1 = defaultDeployment('v1');

const envelope = (data: unknown) => JSON.stringify({ success: true, data, timestamp: '2026-01-01T00:00:00.000Z' });

const job: RenderJobInput = {
  type: '2d',
  designId: 'design 1/a',
  productId: 'prod-1',
  brandId: 'brand-1',
  prompt: 'a red mug',
  quality: 'standard',
  format: 'png',
  width: 1024,
  height: 768,
};

describe('isDialect', () => {
  it('accepts exactly the two dialects', () => {
    assert.equal(isDialect('seed'), true);
    assert.equal(isDialect('v1'), true);
    assert.equal(isDialect('V1'), false);
    assert.equal(isDialect('v2'), false);
    assert.equal(isDialect(undefined), false);
    assert.equal(isDialect(1), false);
  });
});

describe('routes', () => {
  it('health and metrics live under /api/v1 in v1; the seed contract has neither', () => {
    assert.equal(routes.health(V1), '/api/v1/health');
    assert.equal(routes.health(SEED), undefined);
    assert.equal(routes.metrics(V1), '/api/v1/metrics');
    assert.equal(routes.metrics(SEED), undefined);
    assert.equal(healthNeedsUser(V1), true);
    assert.equal(healthNeedsUser(SEED), false);
  });

  it('embed token carries the shop, URL-encoded, under each prefix', () => {
    assert.equal(routes.embedToken(SEED, 'test-shop-1.myshopify.com'), '/api/embed/token?shop=test-shop-1.myshopify.com');
    assert.equal(routes.embedToken(V1, 'a&b=c'), '/api/v1/embed/token?shop=a%26b%3Dc');
  });

  it('embed validate sends only the nonce', () => {
    assert.deepEqual(routes.embedValidate(SEED, 'n1'), { path: '/api/embed/validate', json: { nonce: 'n1' } });
    assert.deepEqual(routes.embedValidate(V1, 'n1'), { path: '/api/v1/embed/validate', json: { nonce: 'n1' } });
  });

  it('widget document is the root of the widget host with token, nonce and shop', () => {
    const path = routes.widgetDocument('t.k+n', 'abc', 'shop.example.com');
    assert.ok(path.startsWith('/?'));
    const q = new URLSearchParams(path.slice(2));
    assert.equal(q.get('token'), 't.k+n');
    assert.equal(q.get('nonce'), 'abc');
    assert.equal(q.get('shop'), 'shop.example.com');
  });

  it('login and refresh are v1 routes with their JSON bodies', () => {
    assert.deepEqual(routes.login(V1, 'a@b.c', 'pw'), { path: '/api/v1/auth/login', json: { email: 'a@b.c', password: 'pw' } });
    assert.deepEqual(routes.refresh(V1, 'rt'), { path: '/api/v1/auth/refresh', json: { refreshToken: 'rt' } });
  });

  it('seed enqueue: design route with type, prompt and options.quality/format', () => {
    const spec = routes.enqueueRender(SEED, { ...job, type: 'ar' });
    assert.equal(spec.path, '/api/designs/design%201%2Fa/render');
    assert.deepEqual(spec.json, { type: 'ar', prompt: 'a red mug', options: { quality: 'standard', format: 'png' } });
  });

  it('v1 enqueue: 2d/3d route, no prompt or type (strict validation rejects unknown fields), width/height in options', () => {
    const spec = routes.enqueueRender(V1, job);
    assert.equal(spec.path, '/api/v1/render/2d');
    assert.deepEqual(spec.json, {
      productId: 'prod-1',
      brandId: 'brand-1',
      designId: 'design 1/a',
      options: { width: 1024, height: 768, quality: 'standard', format: 'png' },
    });
    assert.equal(routes.enqueueRender(V1, { ...job, type: '3d' }).path, '/api/v1/render/3d');
    // v1 has no AR route: AR goes through 3d.
    assert.equal(routes.enqueueRender(V1, { ...job, type: 'ar' }).path, '/api/v1/render/3d');
    assert.ok(!('prompt' in (spec.json ?? {})));
    assert.ok(!('type' in (spec.json ?? {})));
  });

  it('job status route per dialect, id encoded', () => {
    assert.equal(routes.jobStatus(SEED, 'j/1'), '/api/jobs/j%2F1/status');
    assert.equal(routes.jobStatus(V1, 'r 1'), '/api/v1/render/r%201');
  });

  it("a deployment's route templates replace the dialect's (mainline's status route)", () => {
    const mainline: Deployment = { ...V1, routes: { ...V1.routes, renderStatus: '/api/v1/render/status/{id}', embedToken: '/x/token?s={shop}&v=1' } };
    assert.equal(routes.jobStatus(mainline, 'r 1'), '/api/v1/render/status/r%201');
    assert.equal(routes.embedToken(mainline, 'a&b'), '/x/token?s=a%26b&v=1');
    assert.equal(fillRoute('/a/{missing}/{id}', { id: '7' }), '/a/{missing}/7');
  });

  it('the v1 defaults are the embed branch: tokens in the body, refresh rotates, asynchronous render', () => {
    assert.equal(V1.tokensFrom, 'body');
    assert.equal(V1.refreshRotates, true);
    assert.equal(V1.syncRender, false);
    assert.equal(SEED.refreshRotates, false);
  });
});

describe('extractSessionGrant', () => {
  const cookieDep: Deployment = { ...V1, tokensFrom: 'cookie' };
  it('reads the tokens from Set-Cookie where the deployment puts them only there', () => {
    const g = extractSessionGrant(cookieDep, '{"user":{"id":"u"},"success":true}', ['accessToken=A.B.C; Path=/; HttpOnly', 'refreshToken=R1; Path=/api/v1/auth; HttpOnly']);
    assert.deepEqual(g, { ok: true, value: { accessToken: 'A.B.C', refreshToken: 'R1' } });
    assert.deepEqual(extractSessionGrant(cookieDep, '{}', ['other=1']), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractSessionGrant(V1, '{"user":{},"success":true}', ['accessToken=A']), { ok: false, reason: 'missing_field' }, 'body deployments read the body');
  });

  it('a refresh that does not rotate may leave the refresh token out: the current one stays', () => {
    const keep: Deployment = { ...V1, refreshRotates: false };
    assert.deepEqual(extractSessionGrant(keep, JSON.stringify({ success: true, data: { accessToken: 'a2' } }), [], 'r1'), { ok: true, value: { accessToken: 'a2', refreshToken: 'r1' } });
    assert.deepEqual(extractSessionGrant(V1, JSON.stringify({ success: true, data: { accessToken: 'a2' } }), [], 'r1'), { ok: false, reason: 'missing_field' }, 'a rotating refresh must answer a new one');
  });

  it('cookiesOf drops attributes and empty values', () => {
    assert.deepEqual([...cookiesOf(['a=1; HttpOnly', 'b=; Path=/', 'junk', 'c=x=y'])], [['a', '1'], ['c', 'x=y']]);
  });
});

describe('errorMessageOf and extractRenderResult', () => {
  it("takes the message of v1's envelope, seed's error, production's 429 body, a proxy page's text", () => {
    assert.equal(errorMessageOf('{"success":false,"error":"Not Found","message":"Cannot POST /api/v1/embed/validate","statusCode":404}'), 'Cannot POST /api/v1/embed/validate');
    assert.equal(errorMessageOf('{"success":false,"message":["nonce must be a string","x"]}'), 'nonce must be a string; x');
    assert.equal(errorMessageOf('{"error":"Too many requests from this IP, please try again later.","statusCode":429}'), 'Too many requests from this IP, please try again later.');
    assert.equal(errorMessageOf('<html><h1>502 Bad Gateway</h1></html>'), '(not JSON) 502 Bad Gateway');
    assert.equal(errorMessageOf(''), '(empty body)');
  });

  it('a synchronous render answers the finished render: success, failure, or a result URL', () => {
    assert.deepEqual(extractRenderResult('{"success":true,"data":{"renderId":"r","status":"success"}}'), { ok: true, value: 'succeeded' });
    assert.deepEqual(extractRenderResult('{"success":true,"data":{"renderId":"r","status":"failed"}}'), { ok: true, value: 'failed' });
    assert.deepEqual(extractRenderResult('{"url":"https://x/r.png"}'), { ok: true, value: 'succeeded' });
    assert.deepEqual(extractRenderResult('{"success":true,"data":{"renderId":"r","state":"prioritized"}}'), { ok: false, reason: 'missing_field' });
  });
});

describe('parseJson and unwrap', () => {
  it('parses strings, passes objects through, refuses anything else', () => {
    assert.deepEqual(parseJson('{"a":1}'), { ok: true, value: { a: 1 } });
    const obj = { a: 2 };
    assert.deepEqual(parseJson(obj), { ok: true, value: obj });
    assert.deepEqual(parseJson('<html>502 Bad Gateway</html>'), { ok: false, reason: 'non_json' });
    assert.deepEqual(parseJson(''), { ok: false, reason: 'non_json' });
    assert.deepEqual(parseJson(undefined), { ok: false, reason: 'non_json' });
    assert.deepEqual(parseJson(null), { ok: false, reason: 'non_json' });
    assert.deepEqual(parseJson(42), { ok: false, reason: 'non_json' });
  });

  it('unwraps the v1 envelope only when it is one', () => {
    assert.deepEqual(unwrap({ success: true, data: { x: 1 }, timestamp: 't' }), { x: 1 });
    assert.equal(unwrap({ success: true, data: null }), null);
    // success must be a boolean and data present
    assert.deepEqual(unwrap({ success: 'yes', data: { x: 1 } }), { success: 'yes', data: { x: 1 } });
    assert.deepEqual(unwrap({ success: false, error: 'Bad Request' }), { success: false, error: 'Bad Request' });
    assert.deepEqual(unwrap({ jobId: 'j' }), { jobId: 'j' });
    assert.deepEqual(unwrap([1, 2]), [1, 2]);
  });
});

describe('extractEmbedGrant', () => {
  it('reads token and nonce from seed and v1 bodies', () => {
    assert.deepEqual(extractEmbedGrant('{"token":"t","nonce":"n"}'), { ok: true, value: { token: 't', nonce: 'n' } });
    assert.deepEqual(extractEmbedGrant(envelope({ token: 't2', nonce: 'n2', expiresIn: 300, widgetUrl: 'https://w' })), {
      ok: true,
      value: { token: 't2', nonce: 'n2' },
    });
  });

  it('reports missing or empty fields, null data and non-JSON', () => {
    assert.deepEqual(extractEmbedGrant('{"token":"t"}'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractEmbedGrant('{"token":"","nonce":"n"}'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractEmbedGrant('{"token":1,"nonce":"n"}'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractEmbedGrant(envelope(null)), { ok: false, reason: 'null_data' });
    assert.deepEqual(extractEmbedGrant('[]'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractEmbedGrant('nope'), { ok: false, reason: 'non_json' });
  });
});

describe('extractJobId', () => {
  it('prefers renderId (what v1 polls by), then jobId, then id', () => {
    assert.deepEqual(extractJobId(envelope({ renderId: 'r1', jobId: 'j1', queue: 'render-processing' })), { ok: true, value: 'r1' });
    assert.deepEqual(extractJobId('{"jobId":"j1","id":"i1"}'), { ok: true, value: 'j1' });
    assert.deepEqual(extractJobId('{"id":"i1"}'), { ok: true, value: 'i1' });
  });

  it('accepts numeric ids and skips empty ones', () => {
    assert.deepEqual(extractJobId('{"id":42}'), { ok: true, value: '42' });
    assert.deepEqual(extractJobId('{"renderId":"","jobId":"j2"}'), { ok: true, value: 'j2' });
  });

  it('fails without any id, on null data and on non-JSON', () => {
    assert.deepEqual(extractJobId('{"status":"queued"}'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractJobId('{"id":null}'), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractJobId(envelope(null)), { ok: false, reason: 'null_data' });
    assert.deepEqual(extractJobId('<html/>'), { ok: false, reason: 'non_json' });
  });

  it('takes already-parsed bodies', () => {
    assert.deepEqual(extractJobId({ success: true, data: { renderId: 'r9' } }), { ok: true, value: 'r9' });
  });
});

describe('extractLoginGrant', () => {
  it('reads the v1 login envelope, with expiresIn when given', () => {
    assert.deepEqual(extractLoginGrant(envelope({ accessToken: 'a', refreshToken: 'r', expiresIn: 900 })), {
      ok: true,
      value: { accessToken: 'a', refreshToken: 'r', expiresIn: 900 },
    });
    const noExpiry = extractLoginGrant(envelope({ accessToken: 'a', refreshToken: 'r' }));
    assert.deepEqual(noExpiry, { ok: true, value: { accessToken: 'a', refreshToken: 'r' } });
    assert.ok(noExpiry.ok && !('expiresIn' in noExpiry.value));
  });

  it('needs both tokens', () => {
    assert.deepEqual(extractLoginGrant(envelope({ accessToken: 'a' })), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractLoginGrant(envelope({ refreshToken: 'r' })), { ok: false, reason: 'missing_field' });
    assert.deepEqual(extractLoginGrant('Unauthorized'), { ok: false, reason: 'non_json' });
  });
});

describe('mapJobStatus', () => {
  it('seed words: completed/done succeed, failed/error fail, anything else runs', () => {
    assert.equal(mapJobStatus({ status: 'completed' }), 'succeeded');
    assert.equal(mapJobStatus({ status: 'done' }), 'succeeded');
    assert.equal(mapJobStatus({ status: 'failed' }), 'failed');
    assert.equal(mapJobStatus({ status: 'error' }), 'failed');
    assert.equal(mapJobStatus({ status: 'queued' }), 'running');
    assert.equal(mapJobStatus({ status: 'processing' }), 'running');
  });

  it('seed may send state instead of status', () => {
    assert.equal(mapJobStatus({ state: 'done' }), 'succeeded');
    assert.equal(mapJobStatus({ state: 'error' }), 'failed');
    assert.equal(mapJobStatus({ state: 'active' }), 'running');
  });

  it('is case-insensitive', () => {
    assert.equal(mapJobStatus({ status: 'COMPLETED' }), 'succeeded');
    assert.equal(mapJobStatus({ state: 'Failed' }), 'failed');
  });

  it('v1: status decides over queueState', () => {
    assert.equal(mapJobStatus({ status: 'success', queueState: 'completed' }), 'succeeded');
    // A completed queue job whose render failed is a failed render.
    assert.equal(mapJobStatus({ status: 'failed', queueState: 'completed' }), 'failed');
    for (const q of ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'unknown']) {
      assert.equal(mapJobStatus({ status: 'processing', queueState: q }), 'running', q);
    }
    // status processing while BullMQ already gave up is still decided by status
    assert.equal(mapJobStatus({ status: 'processing', queueState: 'failed' }), 'running');
  });

  it('v1 without status: only queueState failed is final', () => {
    assert.equal(mapJobStatus({ queueState: 'failed' }), 'failed');
    assert.equal(mapJobStatus({ queueState: 'completed' }), 'running');
    assert.equal(mapJobStatus({ queueState: 'active' }), 'running');
  });

  it('no status words at all, or non-string ones: still running', () => {
    assert.equal(mapJobStatus({}), 'running');
    assert.equal(mapJobStatus({ status: 1 }), 'running');
    assert.equal(mapJobStatus({ status: null, state: 'done' }), 'succeeded');
  });
});

describe('extractJobOutcome', () => {
  it('maps seed and v1 bodies', () => {
    assert.deepEqual(extractJobOutcome('{"status":"completed"}'), { ok: true, value: 'succeeded' });
    assert.deepEqual(extractJobOutcome(envelope({ renderId: 'r', status: 'failed', queueState: 'completed' })), { ok: true, value: 'failed' });
    assert.deepEqual(extractJobOutcome(envelope({ renderId: 'r', status: 'processing', queueState: 'waiting' })), { ok: true, value: 'running' });
  });

  it('unknown v1 id (data: null) and non-JSON are parse failures', () => {
    assert.deepEqual(extractJobOutcome(envelope(null)), { ok: false, reason: 'null_data' });
    assert.deepEqual(extractJobOutcome('gateway timeout'), { ok: false, reason: 'non_json' });
  });
});

describe('classifyValidationFailure', () => {
  it('recognises origin mismatch, replay and invalid nonces in either dialect', () => {
    assert.equal(classifyValidationFailure(JSON.stringify({ success: false, error: 'Bad Request', message: 'Origin mismatch', statusCode: 400 })), 'origin_mismatch');
    assert.equal(classifyValidationFailure('{"error":"nonce already used"}'), 'replayed');
    assert.equal(classifyValidationFailure('{"message":"Replay detected"}'), 'replayed');
    assert.equal(classifyValidationFailure('{"message":"Invalid or expired nonce"}'), 'invalid');
    assert.equal(classifyValidationFailure('{"error":"token expired"}'), 'invalid');
  });

  it('reads class-validator style message arrays', () => {
    assert.equal(classifyValidationFailure(JSON.stringify({ message: ['nonce must be a string'], error: 'Bad Request' })), 'invalid');
  });

  it('non-JSON and unexplained refusals', () => {
    assert.equal(classifyValidationFailure('<html>'), 'non_json');
    assert.equal(classifyValidationFailure('{"error":"Forbidden"}'), 'rejected');
    assert.equal(classifyValidationFailure('"just a string"'), 'rejected');
  });
});

describe('isValidationAccepted', () => {
  it('needs an explicit valid: true, in either dialect', () => {
    assert.equal(isValidationAccepted('{"valid":true}'), true);
    assert.equal(isValidationAccepted(envelope({ shopDomain: 's', valid: true })), true);
    assert.equal(isValidationAccepted('{"valid":"true"}'), false);
    assert.equal(isValidationAccepted('{"valid":false}'), false);
    assert.equal(isValidationAccepted('{}'), false);
    assert.equal(isValidationAccepted(envelope(null)), false);
    assert.equal(isValidationAccepted('OK'), false);
  });
});
