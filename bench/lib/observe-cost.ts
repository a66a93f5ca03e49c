/**
 * What the server view costs: each source alone against real PostgreSQL,
 * Redis (with a BullMQ queue) and Prometheus, at the observer's interval,
 * for a fixed time. Queries are counted by the target (pg_stat_statements,
 * Redis commandstats, Prometheus's own request counter), the CPU by this
 * process's clock (the process that observes a run is Artillery's main
 * thread or the launcher, never a worker).
 */
import path from 'node:path';
import { Observer, type Source } from '../../src/observe/observer.ts';
import { observeSettingsFrom } from '../../src/observe/settings.ts';
import { observeSources } from '../../src/observe/sources/index.ts';
import { parseInfo } from '../../src/observe/sources/redis.ts';
import { parsePrometheusText, sumOf } from '../../src/export/prometheus-text.ts';
import { startExporter, startPostgres, startPrometheus, startRedis } from '../../test/support/services.ts';
import { Redis } from 'ioredis';

export interface ObserveCostRow {
  source: string;
  seconds: number;
  samples: number;
  /** queries the target counted, per minute */
  queriesPerMinute: number;
  /** CPU of the observing process, ms per minute of observation */
  cpuMsPerMinute: number;
  /** the same as a share of one core */
  coreShare: number;
}

export interface ObserveCostFigures {
  intervalSeconds: number;
  rows: ObserveCostRow[];
}

async function timed(sources: Source[], seconds: number): Promise<{ samples: number; cpuMs: number; wallMs: number }> {
  const o = new Observer({ sources, log: () => {} });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await o.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const section = await o.stop();
  const cpu = process.cpuUsage(cpu0);
  return { samples: section.sources[0]?.samples ?? 0, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

export async function measureObserveCost(seconds: number, log: (line: string) => void): Promise<ObserveCostFigures> {
  const pg = await startPostgres();
  const redis = await startRedis();
  const pe = await startExporter('postgres', pg.adminUrl, path.resolve(import.meta.dirname, '..', '..', 'observe', 'postgres-exporter-queries.yaml'));
  const re = await startExporter('redis', redis.url);
  const prom = await startPrometheus([{ job: 'postgres', address: pe.address }, { job: 'redis', address: re.address }]);
  const settings = observeSettingsFrom({}, []);
  const rows: ObserveCostRow[] = [];
  const row = (source: string, r: { samples: number; cpuMs: number; wallMs: number }, queries: number) => {
    const minutes = r.wallMs / 60_000;
    rows.push({ source, seconds: r.wallMs / 1000, samples: r.samples, queriesPerMinute: queries / minutes, cpuMsPerMinute: r.cpuMs / minutes, coreShare: r.cpuMs / r.wallMs });
    log(`  observe ${source}: ${r.samples} samples, ${(queries / minutes).toFixed(1)} queries/min, ${(r.cpuMs / minutes).toFixed(0)} ms CPU/min`);
  };
  try {
    const own = async () => Number((await pg.query("SELECT coalesce(sum(calls), 0)::float8 AS n FROM pg_stat_statements WHERE query LIKE '%luneo-observe%'")).rows[0]?.n ?? 0);
    const pgBefore = await own();
    const pgRun = await timed(observeSources(settings, { LUNEO_OBSERVE_POSTGRES_URL: pg.adminUrl }), seconds);
    row('postgres', pgRun, (await own()) - pgBefore);

    const admin = new Redis(redis.url);
    // The exporter scrapes Redis too: its connection's commands are left out by counting only while the source runs, less the exporter's share measured before.
    const calls = async () => [...parseInfo(await admin.info('commandstats'))].filter(([k]) => k.startsWith('cmdstat_')).reduce((n, [, v]) => n + Number(/calls=(\d+)/.exec(v)?.[1] ?? 0), 0);
    const idle0 = await calls();
    const idleStart = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const idleRate = ((await calls()) - idle0) / (performance.now() - idleStart);
    const rBefore = await calls();
    const redisRun = await timed(observeSources(settings, { LUNEO_OBSERVE_REDIS_URL: redis.url }), seconds);
    row('redis (INFO + BullMQ counts)', redisRun, (await calls()) - rBefore - idleRate * redisRun.wallMs);
    admin.disconnect();

    const queries = async () => sumOf(parsePrometheusText(await (await fetch(`${prom.url}/metrics`)).text()), 'prometheus_http_requests_total', { handler: '/api/v1/query' }) ?? 0;
    const qBefore = await queries();
    const promRun = await timed(observeSources(settings, { LUNEO_OBSERVE_PROMETHEUS_URL: prom.url }), seconds);
    row('prometheus', promRun, (await queries()) - qBefore);
  } finally {
    await prom.stop();
    await Promise.all([pe.stop(), re.stop()]);
    await Promise.all([redis.stop(), pg.stop()]);
  }
  return { intervalSeconds: 5, rows };
}

export function observeCostRows(f: ObserveCostFigures): string[][] {
  return f.rows.map((r) => [r.source, String(r.samples), r.queriesPerMinute.toFixed(1), r.cpuMsPerMinute.toFixed(0), `${(r.coreShare * 100).toFixed(2)} %`]);
}

export const OBSERVE_COST_HEAD = ['source', 'samples', 'queries/min (counted by the target)', 'CPU ms/min', 'share of a core'];
