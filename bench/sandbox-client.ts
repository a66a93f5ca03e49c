/**
 * How much embed traffic the sandbox itself can serve: a lean closed-loop
 * client, in its own process, that runs the embed handshake (token →
 * widget document → validation) in a loop on N keep-alive connections per
 * host for a fixed time, as fast as the answers come. Prints one JSON line.
 *
 *   node bench/sandbox-client.ts --api URL --widget URL [--connections 64] [--seconds 10] [--warmup 1]
 *
 * Only the requests completed inside the measured window count; the warm-up
 * lets the connections open and the JIT settle first.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { loopbackUrl } from './lib/loopback.ts';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    widget: { type: 'string' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
  },
  strict: true,
});

const api = loopbackUrl('api', values.api);
const widget = loopbackUrl('widget', values.widget);
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
if (!(connections >= 1 && seconds > 0 && warmup >= 0)) throw new Error('--connections, --seconds and --warmup must be positive numbers');

const agents = {
  api: new http.Agent({ keepAlive: true, maxSockets: connections }),
  widget: new http.Agent({ keepAlive: true, maxSockets: connections }),
};

interface Answer {
  status: number;
  body: string;
}

function request(base: URL, agent: http.Agent, method: string, path: string, headers: http.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const SHOPS = ['test-shop-1.myshopify.com', 'test-shop-2.myshopify.com', 'test-shop-3.myshopify.com', 'test-shop-4.myshopify.com'];
const startAt = performance.now();
const measureFrom = startAt + warmup * 1000;
const stopAt = measureFrom + seconds * 1000;
const tally = { ok: 0, failed: 0, errors: 0, handshakes: 0 };
const errorKinds: Record<string, number> = {};

function count(a: Answer): boolean {
  if (performance.now() >= measureFrom && performance.now() < stopAt) {
    if (a.status >= 200 && a.status < 300) tally.ok++;
    else tally.failed++;
  }
  return a.status >= 200 && a.status < 300;
}

async function lane(i: number): Promise<void> {
  const shop = SHOPS[i % SHOPS.length] as string;
  const origin = `https://${shop}`;
  while (performance.now() < stopAt) {
    try {
      const t = await request(api, agents.api, 'GET', `/api/embed/token?shop=${encodeURIComponent(shop)}`, { origin, accept: 'application/json' });
      if (!count(t)) continue;
      const grant = JSON.parse(t.body) as { token: string; nonce: string };
      const q = new URLSearchParams({ token: grant.token, nonce: grant.nonce, shop });
      const w = await request(widget, agents.widget, 'GET', `/?${q.toString()}`, { accept: 'text/html' });
      if (!count(w)) continue;
      const v = await request(api, agents.api, 'POST', '/api/embed/validate', { origin, accept: 'application/json', authorization: `Bearer ${grant.token}` }, JSON.stringify({ nonce: grant.nonce }));
      if (count(v) && performance.now() < stopAt && performance.now() >= measureFrom) tally.handshakes++;
    } catch (err) {
      if (performance.now() < stopAt) {
        tally.errors++;
        const k = (err as Error).message.slice(0, 80);
        errorKinds[k] = (errorKinds[k] ?? 0) + 1;
      }
    }
  }
}

const cpuBefore = process.cpuUsage();
await Promise.all(Array.from({ length: connections }, (_, i) => lane(i)));
const cpu = process.cpuUsage(cpuBefore);
agents.api.destroy();
agents.widget.destroy();
const requests = tally.ok + tally.failed;
process.stdout.write(
  `${JSON.stringify({
    connections,
    seconds,
    requests,
    ok: tally.ok,
    failed: tally.failed,
    errors: tally.errors,
    errorKinds,
    handshakes: tally.handshakes,
    requestsPerSecond: requests / seconds,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    clientWallSeconds: (performance.now() - startAt) / 1000,
  })}\n`,
);
