/**
 * The render pipeline: enqueue, poll with backoff until the job is done
 * (or the finished render in the enqueue's answer), think, render again;
 * as one description the rest of the package reads, and the job's pure
 * logic (render-job.ts).
 */
import { type BackoffPolicy, DEFAULT_BACKOFF, validateBackoff } from '../api/backoff.ts';
import { extractJobId, extractJobOutcome, extractRenderResult, RENDER_TYPES, type RenderType, routes } from '../api/dialect.ts';
import type { Range, SectionReader } from '../config/section.ts';
import { isRecord } from '../config/record.ts';
import { METRICS } from '../metric-names.ts';
import { apiAnswer, type PreflightInput, type Walk } from '../before/walk.ts';
import { type FlowDescription, mid } from './flow.ts';
import { profile } from '../load/stages.ts';

export * from './render-job.ts';

export async function walkRender(w: Walk, i: PreflightInput): Promise<void> {
  const dep = i.deployment;
  const bearer = await i.bearer();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const spec = routes.enqueueRender(dep, i.render);
  let jobId: string | undefined;
  await w.step('renderEnqueue', 'POST', i.baseUrl + spec.path, { ...headers }, spec.json,
    apiAnswer((a) => {
      if (dep.syncRender) {
        const r = extractRenderResult(a.body);
        return r.ok ? { ok: true } : { ok: false, transient: false, why: 'answered no finished render (api.syncRender is true: is the render route synchronous?)' };
      }
      const id = extractJobId(a.body);
      if (!id.ok) return { ok: false, transient: false, why: `answered no job id${extractRenderResult(a.body).ok ? ' but a finished render: set api.syncRender: true' : ''}` };
      jobId = id.value;
      return { ok: true };
    }),
  );
  if (jobId === undefined) return;
  await w.step('renderStatus', 'GET', i.baseUrl + routes.jobStatus(dep, jobId), { ...headers }, undefined,
    apiAnswer((a) => (extractJobOutcome(a.body).ok ? { ok: true } : { ok: false, transient: false, why: 'answered no job status (data: null: is api.routes.renderStatus right?)' })),
  );
}

/** The environment file's `render:` section. */
export interface RenderSettings {
  /** the share of each render type */
  mix: Record<RenderType, number>;
  /** pause between renders */
  thinkMs: Range;
  poll: BackoffPolicy;
}

function renderSettings(s: SectionReader): RenderSettings {
  const poll = s.numbers('poll', DEFAULT_BACKOFF);
  for (const p of validateBackoff(poll)) s.problem(`poll: ${p}`);
  // It governs every flow's requests, so it left this section: say where it went rather than "unknown setting".
  if (s.raw('rateLimit') !== undefined) s.problem('rateLimit is now a top-level setting (rateLimit: { … } beside api:): every flow follows it');
  return { mix: mix(s), thinkMs: s.range('thinkMs', { min: 1000, max: 4000 }), poll };
}

const DEFAULT_MIX: Record<RenderType, number> = { '2d': 60, '3d': 30, ar: 10 };

function mix(s: SectionReader): Record<RenderType, number> {
  const v = s.raw('mix');
  if (v === undefined) return { ...DEFAULT_MIX };
  if (!isRecord(v)) {
    s.problem('mix must map render types (2d, 3d, ar) to weights');
    return { ...DEFAULT_MIX };
  }
  const out: Record<RenderType, number> = { '2d': 0, '3d': 0, ar: 0 };
  for (const [k, w] of Object.entries(v)) {
    if (!(RENDER_TYPES as readonly string[]).includes(k)) s.problem(`mix: unknown render type "${k}" (use 2d, 3d, ar)`);
    else if (typeof w !== 'number' || w < 0) s.problem(`mix.${k} must be a weight >= 0`);
    else out[k as RenderType] = w;
  }
  if (Object.values(out).every((w) => w === 0)) s.problem('mix needs at least one weight above 0');
  return out;
}

/** A poll every few seconds while a job runs: its first wait, doubled. */
const pollSeconds = (initialMs: number) => Math.max(0.5, initialMs / 1000) * 2;

export const render = {
  name: 'render',
  title: 'the render pipeline',
  users: { one: 'renderer', many: 'renderers', concurrent: 'renders in flight' },
  resultsFile: 'worker-load-test-results.json',
  load: true as const,
  profiles: {
    local: profile('smoke', 'sandbox smoke: 10 renderers, about 25 s', '5s:10 15s:10 5s:0'),
    ci: profile('ci-100', "the requirements' CI profile: 100 concurrent renders for 2 minutes", '10s:100 110s:100'),
    staging: profile('staging-100', 'the release profile at a fifth of production scale (100 concurrent renders)', '1m:20 2m:60 2m:100 10m:100 2m:0'),
    prod: profile('full-500', "the requirements' full profile: 500 concurrent renders, 17 minutes", '1m:100 2m:300 2m:500 10m:500 2m:0'),
  },
  seedNeedsApiKey: true,
  usesWidget: false,
  metricPrefix: 'luneo_render_',
  steps: [
    { metric: METRICS.render.enqueueMs, title: 'Render enqueue' },
    { metric: METRICS.render.statusMs, title: 'Render status poll' },
  ],
  renderJobs: true,
  settings: renderSettings,
  routeRates(settings, own) {
    const thinkSec = mid(own.thinkMs) / 1000;
    if (settings.deployment.syncRender) return { renderEnqueue: 1 / (thinkSec + 0.5) };
    const pollSec = pollSeconds(own.poll.initialMs);
    return { renderEnqueue: 1 / (thinkSec + 4 * pollSec), renderStatus: 1 / pollSec };
  },
  peakRate(_settings, own, peak) {
    // A render: one enqueue, then a poll every few seconds until done; think between renders.
    return peak / pollSeconds(own.poll.initialMs);
  },
  walk: walkRender,
} satisfies FlowDescription<RenderSettings>;
