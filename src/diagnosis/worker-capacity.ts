/**
 * The render workers' capacity by Little's law (L = λ·W), from the run's
 * own figures over the hold: jobs arriving against jobs finishing, the
 * backlog's growth, the time in queue and in processing, and from them the
 * worker slots (and workers, at the concurrency measured per worker) that
 * would hold the profile's peak of concurrent renders.
 */
import type { RunSettings } from '../config/environments.ts';
import { mid } from '../flows/flow.ts';
import { FLOWS } from '../flows/index.ts';
import { peakConcurrency } from '../load/model.ts';
import { METRICS } from '../metric-names.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { holdWindow } from '../results/recorder.ts';

/** When the run did not say (an -o file): the middle of the default render think time, 1–4 s (docs/settings.md, render.thinkMs). */
const DEFAULT_THINK_SEC = 2.5;

/** Workers are planned to run at most this busy: a queue grows without bound as utilisation nears 1. */
export const TARGET_UTILISATION = 0.7;

export interface WorkerCapacity {
  holdSeconds: number;
  /** jobs enqueued per second over the hold (λ) */
  arrivalsPerSec: number;
  /** jobs finished (succeeded or failed) per second over the hold (μ) */
  completionsPerSec: number;
  /** λ − μ, per minute: a positive figure is a backlog that grows */
  backlogGrowthPerMin: number;
  /** mean enqueue-to-finish time the users saw (s) */
  timeInSystemSec?: number;
  /** mean jobs waiting and active over the hold, from the queue's own counts */
  meanWaiting?: number;
  meanActive?: number;
  /** Little's law: time in queue = waiting ÷ λ, in processing = active ÷ μ (s) */
  timeInQueueSec?: number;
  processingSec?: number;
  /** the most jobs active at once: the workers' combined concurrency when the queue was backed up */
  peakActive?: number;
  /** the profile it plans for */
  profile: { name: string; renders: number; thinkSec: number };
  /** slots the profile needs at the target utilisation: λ_profile × processing ÷ utilisation */
  slotsNeeded?: number;
  /** today's slots (peak active while jobs waited), and how many times as many the profile needs */
  slotsToday?: number;
  scale?: number;
  text: string;
}

function sum(r: ResultsFile, name: string, from: number, to: number): number {
  return r.intermediate.filter((p) => Number(p.period) >= from && Number(p.period) < to).reduce((n, p) => n + (p.counters[name] ?? 0), 0);
}

function meanIn(r: ResultsFile, key: string, from: number, to: number): { mean: number; max: number } | undefined {
  const [group, name] = key.split('.');
  const pts = (r.luneo.server?.signals ?? []).filter((s) => s.group === group && s.name === name).sort((a, b) => (a.source === 'redis' ? -1 : b.source === 'redis' ? 1 : 0))[0]?.points.filter(([t]) => t >= from && t <= to);
  if (!pts || pts.length === 0) return undefined;
  return { mean: pts.reduce((n, [, v]) => n + v, 0) / pts.length, max: Math.max(...pts.map(([, v]) => v)) };
}

/** undefined for a run without render jobs; `settings`: the run's environment, for its think time. */
export function workerCapacity(r: ResultsFile, settings?: RunSettings): WorkerCapacity | undefined {
  const flow = FLOWS.render;
  if (r.luneo.scenario !== flow.name) return undefined;
  const thinkSec = settings ? mid(settings.render.thinkMs) / 1000 : DEFAULT_THINK_SEC;
  const R = METRICS.render;
  const { from, to } = holdWindow(r.intermediate);
  const holdSeconds = (to - from) / 1000;
  const enqueued = sum(r, R.jobsEnqueued, from, to);
  const finished = sum(r, R.jobsSucceeded, from, to) + sum(r, R.jobsFailed, from, to);
  if (holdSeconds <= 0 || enqueued === 0) return undefined;
  const arrivalsPerSec = enqueued / holdSeconds;
  const completionsPerSec = finished / holdSeconds;
  const prod = flow.profiles.prod;
  const renders = peakConcurrency(prod.stages);
  const out: WorkerCapacity = {
    holdSeconds,
    arrivalsPerSec,
    completionsPerSec,
    backlogGrowthPerMin: (arrivalsPerSec - completionsPerSec) * 60,
    profile: { name: prod.name, renders, thinkSec },
    text: '',
  };
  const inSystem = r.aggregate.summaries[R.jobProcessingMs];
  if (inSystem?.mean !== undefined) out.timeInSystemSec = inSystem.mean / 1000;
  const waiting = meanIn(r, 'worker.queue_depth', from, to);
  const active = meanIn(r, 'worker.active_jobs', from, to);
  if (waiting) {
    out.meanWaiting = waiting.mean;
    out.timeInQueueSec = waiting.mean / arrivalsPerSec;
  }
  if (active && completionsPerSec > 0) {
    out.meanActive = active.mean;
    out.peakActive = active.max;
    out.processingSec = active.mean / completionsPerSec;
  }
  const parts = [
    `over the ${Math.round(holdSeconds)}-s hold ${arrivalsPerSec.toFixed(2)} jobs/s arrived and ${completionsPerSec.toFixed(2)} jobs/s finished (backlog ${out.backlogGrowthPerMin >= 0 ? '+' : ''}${out.backlogGrowthPerMin.toFixed(1)} per minute)`,
  ];
  if (out.meanWaiting !== undefined && out.timeInQueueSec !== undefined) parts.push(`${out.meanWaiting.toFixed(1)} waiting on average: ${out.timeInQueueSec.toFixed(1)} s in queue (L = λW)`);
  if (out.processingSec !== undefined && out.meanActive !== undefined) parts.push(`${out.meanActive.toFixed(1)} active on average: ${out.processingSec.toFixed(1)} s in processing`);
  if (out.processingSec !== undefined) {
    // Each of the profile's renders loops: a job (processing, no queue when capacity suffices), then a think.
    const lambda = renders / (out.processingSec + thinkSec);
    out.slotsNeeded = (lambda * out.processingSec) / TARGET_UTILISATION;
    parts.push(`the ${prod.name} profile's ${renders} concurrent renders send ${lambda.toFixed(1)} jobs/s and need ${Math.ceil(out.slotsNeeded)} worker slots at ${TARGET_UTILISATION * 100} % utilisation`);
    // Slots today are known only when the queue was backed up: then the active count is the ceiling.
    if (out.peakActive !== undefined && (waiting?.max ?? 0) > 0) {
      out.slotsToday = out.peakActive;
      out.scale = out.slotsNeeded / out.peakActive;
      parts.push(`today's workers ran at most ${Math.round(out.peakActive)} jobs at once while jobs waited: ${out.scale.toFixed(1)} × today's workers`);
    }
  }
  out.text = `render workers: ${parts.join('; ')}`;
  return out;
}
