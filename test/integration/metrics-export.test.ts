/**
 * Metrics export and platform metrics against the sandbox: a plain run with
 * LUNEO_OTLP_ENDPOINT set delivers Artillery's and the package's metrics to
 * an OTLP/HTTP receiver, a malformed endpoint stops the run before any load,
 * and a v1 run records the platform's own metrics in the results.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { loadRun, tail, withSandbox, WORKERS_LABEL } from '../support/load-run.ts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpDataPoint {
  attributes?: OtlpAttribute[];
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints?: OtlpDataPoint[] };
  gauge?: { dataPoints?: OtlpDataPoint[] };
}
interface OtlpExport {
  resourceMetrics?: { resource?: { attributes?: OtlpAttribute[] }; scopeMetrics?: { metrics?: OtlpMetric[] }[] }[];
}

interface Receiver {
  url: string;
  /** every metric name received, with the attributes of its data points */
  metrics: Map<string, Record<string, string>[]>;
  services: Set<string>;
  posts: { path: string; contentType: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

function attrs(list: OtlpAttribute[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, a.value.stringValue ?? '']));
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * An OTLP/HTTP metrics receiver on loopback. publish-metrics' `otlp-http`
 * exporter sends JSON; a protobuf body would not parse and fails the test
 * with its content type in the message.
 */
async function startReceiver(): Promise<Receiver> {
  const metrics = new Map<string, Record<string, string>[]>();
  const services = new Set<string>();
  const posts: Receiver['posts'] = [];
  const server: Server = createServer(async (req, res) => {
    const data = await body(req);
    const contentType = req.headers['content-type'] ?? '';
    posts.push({ path: req.url ?? '', contentType, authorization: req.headers.authorization });
    if (req.method !== 'POST' || req.url !== '/v1/metrics') {
      res.writeHead(404).end();
      return;
    }
    try {
      const payload = JSON.parse(data.toString('utf8')) as OtlpExport;
      for (const rm of payload.resourceMetrics ?? []) {
        const service = attrs(rm.resource?.attributes)['service.name'];
        if (service) services.add(service);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const points = [...(m.sum?.dataPoints ?? []), ...(m.gauge?.dataPoints ?? [])].map((p) => attrs(p.attributes));
            metrics.set(m.name, [...(metrics.get(m.name) ?? []), ...points]);
          }
        }
      }
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    services,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe(`metrics export${WORKERS_LABEL}`, () => {
  test('LUNEO_OTLP_ENDPOINT: Artillery and luneo_ metrics reach an OTLP/HTTP receiver, tagged, and the run still passes', async () => {
    const receiver = await startReceiver();
    try {
      await withSandbox({}, async (sb) => {
        const r = await loadRun({
          scenario: 'embed',
          sandbox: sb,
          env: { LUNEO_OTLP_ENDPOINT: receiver.url, LUNEO_OTLP_HEADERS: 'authorization=Bearer%20otlp-test-token' },
        });
        assert.equal(r.code, 0, tail(r));
        assert.match(r.output, /exporting metrics to OTLP\/HTTP http:\/\/127\.0\.0\.1:\d+\/v1\/metrics \(1 header\)/);
        assert.doesNotMatch(r.output, /otlp-test-token/, 'header values are never printed');
        assert.ok(receiver.posts.length > 0, 'the exporter posted');
        for (const p of receiver.posts) {
          assert.equal(p.path, '/v1/metrics');
          assert.match(p.contentType, /^application\/json/);
          assert.equal(p.authorization, 'Bearer otlp-test-token', 'LUNEO_OTLP_HEADERS are sent, percent-decoded');
        }
        const names = [...receiver.metrics.keys()];
        assert.ok(receiver.metrics.has('http.requests'), `http.requests arrived (got ${names.join(', ')})`);
        assert.ok(
          names.some((n) => n.startsWith('luneo_')),
          `a luneo_ metric arrived (got ${names.join(', ')})`,
        );
        assert.ok(receiver.metrics.has('luneo_embed_token_ms.p95'), 'summaries arrive as one gauge per aggregation');
        assert.deepEqual([...receiver.services], ['luneo-load-tests']);
        const tagged = receiver.metrics.get('http.requests') ?? [];
        assert.ok(
          tagged.some((a) => a.scenario === 'embed' && a.environment === 'local' && a.dialect === 'seed'),
          `http.requests carries scenario/environment/dialect (got ${JSON.stringify(tagged)})`,
        );
      });
    } finally {
      await receiver.close();
    }
  });

  test('a malformed LUNEO_OTLP_ENDPOINT stops the run before any load, exit 2, with a message that says what is wrong', async () => {
    const r = await loadRun({ scenario: 'embed', stages: null, env: { LUNEO_OTLP_ENDPOINT: 'otel-collector:4318' } });
    assert.equal(r.code, 2, tail(r));
    assert.match(r.output, /LUNEO_OTLP_ENDPOINT must start with http:\/\/ or https:\/\/, such as http:\/\/otel-collector:4318/);
    assert.doesNotMatch(r.output, /Phase started/, 'no load started');
    assert.doesNotMatch(r.output, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  });
});

describe(`platform metrics${WORKERS_LABEL}`, () => {
  test('a v1 run samples /api/v1/metrics into results.luneo.platformMetrics', async () => {
    await withSandbox({}, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1' });
      assert.equal(r.code, 0, tail(r));
      assert.doesNotMatch(r.output, /platform metrics unavailable/);
      const samples = r.results?.luneo.platformMetrics ?? [];
      assert.ok(samples.length >= 2, `a sample at the start and one at the end (got ${samples.length})`);
      assert.ok(
        samples.some((s) => typeof s.queueWaiting === 'number' && typeof s.handshakes === 'number'),
        JSON.stringify(samples),
      );
      const last = samples.at(-1)!;
      assert.equal(last.handshakes, sb.stats().embed.validationsOk, 'the last sample saw every handshake of the run');
      assert.ok((last.handshakes ?? 0) > 0);
      assert.equal(last.handshakeFailures, 0);
      for (const [i, s] of samples.entries()) if (i > 0) assert.ok(s.at >= samples[i - 1]!.at, 'samples in time order');
      assert.doesNotMatch(JSON.stringify(r.results), /eyJ[A-Za-z0-9_-]+\./, 'no token in the results');
    });
  });
});
