/**
 * The luneo engine's steps, hooks, connections, timeouts, transport errors,
 * TLS and metric names, against loopback servers (no Artillery run).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { VUContext, VUEvents } from 'artillery';
import { generate } from 'selfsigned';
import type { EngineScript } from '../../../engines/artillery-engine-luneo/index.ts';
import type { RequestParams, ResponseView } from '../../../engines/artillery-engine-luneo/request-step.ts';
import { METRICS } from '../../../src/metric-names.ts';
import { echo, httpServer, httpsServer, runScenario, type TestServer } from './harness.ts';

type Done = (err?: Error) => void;

function script(target: string, flow: unknown[], processor: Record<string, unknown> = {}, config: Record<string, unknown> = {}): EngineScript {
  return { config: { target, processor, ...config }, scenarios: [{ name: 's', engine: 'luneo', flow }] };
}

describe('luneo engine: steps and hooks', () => {
  let api: TestServer;
  before(async () => {
    api = await httpServer(echo);
  });
  after(() => api.close());

  test('get and post with templated url, headers and json; hooks see the request and the response', async () => {
    const seen: { status: number; body: string; total: number; firstByte: number; header: unknown; url: unknown }[] = [];
    const processor = {
      // async hook: awaited
      async addAuth(req: RequestParams, context: VUContext) {
        req.headers = { ...req.headers, authorization: `Bearer ${String(context.vars.token)}` };
      },
      // callback hook: done
      setJson(req: RequestParams, context: VUContext, _events: VUEvents, done: Done) {
        req.json = { nonce: context.vars.nonce };
        req.url = `${String(context.vars.target)}/validate`;
        done();
      },
      async keep(_req: RequestParams, res: ResponseView, context: VUContext) {
        seen.push({ status: res.statusCode, body: res.body, total: res.timings.phases.total, firstByte: res.timings.phases.firstByte, header: res.headers['x-seen'], url: _req.url });
        context.vars.last = JSON.parse(res.body);
      },
    };
    const flow = [
      { get: { name: 'token', url: '/token?shop={{ shop }}', headers: { Origin: '{{ origin }}', accept: 'application/json' }, beforeRequest: 'addAuth', afterResponse: 'keep' } },
      { post: { name: 'validate', url: '/placeholder', headers: { origin: '{{ origin }}' }, beforeRequest: 'setJson', afterResponse: 'keep' } },
    ];
    const [run] = await runScenario(script(api.url, flow, processor), { shop: 'a.myshopify.com', origin: 'https://a.example', token: 't0k', nonce: 'n1' });
    assert.ok(run);
    assert.equal(run.err, null);
    const [tokenReq, validateReq] = api.requests.slice(-2);
    assert.equal(tokenReq?.method, 'GET');
    assert.equal(tokenReq?.url, '/token?shop=a.myshopify.com');
    assert.equal(tokenReq?.headers.origin, 'https://a.example');
    assert.equal(tokenReq?.headers.authorization, 'Bearer t0k');
    assert.equal(tokenReq?.headers['user-agent'], 'Artillery (https://artillery.io)');
    assert.equal(validateReq?.method, 'POST');
    assert.equal(validateReq?.url, '/validate');
    assert.equal(validateReq?.headers['content-type'], 'application/json');
    assert.equal(validateReq?.headers.origin, 'https://a.example');
    assert.deepEqual(JSON.parse(validateReq?.body ?? ''), { nonce: 'n1' });
    assert.equal(seen.length, 2);
    for (const s of seen) {
      assert.equal(s.status, 200);
      assert.equal(s.header, 'yes');
      assert.ok(s.total >= s.firstByte && s.firstByte > 0, 'timings: first byte, then the whole body');
    }
    assert.equal(seen[0]?.url, `${api.url}/token?shop=a.myshopify.com`, 'afterResponse sees the URL that was sent');
    assert.deepEqual(run.context.vars.last, { method: 'POST', url: '/validate', body: '{"nonce":"n1"}' });
  });

  test('loop with whileTrue, function steps in both styles, think with a template, ifTrue', async () => {
    const calls: string[] = [];
    const processor = {
      async begin(context: VUContext) {
        calls.push('begin');
        context.vars.pass = Number(context.vars.pass ?? 0) + 1;
      },
      tick(_context: VUContext, _events: VUEvents, done: Done) {
        calls.push('tick');
        setImmediate(done);
      },
      onEven(vars: Record<string, unknown>) {
        return Number(vars.pass) % 2 === 0;
      },
      again(context: VUContext, next: (go: boolean) => void) {
        next(Number(context.vars.pass) < 4);
      },
    };
    const flow = [
      {
        loop: [
          { function: 'begin' },
          { get: { url: '/every', name: 'every' } },
          { think: '{{ pauseMs }}ms' },
          { get: { url: '/even', name: 'even', ifTrue: 'onEven' } },
          { function: 'tick' },
        ],
        whileTrue: 'again',
      },
    ];
    const before = api.requests.length;
    const started = performance.now();
    const [run] = await runScenario(script(api.url, flow, processor), { pauseMs: 20 });
    assert.equal(run?.err, null);
    assert.ok(performance.now() - started >= 4 * 19, 'think paused each pass');
    const urls = api.requests.slice(before).map((r) => r.url);
    assert.deepEqual(urls, ['/every', '/every', '/even', '/every', '/every', '/even']);
    assert.deepEqual(calls, ['begin', 'tick', 'begin', 'tick', 'begin', 'tick', 'begin', 'tick']);
    assert.equal(run?.context.vars.$loopCount, 4);
  });

  test("Artillery's metric names: requests, responses, codes, response time, request rate, bytes; started", async () => {
    const flow = [{ get: { url: '/a' } }, { get: { url: '/b' } }];
    const [run] = await runScenario(script(api.url, flow));
    const ev = run?.events;
    assert.ok(ev);
    assert.equal(ev.counter('http.requests'), 2);
    assert.equal(ev.counter('http.responses'), 2);
    assert.equal(ev.counter('http.codes.200'), 2);
    assert.equal(ev.histogram('http.response_time').length, 2);
    assert.equal(ev.histogram('http.response_time.2xx').length, 2);
    assert.ok(ev.counter('http.downloaded_bytes') > 0);
    assert.ok(ev.names('rate').has('http.request_rate'));
    assert.equal(ev.events.filter((e) => e[0] === 'started').length, 1);
    assert.equal(ev.counter(METRICS.engine.connections), 1);
  });

  test('a hook that throws ends the visitor: callback error, errors.<message>, onError sees the request', async () => {
    const onErrors: unknown[] = [];
    const processor = {
      async boom() {
        throw new Error('hook failed');
      },
      failed(err: Error, req: RequestParams, _c: VUContext, _e: VUEvents, done: Done) {
        onErrors.push([err.message, req.name]);
        done();
      },
    };
    const s = script(api.url, [{ get: { name: 'x', url: '/x', beforeRequest: 'boom' } }, { get: { url: '/never' } }], processor);
    (s.scenarios?.[0] as Record<string, unknown>).onError = 'failed';
    const before = api.requests.length;
    const [run] = await runScenario(s);
    assert.equal(run?.err?.message, 'hook failed');
    assert.deepEqual(run?.events.errors(), ['hook failed']);
    assert.deepEqual(onErrors, [['hook failed', 'x']]);
    assert.equal(api.requests.length, before, 'nothing was sent after the failure');
  });
});

describe('luneo engine: connections', () => {
  test('one keep-alive connection per visitor and host, closed when the visitor leaves', async () => {
    const api = await httpServer(echo);
    const widget = await httpServer(echo);
    try {
      const flow = [{ loop: [{ get: { url: '/t' } }, { get: { url: `${widget.url}/w` } }, { post: { url: '/v', json: { a: 1 } } }], count: 3 }];
      const runs = await runScenario(script(api.url, flow), {}, 4);
      for (const r of runs) assert.equal(r.err, null);
      assert.equal(api.requests.length, 4 * 3 * 2);
      assert.equal(widget.requests.length, 4 * 3);
      assert.equal(api.connections, 4, 'the API saw one connection per visitor');
      assert.equal(widget.connections, 4, 'the widget host saw one connection per visitor');
      assert.equal(runs[0]?.events.counter(METRICS.engine.connections), 8);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(api.closed + widget.closed, 8, 'every connection closed when its visitor ended');
    } finally {
      await api.close();
      await widget.close();
    }
  });
});

describe('luneo engine: timeouts and transport errors', () => {
  test('a request that times out is counted (errors.ETIMEDOUT, its time recorded), the hook sees it failed, the visitor goes on', async () => {
    const api = await httpServer((req, res, body) => {
      if (req.url === '/slow') return; // never answers
      echo(req, res, body);
    });
    try {
      const seen: [number, string | undefined, number][] = [];
      const processor = {
        async look(_req: RequestParams, res: ResponseView) {
          seen.push([res.statusCode, res.error?.code, res.timings.phases.total]);
        },
      };
      const flow = [{ get: { url: '/slow', afterResponse: 'look' } }, { get: { url: '/after', afterResponse: 'look' } }];
      const [run] = await runScenario(script(api.url, flow, processor, { http: { timeout: 1 } }));
      assert.equal(run?.err, null, 'the visitor finished its flow');
      assert.deepEqual(run?.events.errors(), ['ETIMEDOUT']);
      const [timedOut, next] = seen;
      assert.equal(timedOut?.[0], 0);
      assert.equal(timedOut?.[1], 'ETIMEDOUT');
      assert.ok((timedOut?.[2] ?? 0) >= 900, `its time is the timeout (${timedOut?.[2]} ms)`);
      assert.equal(run?.events.histogram(METRICS.engine.timeoutMs).length, 1);
      assert.deepEqual(next?.slice(0, 2), [200, undefined]);
      assert.equal(run?.events.counter('http.requests'), 2);
      assert.equal(run?.events.counter('http.responses'), 1);
    } finally {
      await api.close();
    }
  });

  test('a connection reset and a refused connection fail their requests by kind; the visitor goes on and reconnects', async () => {
    const api = await httpServer((req, res, body) => {
      if (req.url === '/reset') {
        req.socket.destroy();
        return;
      }
      echo(req, res, body);
    });
    const refused = await httpServer(echo);
    const closedPort = refused.url;
    await refused.close();
    try {
      const codes: number[] = [];
      const processor = {
        async look(_req: RequestParams, res: ResponseView) {
          codes.push(res.statusCode);
        },
      };
      const flow = [
        { get: { url: '/ok', afterResponse: 'look' } },
        { get: { url: '/reset', afterResponse: 'look' } },
        { get: { url: '/ok', afterResponse: 'look' } },
        { get: { url: `${closedPort}/x`, afterResponse: 'look' } },
        { get: { url: '/ok', afterResponse: 'look' } },
      ];
      const [run] = await runScenario(script(api.url, flow, processor));
      assert.equal(run?.err, null);
      assert.deepEqual(codes, [200, 0, 200, 0, 200]);
      assert.deepEqual(run?.events.errors(), ['ECONNRESET', 'ECONNREFUSED']);
      assert.equal(api.connections, 2, 'a new connection after the reset');
    } finally {
      await api.close();
    }
  });
});

describe('luneo engine: TLS', () => {
  let pems: { private: string; cert: string };
  before(async () => {
    pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
  });

  test('https target with the certificate trusted (config.tls.ca): requests succeed over one TLS connection', async () => {
    const api = await httpsServer(echo, { key: pems.private, cert: pems.cert });
    try {
      const flow = [{ get: { url: '/a' } }, { get: { url: '/b' } }];
      const [run] = await runScenario(script(api.url, flow, {}, { tls: { ca: pems.cert } }));
      assert.equal(run?.err, null);
      assert.equal(run?.events.counter('http.codes.200'), 2);
      assert.equal(api.connections, 1);
    } finally {
      await api.close();
    }
  });

  test('a self-signed certificate not trusted is a transport error counted by its kind, and the visitor goes on', async () => {
    const api = await httpsServer(echo, { key: pems.private, cert: pems.cert });
    try {
      const [run] = await runScenario(script(api.url, [{ get: { url: '/a' } }, { get: { url: '/b' } }]));
      assert.equal(run?.err, null);
      assert.deepEqual(run?.events.errors(), ['DEPTH_ZERO_SELF_SIGNED_CERT', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
      const [run2] = await runScenario(script(api.url, [{ get: { url: '/a' } }], {}, { tls: { rejectUnauthorized: false } }));
      assert.equal(run2?.events.counter('http.codes.200'), 1, 'config.tls.rejectUnauthorized: false accepts it');
    } finally {
      await api.close();
    }
  });
});

describe('luneo engine: the switch to the stock engine', () => {
  const entry = new URL('../../../engines/artillery-engine-luneo/index.ts', import.meta.url).href;
  const probe = (env: Record<string, string>, code: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  test('LUNEO_ENGINE=http hands scenarios to Artillery\'s stock HTTP engine (which runs what luneo refuses)', () => {
    const code = `
      const { default: Engine } = await import(${JSON.stringify(entry)});
      const script = { config: { target: 'http://127.0.0.1:1', processor: {} }, scenarios: [{ name: 's', engine: 'luneo', flow: [{ get: { url: '/a', capture: { json: '$.x', as: 'x' } } }] }] };
      const e = new Engine(script, { emit() {} }, { template: (v) => v });
      await e.init();
      const run = e.createScenario(script.scenarios[0], { emit() {} });
      console.log(typeof run, e.stock?.constructor?.name);`;
    const r = probe({ LUNEO_ENGINE: 'http' }, code);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function HttpEngine');
  });

  test('a bad LUNEO_ENGINE, or a step the engine cannot run, stops the main thread with exit 2 and one line', () => {
    const bad = probe({ LUNEO_ENGINE: 'k6' }, `await import(${JSON.stringify(entry)});`);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.trim(), /^luneo-load-tests: LUNEO_ENGINE must be "luneo"/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const code = `
      const { default: Engine } = await import(${JSON.stringify(entry)});
      new Engine({ config: { processor: {} }, scenarios: [{ name: 'shop visitor', engine: 'luneo', flow: [{ get: { url: '/a', capture: {} } }] }] }, { emit() {} }, { template: (v) => v });`;
    const refused = probe({ LUNEO_ENGINE: '' }, code);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /engine luneo cannot run scenario "shop visitor" flow\[0\]\.get: "capture" is not supported/);
  });
});
