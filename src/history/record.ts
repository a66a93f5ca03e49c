/**
 * One run as the history keeps it: its figures (per step p50/p95/p99, error
 * rate, handshake success, completion, throughput, concurrency reached,
 * generator cost, the platform's own signals where sampled) with what it
 * ran against (scenario, environment, profile, commit, time) and whether it
 * was valid. Small and flat, one JSON file per run, so that a history on a
 * git branch diffs and merges line by line.
 */
import { flowOf } from '../flows/index.ts';
import { METRICS } from '../metric-names.ts';
import type { ResultsFile } from '../results/recorder.ts';

export const HISTORY_SCHEMA = 1;

export interface HistoryRecord {
  schema: typeof HISTORY_SCHEMA;
  /** unique per run: time and a random suffix */
  id: string;
  /** ISO time the run ended */
  at: string;
  scenario: string;
  environment: string;
  profile: string;
  /** the commit of the package that ran it (GITHUB_SHA, LUNEO_COMMIT, or git's HEAD), when known */
  commit?: string;
  /** only a valid run (PASS or FAIL, not INVALID or ABORTED) is ever used as a reference */
  valid: boolean;
  verdict: string;
  figures: Record<string, number>;
}

/** The step histograms whose percentiles are kept: the flow's steps, its render jobs' processing time, and all successful requests. */
function keptSteps(scenario: string): string[] {
  const flow = flowOf(scenario);
  return [...(flow?.steps.map((s) => s.metric) ?? []), ...(flow?.renderJobs ? [METRICS.render.jobProcessingMs] : []), METRICS.requests.okMs];
}

function ratio(num: number | undefined, den: number | undefined): number | undefined {
  return num !== undefined && den !== undefined && den > 0 ? num / den : undefined;
}

/** The figures of a finished run, from its results file alone. */
export function figuresOf(r: ResultsFile): Record<string, number> {
  const c = r.aggregate.counters;
  const s = r.aggregate.summaries;
  const out: Record<string, number> = {};
  const put = (key: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[key] = Math.round(v * 1e6) / 1e6;
  };
  for (const metric of keptSteps(r.luneo.scenario)) {
    const h = s[metric];
    if (!h || h.count === 0) continue;
    put(`${metric}.p50`, h.p50);
    put(`${metric}.p95`, h.p95);
    put(`${metric}.p99`, h.p99);
  }
  const R = METRICS.requests;
  put('error_rate', ratio(c[R.failed] ?? 0, (c[R.sent] ?? 0) - (c[R.rateLimited] ?? 0)));
  const E = METRICS.embed;
  put('handshake_success', ratio(c[E.handshakeOk], (c[E.handshakeOk] ?? 0) + (c[E.handshakeFailed] ?? 0)));
  const RM = METRICS.render;
  put('completion_rate', ratio(c[RM.jobsSucceeded], c[RM.jobsEnqueued]));
  const seconds = r.luneo.delivery?.tookSeconds;
  put('throughput_rps', ratio(c[R.sent], seconds));
  put('peak_users', r.luneo.peakUsersSampled);
  put('mean_users_busiest_10s', r.luneo.peakUsers);
  put('generator_busy_share', r.luneo.generator?.busyShare);
  put('generator_loop_delay_p99_ms', r.luneo.generator?.eventLoopDelayP99Ms);
  const platform = r.luneo.platformMetrics ?? [];
  if (platform.length > 0) {
    const peak = (pick: (p: (typeof platform)[number]) => number | undefined) => {
      const vs = platform.map(pick).filter((v): v is number => v !== undefined);
      return vs.length > 0 ? Math.max(...vs) : undefined;
    };
    put('server.queue_waiting.max', peak((p) => p.queueWaiting));
    put('server.queue_active.max', peak((p) => p.queueActive));
    put('server.oldest_waiting_s.max', peak((p) => p.oldestWaitingSec));
  }
  return out;
}

export interface RecordContext {
  commit?: string;
  /** defaults to now */
  at?: Date;
  /** defaults to the run's own */
  environment?: string;
  profile?: string;
}

export function recordOf(r: ResultsFile, ctx: RecordContext = {}): HistoryRecord {
  const at = ctx.at ?? new Date();
  const kind = r.luneo.verdict.kind;
  const rec: HistoryRecord = {
    schema: HISTORY_SCHEMA,
    id: `${at.toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`,
    at: at.toISOString(),
    scenario: r.luneo.scenario,
    environment: ctx.environment ?? r.luneo.run?.environment ?? 'unknown',
    profile: ctx.profile ?? r.luneo.run?.profile ?? 'unknown',
    valid: kind === 'pass' || kind === 'slo_failed' || kind === 'regressed',
    verdict: kind,
    figures: figuresOf(r),
  };
  if (ctx.commit) rec.commit = ctx.commit;
  return rec;
}
