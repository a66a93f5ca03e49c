/**
 * The one-line status a long run prints every 10 s (from the plugin, in
 * Artillery's main thread): elapsed of planned time, users now and
 * planned, request rate, error share, each step's p95 and the generator's
 * health, instead of only Artillery's long per-period dump.
 */
import { concurrencyAt, type Stage, totalDuration } from '../load/model.ts';
import { METRICS } from '../metric-names.ts';
import { periodLoad } from '../verdict/abort.ts';
import { GENERATOR_LIMITS, PERIOD_SECONDS, type PeriodReport } from '../verdict/summary.ts';
import { isSaturated } from '../verdict/generator-health.ts';

export interface StatusInput {
  period: PeriodReport;
  /** epoch ms the profile started; undefined before the before hook ran */
  epochMs?: number;
  now: number;
  stages?: readonly Stage[];
  /** latency metrics of the scenario's steps */
  steps: readonly string[];
  /** the server-side signals that matter most, as last observed (src/observe) */
  server?: string;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** `luneo_embed_token_ms` → `token`: short enough for one line. */
export function stepLabel(metric: string): string {
  return metric.replace(/^luneo_(embed_|render_|requests_)?/, '').replace(/_ms$/, '');
}

function n(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function statusLine(i: StatusInput): string {
  const p = i.period;
  const parts: string[] = [];
  const planned = i.stages ? totalDuration(i.stages) : undefined;
  const elapsed = i.epochMs !== undefined ? (i.now - i.epochMs) / 1000 : undefined;
  parts.push(elapsed === undefined ? '–' : `${clock(elapsed)}${planned !== undefined ? ` / ${clock(planned)}` : ''}`);
  const users = (p.counters[METRICS.load.userSeconds] ?? 0) / PERIOD_SECONDS;
  const plannedUsers = i.stages && elapsed !== undefined ? concurrencyAt(i.stages, elapsed) : undefined;
  parts.push(`users ${n(users)}${plannedUsers !== undefined ? ` (planned ${n(plannedUsers)})` : ''}`);
  const load = periodLoad(p);
  const rate = (p.counters['http.requests'] ?? load.requests) / PERIOD_SECONDS;
  parts.push(`${rate >= 10 ? n(rate) : rate.toFixed(1)} req/s`);
  parts.push(`errors ${load.errorRate === undefined ? '–' : `${(load.errorRate * 100).toFixed(1)} %`}`);
  const p95 = i.steps.flatMap((m) => {
    const v = p.summaries[m]?.p95;
    return v === undefined ? [] : [`${stepLabel(m)} ${n(v)}`];
  });
  if (p95.length > 0) parts.push(`p95 ms ${p95.join(' ')}`);
  const eld = p.summaries[METRICS.generator.eventLoopDelayP99Ms]?.max;
  const busy = p.summaries[METRICS.generator.busyShare]?.max;
  if (eld !== undefined || busy !== undefined) {
    // The verdict's own rule (generator-health.ts): a worker saturated most of the last 20 s, or late and busy now.
    const window = p.summaries[METRICS.generator.saturatedInWindowS]?.max ?? 0;
    const strained = window >= GENERATOR_LIMITS.maxSaturatedInWindowS || (eld !== undefined && isSaturated(eld, busy ?? 0));
    const health = strained ? 'STRAINED' : 'ok';
    parts.push(`generator ${health} (loop p99 ${eld === undefined ? '–' : `${n(eld)} ms`}, busy ${busy === undefined ? '–' : `${n(busy)} %`})`);
  }
  if (i.server) parts.push(i.server);
  return parts.join(' · ');
}
