/**
 * The floor for a Node generator: the embed handshake (token → widget
 * document → validation) as a plain loop on undici, one Client per lane
 * and host, as the engine keeps one connection per visitor and host, with
 * no Artillery, no hooks and no metrics. In its own process; prints one
 * JSON line with the requests, CPU and RSS of its measured window.
 *
 *   node bench/raw-undici-loop.ts --api URL --widget URL [--lanes 100] [--view-ms 0] [--seconds 10] [--warmup 2]
 *     [--iframe-ms MIN-MAX] [--arrivals PER_S]
 *
 * `--view-ms` pauses each lane after every handshake (N, or MIN-MAX drawn
 * per page view); 0 runs it as fast as the answers come (saturated). The
 * production pace is the embed scenario's own: `--iframe-ms` between the
 * token and the widget document, `--view-ms 1000-3000` after the
 * validation, and lanes that arrive `--arrivals` a second as the profile's
 * ramp does (the warm-up then counts from the last arrival).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { loopbackUrl } from './lib/loopback.ts';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    widget: { type: 'string' },
    lanes: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'iframe-ms': { type: 'string', default: '0' },
    'view-ms': { type: 'string', default: '0' },
    arrivals: { type: 'string', default: '0' },
  },
  strict: true,
});

const api = loopbackUrl('api', values.api).origin;
const widget = loopbackUrl('widget', values.widget).origin;
const lanes = Number(values.lanes);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const arrivals = Number(values.arrivals);
if (!(lanes >= 1 && seconds > 0 && warmup >= 0 && arrivals >= 0)) throw new Error('--lanes, --seconds, --warmup and --arrivals must be positive numbers');

function range(name: string, v: string): { min: number; max: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  const min = Number(m?.[1]);
  const max = m?.[2] === undefined ? min : Number(m[2]);
  if (!m || min > max) throw new Error(`--${name} must be ms, as 500, or MIN-MAX, as 1000-3000`);
  return { min, max };
}
const iframe = range('iframe-ms', values['iframe-ms']);
const view = range('view-ms', values['view-ms']);
const draw = (r: { min: number; max: number }) => Math.round(r.min + (r.max - r.min) * Math.random());
// The last lane arrives this long after the first: the measured window starts after it.
const rampMs = arrivals > 0 ? ((lanes - 1) / arrivals) * 1000 : 0;

const SHOPS = ['test-shop-1.myshopify.com', 'test-shop-2.myshopify.com', 'test-shop-3.myshopify.com', 'test-shop-4.myshopify.com'];
const startAt = performance.now();
const measureFrom = startAt + rampMs + warmup * 1000;
const stopAt = measureFrom + seconds * 1000;
const tally = { ok: 0, failed: 0, errors: 0 };
let measuring = false;
const clients: Client[] = [];

function counted(status: number): boolean {
  if (measuring) {
    if (status >= 200 && status < 300) tally.ok++;
    else tally.failed++;
  }
  return status >= 200 && status < 300;
}

async function lane(i: number): Promise<void> {
  if (arrivals > 0) await sleep((i / arrivals) * 1000);
  const shop = SHOPS[i % SHOPS.length] as string;
  const origin = `https://${shop}`;
  const a = new Client(api, { allowH2: false, keepAliveTimeout: 300_000 });
  const w = new Client(widget, { allowH2: false, keepAliveTimeout: 300_000 });
  clients.push(a, w);
  while (performance.now() < stopAt) {
    try {
      const t = await a.request({ method: 'GET', path: `/api/embed/token?shop=${encodeURIComponent(shop)}`, headers: { origin, accept: 'application/json' } });
      const grant = (await t.body.json()) as { token: string; nonce: string };
      if (!counted(t.statusCode)) continue;
      const iframeMs = draw(iframe);
      if (iframeMs > 0) await sleep(iframeMs);
      const doc = await w.request({ method: 'GET', path: `/?token=${encodeURIComponent(grant.token)}&nonce=${encodeURIComponent(grant.nonce)}&shop=${encodeURIComponent(shop)}`, headers: { accept: 'text/html' } });
      await doc.body.text();
      if (!counted(doc.statusCode)) continue;
      const v = await a.request({
        method: 'POST',
        path: '/api/embed/validate',
        headers: { origin, accept: 'application/json', authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ nonce: grant.nonce }),
      });
      await v.body.json();
      counted(v.statusCode);
    } catch {
      if (measuring) tally.errors++;
    }
    const viewMs = draw(view);
    if (viewMs > 0) await sleep(viewMs);
  }
}

// The window is opened and closed by timers, so its CPU and requests belong to the same seconds.
let cpuAtStart = process.cpuUsage();
let rssAtEnd = 0;
let cpuSeconds = 0;
setTimeout(() => {
  measuring = true;
  cpuAtStart = process.cpuUsage();
}, measureFrom - startAt);
setTimeout(() => {
  measuring = false;
  const c = process.cpuUsage(cpuAtStart);
  cpuSeconds = (c.user + c.system) / 1e6;
  rssAtEnd = process.memoryUsage().rss;
}, stopAt - startAt);

await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
await Promise.all(clients.map((c) => c.close()));
const requests = tally.ok + tally.failed;
process.stdout.write(
  `${JSON.stringify({
    lanes,
    viewMs: view,
    seconds,
    requests,
    ok: tally.ok,
    failed: tally.failed,
    errors: tally.errors,
    requestsPerSecond: requests / seconds,
    cpuSeconds,
    cpuMsPer1000: requests > 0 ? (cpuSeconds / requests) * 1e6 : null,
    rssMb: rssAtEnd / 1024 / 1024,
  })}\n`,
);
