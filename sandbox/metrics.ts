import type { SandboxState } from './state.ts';

export const RENDER_DURATION_BUCKETS_SEC: readonly number[] = [0.1, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300];
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const QUEUE = 'render-processing';

class Exposition {
  lines: string[] = [];

  metric(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Array<[labels: string, value: number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labels} ${format(value)}`);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function format(v: number): string {
  if (v === Infinity) return '+Inf';
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The platform's metric names (bullmq_*, luneo_*) plus sandbox_* gauges, in text exposition format 0.0.4. */
export function renderMetrics(state: SandboxState): string {
  const now = Date.now();
  const s = state.stats;
  const q = state.queue;
  const out = new Exposition();
  const queueLabel = (st: string): string => `{queue="${QUEUE}",state="${st}"}`;
  out.metric('bullmq_queue_jobs_total', 'gauge', 'Jobs in the render queue by state (completed and failed since start or reset).', [
    // BullMQ counts a job that carries a priority as prioritized, not waiting.
    [queueLabel('waiting'), q.waiting - q.prioritized],
    [queueLabel('prioritized'), q.prioritized],
    [queueLabel('active'), q.active],
    [queueLabel('completed'), s.completed],
    [queueLabel('failed'), s.failed],
  ]);
  out.metric('bullmq_queue_oldest_waiting_seconds', 'gauge', 'Age of the oldest waiting job.', [[`{queue="${QUEUE}"}`, q.oldestWaitingSec(now)]]);
  out.metric('luneo_embed_handshakes_total', 'counter', 'Embed handshakes completed (nonce validated).', [['', s.validationsOk]]);
  out.metric('luneo_embed_handshakes_started_total', 'counter', 'Embed tokens issued.', [['', s.tokensIssued]]);
  out.metric(
    'luneo_embed_handshake_failures_total',
    'counter',
    'Failed nonce validations by reason.',
    Object.entries(s.embedFailures).map(([reason, n]) => [`{reason="${reason}"}`, n]),
  );
  const bounds = s.bucketBoundsSec;
  const histogram: Array<[string, number]> = bounds.map((le, i) => [`_bucket{le="${format(le)}"}`, s.durationBuckets[i]!]);
  histogram.push(['_bucket{le="+Inf"}', s.durationBuckets[bounds.length]!], ['_sum', s.processingSumMs / 1000], ['_count', s.processingCount]);
  out.lines.push('# HELP luneo_render_duration_seconds Render processing time.', '# TYPE luneo_render_duration_seconds histogram');
  for (const [suffix, value] of histogram) out.lines.push(`luneo_render_duration_seconds${suffix} ${format(value)}`);
  out.metric('luneo_rate_limited_requests_total', 'counter', 'Responses with status 429.', [['', s.rateLimitedTotal]]);
  out.metric('luneo_early_retries_total', 'counter', 'Requests that came back before their Retry-After had passed.', [['', s.earlyRetriesTotal]]);
  out.metric('sandbox_active_jobs', 'gauge', 'Render jobs being processed.', [['', q.active]]);
  out.metric('sandbox_queue_depth', 'gauge', 'Render jobs waiting.', [['', q.waiting]]);
  const requests: Array<[string, number]> = [];
  for (const [route, perStatus] of Object.entries(s.byRoute)) {
    for (const [status, n] of Object.entries(perStatus)) requests.push([`{route="${escapeLabel(route)}",status="${status}"}`, n]);
  }
  out.metric('sandbox_http_requests_total', 'counter', 'Responses by route name and status.', requests);
  return out.text();
}
