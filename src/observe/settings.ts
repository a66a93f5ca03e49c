/**
 * The environment file's `observe:` section (what to read, never how to
 * log in) and the variables that switch each source on: a source runs when
 * its URL variable is set, in any environment, and credentials come only
 * from those variables.
 */
import type { Env } from '../config/env.ts';
// Types only: the settings are read in every worker, which must not load the drivers.
import type { PostgresSettings } from './sources/postgres.ts';
import type { PrometheusSettings } from './sources/prometheus.ts';
import type { RedisSettings } from './sources/redis.ts';
import { POSTGRES_URL_VARIABLE, PROMETHEUS_URL_VARIABLE, REDIS_URL_VARIABLE } from './variables.ts';
import { isThresholdKey, type ServerThresholds } from './thresholds.ts';
import { isRecord } from '../config/record.ts';

export interface ObserveSettings {
  postgres: PostgresSettings;
  redis: RedisSettings;
  prometheus: PrometheusSettings;
  /** server-side thresholds: a signal's peak over the hold below a limit (src/observe/thresholds.ts) */
  thresholds?: ServerThresholds;
}

function only(v: unknown, at: string, keys: readonly string[], problems: string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    problems.push(`${at} must be a mapping`);
    return {};
  }
  for (const k of Object.keys(v)) if (!keys.includes(k)) problems.push(`${at}.${k}: unknown setting (known: ${keys.join(', ')})`);
  return v;
}

function text(v: unknown, at: string, problems: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') problems.push(`${at} must be text, got ${JSON.stringify(v)}`);
  return typeof v === 'string' ? v : undefined;
}

function positive(v: unknown, at: string, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`${at} must be a number above 0, got ${JSON.stringify(v)}`);
  return typeof v === 'number' && v > 0 ? v : undefined;
}

export function observeSettingsFrom(raw: unknown, problems: string[]): ObserveSettings {
  const doc = only(raw, 'observe', ['postgres', 'redis', 'prometheus', 'thresholds'], problems);
  const pg = only(doc.postgres, 'observe.postgres', ['application', 'poolSize'], problems);
  const redis = only(doc.redis, 'observe.redis', ['queue', 'prefix'], problems);
  const prom = only(doc.prometheus, 'observe.prometheus', ['jobs', 'window', 'queries', 'stepSec'], problems);
  const jobs = only(prom.jobs, 'observe.prometheus.jobs', ['api', 'worker'], problems);
  const queries = only(prom.queries, 'observe.prometheus.queries', Object.keys(prom.queries ?? {}), problems);
  const out: ObserveSettings = { postgres: {}, redis: {}, prometheus: {} };
  const application = text(pg.application, 'observe.postgres.application', problems);
  const poolSize = positive(pg.poolSize, 'observe.postgres.poolSize', problems);
  if (application !== undefined) out.postgres.application = application;
  if (poolSize !== undefined) out.postgres.poolSize = poolSize;
  if ((application === undefined) !== (poolSize === undefined)) problems.push('observe.postgres: application and poolSize go together (the pool is read as that application\'s busy connections)');
  const queue = text(redis.queue, 'observe.redis.queue', problems);
  const prefix = text(redis.prefix, 'observe.redis.prefix', problems);
  if (queue !== undefined) out.redis.queue = queue;
  if (prefix !== undefined) out.redis.prefix = prefix;
  const api = text(jobs.api, 'observe.prometheus.jobs.api', problems);
  const worker = text(jobs.worker, 'observe.prometheus.jobs.worker', problems);
  if (api !== undefined || worker !== undefined) out.prometheus.jobs = { ...(api !== undefined ? { api } : {}), ...(worker !== undefined ? { worker } : {}) };
  const window = text(prom.window, 'observe.prometheus.window', problems);
  if (window !== undefined) {
    if (!/^\d+[smh]$/.test(window)) problems.push(`observe.prometheus.window must be a PromQL duration such as 30s or 1m, got ${JSON.stringify(window)}`);
    else out.prometheus.window = window;
  }
  const stepSec = positive(prom.stepSec, 'observe.prometheus.stepSec', problems);
  if (stepSec !== undefined) out.prometheus.stepSec = stepSec;
  const q: Record<string, string> = {};
  for (const [key, value] of Object.entries(queries)) {
    if (!/^(api|database|redis|worker)\.[a-z_0-9]+$/.test(key)) problems.push(`observe.prometheus.queries.${key}: not a signal (group.name, e.g. database.lock_waiters)`);
    const expr = text(value, `observe.prometheus.queries.${key}`, problems);
    if (expr !== undefined) q[key] = expr;
  }
  if (Object.keys(q).length > 0) out.prometheus.queries = q;
  const limits = only(doc.thresholds, 'observe.thresholds', Object.keys(doc.thresholds ?? {}), problems);
  const thresholds: ServerThresholds = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!isThresholdKey(key)) problems.push(`observe.thresholds.${key}: not a signal (group.name, e.g. database.pool_usage, or worker.queue_growth)`);
    else if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`observe.thresholds.${key} must be a number (the limit its peak over the hold stays below), got ${JSON.stringify(value)}`);
    else thresholds[key] = value;
  }
  if (Object.keys(thresholds).length > 0) out.thresholds = thresholds;
  return out;
}

/** Bad URLs in the variables, for the before hook's one-line refusal; never the URL itself. */
export function observeProblems(env: Env = process.env): string[] {
  const problems: string[] = [];
  const schemes: [string, string[]][] = [
    [POSTGRES_URL_VARIABLE, ['postgres:', 'postgresql:']],
    [REDIS_URL_VARIABLE, ['redis:', 'rediss:']],
    [PROMETHEUS_URL_VARIABLE, ['http:', 'https:']],
  ];
  for (const [name, allowed] of schemes) {
    const v = env[name]?.trim();
    if (!v) continue;
    let protocol: string;
    try {
      protocol = new URL(v).protocol;
    } catch {
      problems.push(`${name} is not a URL`);
      continue;
    }
    if (!allowed.includes(protocol)) problems.push(`${name} must be a ${allowed.map((a) => `${a}//`).join(' or ')} URL, got ${protocol}//…`);
  }
  return problems;
}
