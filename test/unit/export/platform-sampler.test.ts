import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MetricsFetch, type MetricsResponse, PlatformSampler, type SamplerOptions, toPlatformSample } from '../../../src/export/platform-sampler.ts';
import type { PlatformSample } from '../../../src/results/recorder.ts';
import { RateLimitGate } from '../../../src/api/rate-limit-gate.ts';

const URL_ = 'https://api.example.test/api/v1/metrics';
const TEXT = `# TYPE bullmq_queue_jobs_total gauge
bullmq_queue_jobs_total{queue="render-processing",state="waiting"} 7
bullmq_queue_jobs_total{queue="render-processing",state="active"} 1
bullmq_queue_jobs_total{queue="render-processing",state="completed"} 90
# TYPE bullmq_queue_oldest_waiting_seconds gauge
bullmq_queue_oldest_waiting_seconds{queue="render-processing"} 12.5
# TYPE luneo_embed_handshakes_total counter
luneo_embed_handshakes_total 300
# TYPE luneo_embed_handshake_failures_total counter
luneo_embed_handshake_failures_total{reason="origin_mismatch"} 2
luneo_embed_handshake_failures_total{reason="expired"} 1
`;

type Reply = { status: number; type?: string; body?: string } | Error | 'hang';

function response(r: { status: number; type?: string; body?: string }): MetricsResponse {
  return {
    status: r.status,
    headers: { get: (n: string) => (n.toLowerCase() === 'content-type' ? (r.type ?? null) : null) },
    text: async () => r.body ?? '',
  };
}

const prom = (body = TEXT): Reply => ({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body });

function setup(replies: Reply[], extra: Partial<SamplerOptions> = {}) {
  const samples: PlatformSample[] = [];
  const lines: string[] = [];
  const calls: { url: string; headers: Record<string, string> }[] = [];
  let n = 0;
  const fetch: MetricsFetch = (url, init) => {
    calls.push({ url, headers: init.headers });
    const r = replies[Math.min(n++, replies.length - 1)]!;
    if (r === 'hang') {
      // The abort timer is unref'd, as in the plugin; this one stands for the run that keeps the process alive.
      const alive = setTimeout(() => {}, 5000);
      return new Promise((_, reject) =>
        init.signal.addEventListener('abort', () => {
          clearTimeout(alive);
          reject(init.signal.reason as Error);
        }),
      );
    }
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(response(r));
  };
  let clock = 1000;
  const sampler = new PlatformSampler({
    url: URL_,
    accessToken: async () => 'tok-1',
    onSample: (s) => samples.push(s),
    log: (l) => lines.push(l),
    fetch,
    now: () => (clock += 10),
    ...extra,
  });
  return { sampler, samples, lines, calls };
}

describe('toPlatformSample', () => {
  it('maps the platform metrics: waiting and active summed over queues, oldest the maximum, failures summed over reasons', () => {
    assert.deepEqual(toPlatformSample(TEXT, 5), { at: 5, queueWaiting: 7, queueActive: 1, oldestWaitingSec: 12.5, handshakes: 300, handshakeFailures: 3 });
  });

  it('only what is there; non-finite values are left out (JSON has no NaN)', () => {
    assert.deepEqual(toPlatformSample('luneo_embed_handshakes_total 4\nbullmq_queue_oldest_waiting_seconds{queue="q"} +Inf\n', 1), { at: 1, handshakes: 4 });
  });

  it('none of the platform metrics: no sample', () => {
    assert.equal(toPlatformSample('process_cpu_seconds_total 3\n', 1), undefined);
    assert.equal(toPlatformSample('<html><body>login</body></html>', 1), undefined);
  });
});

describe('PlatformSampler', () => {
  it('scrapes with the access token and records a sample with the time it started', async () => {
    const { sampler, samples, lines, calls } = setup([prom()]);
    await sampler.sampleOnce();
    assert.deepEqual(calls, [{ url: URL_, headers: { authorization: 'Bearer tok-1', accept: 'text/plain' } }]);
    assert.equal(samples.length, 1);
    assert.equal(samples[0]?.at, 1010);
    assert.equal(samples[0]?.queueWaiting, 7);
    assert.deepEqual(lines, []);
  });

  for (const [what, reply, pattern] of [
    ['401', { status: 401, type: 'application/json', body: '{}' }, /platform metrics unavailable: .*answered HTTP 401/],
    ['403', { status: 403 }, /answered HTTP 403/],
    ['404', { status: 404, type: 'text/html' }, /answered HTTP 404/],
    ['an HTML page', { status: 200, type: 'text/html', body: '<html></html>' }, /answered text\/html, not Prometheus text/],
    ['JSON', { status: 200, type: 'application/json', body: '{"ok":true}' }, /answered application\/json, not Prometheus text/],
    ['text without the platform metrics', { status: 200, type: 'text/plain', body: 'up 1\n' }, /exposes none of bullmq_queue_jobs_total/],
  ] as const) {
    it(`${what}: one line, then no more requests`, async () => {
      const { sampler, samples, lines, calls } = setup([reply, prom()]);
      await sampler.sampleOnce();
      await sampler.sampleOnce();
      await sampler.stop(true);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, pattern);
      assert.equal(calls.length, 1);
      assert.equal(samples.length, 0);
      assert.equal(sampler.active, false);
    });
  }

  it('a timeout stops the sampling, quickly', async () => {
    const { sampler, lines } = setup(['hang'], { timeoutMs: 30 });
    const t0 = Date.now();
    await sampler.sampleOnce();
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(lines, [`platform metrics unavailable: ${URL_} did not answer within 30 ms`]);
    assert.equal(sampler.active, false);
  });

  it('no access token (login refused): one line', async () => {
    const { sampler, lines, calls } = setup([prom()], {
      accessToken: async () => {
        throw new Error('/api/v1/auth/login refused the credentials (HTTP 401)');
      },
    });
    await sampler.sampleOnce();
    assert.equal(calls.length, 0);
    assert.match(lines[0]!, /platform metrics unavailable: no access token \(.*HTTP 401\)/);
  });

  it('5xx, 429 and connection errors under load are skipped; the sampling stops after three in a row', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    // The 429 closes the shared gate for its Retry-After (the default 1 s here): time passes between samples.
    let t = 0;
    const gate = new RateLimitGate({ now: () => t, marginMs: 0 });
    const { sampler, samples, lines } = setup([{ status: 503 }, { status: 429 }, prom(), { status: 500 }, refused, { status: 502 }, prom()], { gate });
    for (let i = 0; i < 7; i++) {
      await sampler.sampleOnce();
      t += 10_000;
    }
    assert.equal(samples.length, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /platform metrics unavailable: 3 failed attempts in a row, last: .*answered HTTP 502/);
  });

  it('respects the shared gate: no request while a Retry-After runs, a 429 of its own closes it for everyone', async () => {
    let t = 0;
    const gate = new RateLimitGate({ now: () => t, marginMs: 0 });
    const limited: Reply = { status: 429 };
    const { sampler, samples, calls, lines } = setup([limited, prom()], { gate });
    gate.close('api.example.test', 52_000); // a worker's 429
    await sampler.sampleOnce();
    assert.equal(calls.length, 0, 'skipped, not sent early');
    t = 52_000;
    await sampler.sampleOnce();
    assert.equal(calls.length, 1);
    assert.ok(gate.waitMs('api.example.test') > 0, "its own 429 closed the gate for the workers too");
    await sampler.sampleOnce();
    assert.equal(calls.length, 1);
    t += 2_000;
    await sampler.sampleOnce();
    assert.equal(calls.length, 2);
    assert.equal(samples.length, 1);
    assert.deepEqual(lines, []);
  });

  it('queue waiting is waiting + prioritized + delayed: the platform files every job under prioritized', () => {
    const text = [
      '# TYPE bullmq_queue_jobs_total gauge',
      'bullmq_queue_jobs_total{queue="render-processing",state="waiting"} 0',
      'bullmq_queue_jobs_total{queue="render-processing",state="prioritized"} 40',
      'bullmq_queue_jobs_total{queue="render-processing",state="delayed"} 2',
      'bullmq_queue_jobs_total{queue="render-processing",state="active"} 1',
    ].join('\n');
    assert.equal(toPlatformSample(text, 5)?.queueWaiting, 42);
    assert.equal(toPlatformSample('bullmq_queue_jobs_total{state="prioritized"} 3\n', 5)?.queueWaiting, 3);
  });

  it('a slow scrape is not doubled up', async () => {
    let release: (() => void) | undefined;
    const fetch: MetricsFetch = () => new Promise((resolve) => (release = () => resolve(response(prom() as { status: number }))));
    let calls = 0;
    const sampler = new PlatformSampler({
      url: URL_,
      accessToken: async () => 't',
      onSample: () => {},
      log: () => {},
      fetch: (u, i) => {
        calls++;
        return fetch(u, i);
      },
    });
    const a = sampler.sampleOnce();
    const b = sampler.sampleOnce();
    await new Promise((r) => setImmediate(r));
    release?.();
    await Promise.all([a, b]);
    assert.equal(calls, 1);
  });

  it('start samples at once and on each interval; stop(true) takes a last sample and ends the timer', async () => {
    const { sampler, samples } = setup([prom()], { intervalMs: 15 });
    sampler.start();
    // However slowly a busy machine runs the timer: the immediate sample and at least one on the interval.
    for (const deadline = Date.now() + 30_000; samples.length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    const during = samples.length;
    assert.ok(during >= 2, `immediate and interval samples (got ${during})`);
    await sampler.stop(true);
    const after = samples.length;
    assert.equal(after, during + 1, 'one final sample');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(samples.length, after, 'nothing after stop');
    await sampler.sampleOnce();
    assert.equal(samples.length, after);
  });
});
