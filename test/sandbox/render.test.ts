import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API_KEY, bearer, call, sleep, useSandbox, v1Login } from './helpers.ts';
import type { Json } from './helpers.ts';

const KEY = bearer(API_KEY);

async function pollUntil(fn: () => Promise<Json>, done: (body: Json) => boolean, timeoutMs = 3000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await fn();
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(body)}`);
    await sleep(20);
  }
}

describe('seed render jobs', () => {
  // 3d takes 0.3–1.2 s at this factor; 2d 50–150 ms.
  const s = useSandbox({ render: { timeFactor: 0.01, workerConcurrency: 1 } });
  const enqueue = (type: string): Promise<Json> => call(`${s.sb.apiUrl}/api/designs/design-7/render`, { headers: KEY, body: { type, prompt: 'a blue mug', options: { quality: 'high', format: 'png' } } });
  const status = async (id: string): Promise<Json> => (await call(`${s.sb.apiUrl}/api/jobs/${id}/status`, { headers: KEY })).json;

  test('odd jobs: 202 {jobId}, status key; running words cycle; finished = completed', async () => {
    const r = await enqueue('3d');
    assert.equal(r.status, 202);
    assert.deepEqual(Object.keys(r.json).sort(), ['jobId', 'status']);
    assert.equal(r.json.status, 'queued');
    const id = r.json.jobId;
    const words = [];
    for (let i = 0; i < 3; i++) words.push((await status(id)).status);
    assert.deepEqual(words, ['queued', 'processing', 'active']);
    const done = await pollUntil(() => status(id), (b) => b.status !== 'queued' && b.status !== 'processing' && b.status !== 'active');
    assert.equal(done.status, 'completed');
    assert.equal(done.state, undefined);
    assert.match(done.url, /^http:\/\/127\.0\.0\.1:\d+\/renders\/job-1\.png$/);
  });

  test('even jobs: 200 {id}, state key; finished = done', async () => {
    const r = await enqueue('2d');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'queued');
    const id = r.json.id;
    assert.ok(id);
    const first = await status(id);
    assert.equal(first.status, undefined);
    assert.equal(first.state, 'queued');
    const done = await pollUntil(() => status(id), (b) => b.state === 'done');
    assert.equal(done.state, 'done');
  });

  test('failure rate 1: failed (odd) / error (even) with a message', async () => {
    s.sb.setFaults({ jobs: { failureRate: 1, slow: null } });
    const odd = (await enqueue('ar')).json.jobId;
    const even = (await enqueue('2d')).json.id;
    const a = await pollUntil(() => status(odd), (b) => b.status === 'failed');
    assert.equal(typeof a.error, 'string');
    const b = await pollUntil(() => status(even), (x) => x.state === 'error');
    assert.equal(typeof b.error, 'string');
    s.sb.setFaults({ jobs: { failureRate: 0 } });
    const st = s.sb.stats();
    assert.equal(st.render.failed, 2);
    assert.equal(st.render.completed, 2);
    assert.equal(st.render.enqueued, 4);
  });

  test('failEvery 2: every second job to start fails, whatever chance says', async () => {
    s.sb.reset();
    s.sb.setFaults({ jobs: { failEvery: 2 } });
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const r = (await enqueue('2d')).json;
      ids.push(r.jobId ?? r.id);
    }
    const finals = [];
    for (const id of ids) finals.push(await pollUntil(() => status(id), (b) => ['completed', 'done', 'failed', 'error'].includes(b.status ?? b.state)));
    s.sb.setFaults({ jobs: { failEvery: null } });
    const failed = finals.map((b) => ['failed', 'error'].includes(b.status ?? b.state));
    // Counted from the sandbox's first job: which of the four come second depends on the jobs before.
    assert.ok(failed[0] !== failed[1] && failed[0] === failed[2] && failed[1] === failed[3], JSON.stringify(failed));
    assert.equal(s.sb.stats().render.failed, 2);
  });

  test('unknown job → 404; bad bodies → 400', async () => {
    const unknown = await call(`${s.sb.apiUrl}/api/jobs/job-999/status`, { headers: KEY });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error, 'not_found');
    for (const body of [{ type: '4d', prompt: 'x' }, { type: '2d' }, { type: '2d', prompt: '' }, [1, 2]]) {
      const r = await call(`${s.sb.apiUrl}/api/designs/d/render`, { headers: KEY, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error, 'bad_request');
    }
  });
});

describe('slow jobs and the queue limit', () => {
  const slow = useSandbox({ render: { timeFactor: 0.001 }, faults: { jobs: { failureRate: 0, slow: { fraction: 1, factor: 200 } } } });
  const full = useSandbox({ render: { workerConcurrency: 1, queueLimit: 2 } });

  test('a slow job takes its time × factor', async () => {
    // 2d at this factor is 5–15 ms; slowed ×200 it is 1–3 s: a status asked right after the enqueue has a second to spare.
    const id = (await call(`${slow.sb.apiUrl}/api/designs/d/render`, { headers: KEY, body: { type: '2d', prompt: 'x' } })).json.jobId;
    const mid = (await call(`${slow.sb.apiUrl}/api/jobs/${id}/status`, { headers: KEY })).json;
    assert.ok(['queued', 'processing', 'active'].includes(mid.status), JSON.stringify(mid));
    await pollUntil(async () => (await call(`${slow.sb.apiUrl}/api/jobs/${id}/status`, { headers: KEY })).json, (b) => b.status === 'completed', 30_000);
    assert.ok(slow.sb.stats().render.processingMs.min >= 1000, 'no faster than its time × factor');
  });

  test('beyond queueLimit waiting jobs → 503 queue_full', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(`${full.sb.apiUrl}/api/designs/d/render`, { headers: KEY, body: { type: '3d', prompt: 'x' } })).status);
    assert.deepEqual(statuses, [202, 200, 202, 503]);
    const r = await call(`${full.sb.apiUrl}/api/designs/d/render`, { headers: KEY, body: { type: '3d', prompt: 'x' } });
    assert.equal(r.json.error, 'queue_full');
    const st = full.sb.stats();
    assert.deepEqual([st.render.active, st.render.waiting, st.render.rejected], [1, 2, 2]);
    assert.ok(st.render.oldestWaitingSec >= 0);
  });
});

describe('v1 render jobs', () => {
  const s = useSandbox({ render: { timeFactor: 0.005, workerConcurrency: 1, quotaPerUser: 5 } });
  let token = '';
  const body = { productId: 'prod-1', brandId: 'brand-1', designId: 'design-1', options: { width: 512, height: 512, quality: 'standard', format: 'webp' } };
  const get = async (id: string): Promise<Json> => {
    const r = await call(`${s.sb.apiUrl}/api/v1/render/${id}`, { headers: bearer(token) });
    assert.equal(r.status, 200);
    assert.equal(r.json.success, true);
    return r.json.data;
  };

  test('enqueue → 202 envelope; status processing/waiting|active → success/completed with url', async () => {
    token = (await v1Login(s.sb)).accessToken;
    const r = await call(`${s.sb.apiUrl}/api/v1/render/3d`, { headers: bearer(token), body });
    assert.equal(r.status, 202);
    const d = r.json.data;
    assert.equal(d.queue, 'render-processing');
    assert.equal(d.state, 'waiting');
    assert.equal(d.priority, 0);
    assert.ok(typeof d.renderId === 'string' && typeof d.jobId === 'string' && d.renderId !== d.jobId);
    assert.ok(!Number.isNaN(Date.parse(d.enqueuedAt)));
    const second = (await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body: { ...body, priority: 3 } })).json.data;
    const waiting = await get(second.renderId);
    assert.deepEqual([waiting.status, waiting.queueState], ['processing', 'prioritized']);
    const running = await get(d.renderId);
    assert.deepEqual([running.status, running.queueState], ['processing', 'active']);
    const done = await pollUntil(() => get(d.renderId), (x) => x.status !== 'processing');
    assert.deepEqual([done.status, done.queueState], ['success', 'completed']);
    assert.match(done.url, /\.webp$/);
  });

  test('failed renders: status failed with queueState failed or completed', async () => {
    s.sb.setFaults({ jobs: { failureRate: 1 } });
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body })).json.data.renderId);
    const states = [];
    for (const id of ids) {
      const x = await pollUntil(() => get(id), (b) => b.status !== 'processing');
      assert.equal(x.status, 'failed');
      assert.equal(typeof x.error, 'string');
      states.push(x.queueState);
    }
    assert.deepEqual(states.sort(), ['completed', 'failed']);
    s.sb.setFaults({ jobs: { failureRate: 0 } });
  });

  test('unknown id → 200 data null; a seed job id is unknown to v1', async () => {
    assert.equal(await get('render-12345'), null);
    const seedJob = (await call(`${s.sb.apiUrl}/api/designs/d/render`, { headers: KEY, body: { type: '2d', prompt: 'x' } })).json;
    assert.equal(await get(seedJob.jobId ?? seedJob.id), null);
  });

  test('strict body: prompt and unknown option fields rejected, bad sizes rejected', async () => {
    const withPrompt = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body: { ...body, prompt: 'x' } });
    assert.equal(withPrompt.status, 400);
    assert.deepEqual(withPrompt.json.message, ['property prompt should not exist']);
    const nested = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body: { ...body, options: { width: 1, height: 1, dpi: 300 } } });
    assert.deepEqual(nested.json.message, ['property options.dpi should not exist']);
    const sizes = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body: { productId: 'p', brandId: 'b', options: { width: 0, height: 'x' } } });
    assert.equal(sizes.status, 400);
    assert.equal(sizes.json.message.length, 2);
    const ar = await call(`${s.sb.apiUrl}/api/v1/render/ar`, { headers: bearer(token), body });
    assert.equal(ar.status, 405, 'v1 has 2d and 3d render routes only');
  });

  test('per-user quota → 403 Render quota exceeded', async () => {
    const r = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body });
    assert.equal(r.status, 202, 'fifth render');
    const over = await call(`${s.sb.apiUrl}/api/v1/render/2d`, { headers: bearer(token), body });
    assert.equal(over.status, 403);
    assert.equal(over.json.message, 'Render quota exceeded');
  });

  test('v1 health shows the queue', async () => {
    const h = await call(`${s.sb.apiUrl}/api/v1/health`);
    assert.equal(h.json.data.status, 'ok');
    const q = h.json.data.queues['render-processing'];
    for (const k of ['waiting', 'active', 'completed', 'failed']) assert.equal(typeof q[k], 'number');
    assert.ok(q.completed >= 2 && q.failed === 2);
  });
});
