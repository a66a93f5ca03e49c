/**
 * The engine's stand-in for metrics-by-endpoint on named steps: the same
 * metrics, under the same names and counts, as the real plugin's hooks
 * emit for the same requests, and the plugin's onError counter for a
 * request that got no answer.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { EngineScript } from '../../../engines/artillery-engine-luneo/index.ts';
import { serverTimingTotal } from '../../../engines/artillery-engine-luneo/endpoint-metrics.ts';
import { httpServer, runScenario, type TestServer } from './harness.ts';

const require = createRequire(import.meta.url);
const pluginFile = path.join(path.dirname(require.resolve('artillery/package.json')), 'dist', 'builtin-packages', 'artillery-plugin-metrics-by-endpoint', 'dist', 'index.js');
type PluginCtor = (script: { config: Record<string, unknown>; scenarios: Record<string, unknown>[] }, events: unknown) => void;
const { Plugin } = (await import(pathToFileURL(pluginFile).href)) as { Plugin: PluginCtor };

const PREFIX = 'plugins.metrics-by-endpoint';

/** The plugin as a worker loads it: its hooks in the processor and named in the scenario. */
function withPlugin(target: string, flow: unknown[], engineSees: Record<string, unknown>): EngineScript {
  const scenario: Record<string, unknown> = { name: 's', engine: 'luneo', flow };
  const config: Record<string, unknown> = { target, processor: {}, plugins: { 'metrics-by-endpoint': { useOnlyRequestNames: true } } };
  const saved = process.env.LOCAL_WORKER_ID;
  process.env.LOCAL_WORKER_ID = '1';
  try {
    Plugin({ config, scenarios: [scenario] }, undefined);
  } finally {
    if (saved === undefined) delete process.env.LOCAL_WORKER_ID;
    else process.env.LOCAL_WORKER_ID = saved;
  }
  // What the engine reads of the plugin's settings decides whether it stands in; the plugin itself keeps useOnlyRequestNames.
  return { config: { ...config, plugins: { 'metrics-by-endpoint': engineSees } }, scenarios: [scenario] as EngineScript['scenarios'] };
}

/** The plugin's metrics of a run: name → count of events and, for counters, their sum. */
function pluginMetrics(events: [string, ...unknown[]][]): Record<string, { events: number; sum?: number }> {
  const out: Record<string, { events: number; sum?: number }> = {};
  for (const [kind, name, value] of events) {
    if ((kind !== 'counter' && kind !== 'histogram') || typeof name !== 'string' || !name.startsWith(PREFIX)) continue;
    const e = (out[`${kind} ${name}`] ??= { events: 0 });
    e.events++;
    if (kind === 'counter') e.sum = (e.sum ?? 0) + Number(value);
  }
  return out;
}

describe('luneo engine: metrics-by-endpoint on named steps', () => {
  let api: TestServer;
  before(async () => {
    api = await httpServer((req, res) => {
      if (req.url?.startsWith('/timed')) res.setHeader('server-timing', 'db;dur=3, total;dur=12.5');
      res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
      res.end('{}');
    });
  });
  after(() => api.close());

  const flow = [
    { get: { url: '/a?x=1', name: 'first' } },
    { get: { url: '/timed', name: 'timed' } },
    { get: { url: '/missing', name: 'first' } },
    { get: { url: '/unnamed/7' } },
  ];

  test('the stand-in emits what the plugin emits: codes per step, time to first byte, Server-Timing total; unnamed steps keep the plugin', async () => {
    const [standIn] = await runScenario(withPlugin(api.url, flow, { useOnlyRequestNames: true }), {}, 1);
    const [plugin] = await runScenario(withPlugin(api.url, flow, {}), {}, 1);
    assert.ok(standIn && plugin);
    assert.equal(standIn.err, null);
    const got = pluginMetrics(standIn.events.events);
    assert.deepEqual(got, pluginMetrics(plugin.events.events));
    assert.deepEqual(got[`counter ${PREFIX}.first.codes.200`], { events: 1, sum: 1 });
    assert.deepEqual(got[`counter ${PREFIX}.first.codes.404`], { events: 1, sum: 1 });
    assert.deepEqual(standIn.events.histogram(`${PREFIX}.server-timing.timed`), [12.5]);
    assert.equal(standIn.events.histogram(`${PREFIX}.response_time.first`).length, 2);
    // the unnamed step went through the plugin's own hooks, named by its path
    assert.deepEqual(got[`counter ${PREFIX}./unnamed/7.codes.200`], { events: 1, sum: 1 });
  });

  test('a request that got no answer counts under the step as errors.<code>, as the plugin\'s onError does under the stock engine', async () => {
    const closed = await httpServer((_req, res) => res.end());
    const target = closed.url;
    await closed.close();
    const [run] = await runScenario(withPlugin(target, [{ get: { url: '/', name: 'gone' } }], { useOnlyRequestNames: true }), {}, 1);
    assert.equal(run?.events.counter(`${PREFIX}.gone.errors.ECONNREFUSED`), 1);
    assert.equal(run?.events.histogram(`${PREFIX}.response_time.gone`).length, 0);
  });

  test("Server-Timing's first total, as the plugin reads it", () => {
    assert.equal(serverTimingTotal('db;dur=3, total;dur=12.5, total;dur=99'), 12.5);
    assert.equal(serverTimingTotal('TOTAL;DUR=4'), 4);
    assert.equal(serverTimingTotal('db;dur=3'), -1);
  });
});
