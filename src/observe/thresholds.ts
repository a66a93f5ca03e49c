/**
 * Server-side thresholds (`observe.thresholds` in an environment file),
 * judged beside the client-side ones: each is a signal's peak over the
 * hold (or, for `worker.queue_growth`, the queue's growth from the start
 * of the hold to its end) below a limit. A breach fails the run like any
 * threshold; a threshold whose signal was not measured (its source not set,
 * unreachable, or without data) cannot pass: the run is INVALID, since the
 * gate could not judge it.
 */
import type { Check } from '../verdict/summary.ts';
import { signalDef, type ServerSection, type SignalGroup } from './signals.ts';

/** `group.name` (or `worker.queue_growth`) → the limit its peak must stay below. */
export type ServerThresholds = Record<string, number>;

export const QUEUE_GROWTH = 'worker.queue_growth';

export function isThresholdKey(key: string): boolean {
  if (key === QUEUE_GROWTH) return true;
  const [group, name] = key.split('.') as [SignalGroup, string];
  return signalDef(group, name) !== undefined;
}

function pointsIn(server: ServerSection | undefined, key: string, from: number, to: number): [number, number][] {
  const [group, name] = key.split('.');
  return (server?.signals ?? [])
    .filter((s) => s.group === group && s.name === name)
    .flatMap((s) => s.points)
    .filter(([t, v]) => t >= from && t <= to && Number.isFinite(v))
    .sort((a, b) => a[0] - b[0]);
}

/** What each threshold measured over `window` (epoch ms), as checks: `server.<signal>.peak < limit`. */
export function serverChecks(thresholds: ServerThresholds | undefined, server: ServerSection | undefined, window: { from: number; to: number }): Check[] {
  return Object.entries(thresholds ?? {}).map(([key, limit]) => {
    const growth = key === QUEUE_GROWTH;
    const expression = growth ? `server.worker.queue_growth < ${limit}` : `server.${key}.peak < ${limit}`;
    const points = pointsIn(server, growth ? 'worker.queue_depth' : key, window.from, window.to);
    if (points.length < (growth ? 2 : 1)) {
      const sources = server?.sources.map((s) => `${s.source} ${s.state}`).join(', ');
      return { expression, passed: false, strict: true, unmeasured: true, why: `no ${growth ? 'two readings of worker.queue_depth' : `reading of ${key}`} during the hold (${sources ? `sources: ${sources}` : 'no server source was set'})` };
    }
    const measured = growth ? (points.at(-1)?.[1] ?? 0) - (points[0]?.[1] ?? 0) : Math.max(...points.map((p) => p[1]));
    return { expression, passed: measured < limit, strict: true, measured };
  });
}
