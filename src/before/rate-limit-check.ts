/**
 * Before the load: would this run measure the platform's rate limiter
 * rather than the platform? The preflight's answers carry the limits the
 * target announces; the profile says how many requests this generator
 * address will send. A run limited within its first minute is refused
 * (exit 2) with what to change on the deployment, unless the operator
 * accepts it with LUNEO_ACCEPT_RATE_LIMIT=1.
 */
import type { AnnouncedLimit } from '../api/announced-limits.ts';
import { concurrencyAt, peakConcurrency, type Stage, totalDuration } from '../load/model.ts';
import type { RunSettings } from '../config/environments.ts';

export const ACCEPT_RATE_LIMIT_VARIABLE = 'LUNEO_ACCEPT_RATE_LIMIT';

/** Production's express-slow-down, hard-coded in the platform (api-contract.md). */
export const SLOW_DOWN = { afterRequests: 100, windowSec: 900, delayMs: 500 } as const;

export type RouteKey = 'login' | 'health' | 'metrics' | 'embedToken' | 'widget' | 'embedValidate' | 'renderEnqueue' | 'renderStatus';

/** One answer the preflight got, with the limit it announced. */
export interface LimitObservation {
  route: RouteKey;
  /** e.g. GET /api/v1/embed/token */
  label: string;
  host: string;
  limit?: AnnouncedLimit;
}

/** User-seconds the profile holds between `from` and `to` seconds after the start. */
export function userSeconds(stages: readonly Stage[], from: number, to: number): number {
  const end = Math.min(to, totalDuration(stages));
  let sum = 0;
  const step = 0.25;
  for (let t = Math.max(0, from); t < end; t += step) sum += concurrencyAt(stages, t + step / 2) * Math.min(step, end - t);
  return sum;
}

/** The most user-seconds the profile holds in any `window`-second stretch (starts a second apart): its busiest window. */
export function busiestUserSeconds(stages: readonly Stage[], window: number): number {
  const total = totalDuration(stages);
  let best = 0;
  for (let t = 0; t === 0 || t + window <= total; t += 1) best = Math.max(best, userSeconds(stages, t, t + window));
  return best;
}

export interface LimitFinding {
  /** the run would be limited within its first minute */
  limited: boolean;
  /** the production slow-down would delay requests within the run's first 15 minutes */
  slowedDown: boolean;
  /** what was found and what to change, one line each */
  lines: string[];
}

interface Limiter {
  limit: AnnouncedLimit;
  hostWide: boolean;
  host: string;
  routes: RouteKey[];
  labels: string[];
}

/**
 * Groups what the answers announced: a limit on several routes of one host
 * is one limiter for the whole host (express-rate-limit counts every path
 * together); a limit on one route counts that route (ThrottlerGuard).
 */
function limiters(observations: readonly LimitObservation[]): Limiter[] {
  const byHost = new Map<string, LimitObservation[]>();
  for (const o of observations) if (o.limit) byHost.set(o.host, [...(byHost.get(o.host) ?? []), o]);
  const out: Limiter[] = [];
  for (const [host, obs] of byHost) {
    const routes = [...new Set(obs.map((o) => o.route))];
    // The last answer's remaining is the freshest.
    const limit = obs.at(-1)!.limit!;
    if (routes.length >= 2) out.push({ limit, hostWide: true, host, routes, labels: [...new Set(obs.map((o) => o.label))] });
    else for (const o of obs) if (!out.some((l) => !l.hostWide && l.routes[0] === o.route)) out.push({ limit: o.limit!, hostWide: false, host, routes: [o.route], labels: [o.label] });
  }
  return out;
}

export function checkRateLimits(
  observations: readonly LimitObservation[],
  rates: Partial<Record<RouteKey, number>>,
  hostOfRoute: (r: RouteKey) => string,
  stages: readonly Stage[],
  settings: Pick<RunSettings, 'slowDownRemoved'>,
): LimitFinding {
  const lines: string[] = [];
  let limited = false;
  let slowedDown = false;
  let productionLimiter = false;
  const peak = peakConcurrency(stages);
  for (const l of limiters(observations)) {
    const counted = (Object.keys(rates) as RouteKey[]).filter((r) => (l.hostWide ? hostOfRoute(r) === l.host : l.routes.includes(r)));
    const perUser = counted.reduce((s, r) => s + (rates[r] ?? 0), 0);
    if (l.limit.family === 'draft') productionLimiter = true;
    if (perUser === 0) continue;
    const w = l.limit.windowSec;
    const firstWindow = Math.min(60, w);
    const inFirst = perUser * userSeconds(stages, 0, firstWindow);
    const available = l.limit.remaining ?? l.limit.limit;
    const laterWindow = w < 60 ? perUser * userSeconds(stages, 60 - w, 60) : 0;
    const scope = l.hostWide ? `every path of ${l.host} together` : `${l.labels.join(', ')}`;
    const peakRate = perUser * peak;
    if (inFirst > available || laterWindow > l.limit.limit) {
      limited = true;
      // What the profile sends in its busiest window, with a quarter to spare: a full window at the peak for a long
      // profile, all of it for one shorter than the window.
      const needed = Math.ceil(perUser * busiestUserSeconds(stages, w) * 1.25);
      lines.push(
        `${l.host} limits ${scope} to ${l.limit.limit} requests per ${w} s per client address (${l.limit.source}${l.limit.windowAnnounced ? '' : `, window assumed ${w} s`}); ` +
          `this profile sends about ${Math.round(Math.max(inFirst, laterWindow)).toLocaleString('en-US')} of those in ${firstWindow} s from this generator address ` +
          `(${l.limit.remaining !== undefined ? `${l.limit.remaining} left in the current window; ` : ''}peak about ${Math.round(peakRate).toLocaleString('en-US')}/s): it would be rate-limited within its first minute.`,
        `  change on the deployment under test: RATE_LIMIT_LIMIT to at least ${needed.toLocaleString('en-US')} per RATE_LIMIT_TTL of ${w} s (or a shorter profile per address: more generators, npm run load -- --workers N).`,
      );
    }
  }
  if (productionLimiter && !settings.slowDownRemoved) {
    const apiHosts = new Set(observations.filter((o) => o.limit?.family === 'draft').map((o) => o.host));
    const perUser = (Object.keys(rates) as RouteKey[]).filter((r) => apiHosts.has(hostOfRoute(r))).reduce((s, r) => s + (rates[r] ?? 0), 0);
    const in15 = perUser * userSeconds(stages, 0, SLOW_DOWN.windowSec);
    if (in15 > SLOW_DOWN.afterRequests) {
      slowedDown = true;
      lines.push(
        `the production limiter answered (RateLimit-Policy), so production's express-slow-down runs too: +${SLOW_DOWN.delayMs} ms on every request after the ${SLOW_DOWN.afterRequests}th in ${SLOW_DOWN.windowSec / 60} minutes per address, hard-coded (raising the rate limit does not remove it); ` +
          `this profile sends about ${Math.round(in15).toLocaleString('en-US')} requests in that time.`,
        '  change on the deployment under test: remove express-slow-down, then say so with api.slowDownRemoved: true in the environment file.',
      );
    }
  }
  if (limited || slowedDown) {
    lines.push(
      '  both limiters are in-app middleware with no allow-list: allow-listing the generators at a WAF does not bypass them.',
      `  to run anyway and measure the limiter (the 429s are counted and the verdict shows them): ${ACCEPT_RATE_LIMIT_VARIABLE}=1.`,
    );
  }
  return { limited, slowedDown, lines };
}
