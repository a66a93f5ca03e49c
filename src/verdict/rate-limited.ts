/**
 * The rate-limited share: answers that were 429s, of all answers. A 429 is
 * the platform's limiter, not its performance: it is kept out of the
 * latencies, the success ratios and the error rate, and counted here.
 * Past the limit the run is invalid, not failed: its numbers measure the
 * limiter, and the fix is the deployment's limits (its in-app limiters
 * have no allow-list, so a WAF allow-list does not help), not the code.
 */
import { METRICS } from '../metric-names.ts';
import type { PeriodReport } from './summary.ts';

/** 429s above this share of the answers make the run invalid */
export const MAX_RATE_LIMITED_SHARE = 0.01;

export interface RateLimiting {
  limited: boolean;
  problems: string[];
  rateLimited: number;
  requests: number;
  /** rateLimited / requests */
  share: number;
  /** renders given up after the bounded retries */
  giveUps: number;
}

export function rateLimiting(aggregate: PeriodReport, limit: number = MAX_RATE_LIMITED_SHARE): RateLimiting {
  const c = aggregate.counters;
  const rateLimited = c[METRICS.requests.rateLimited] ?? 0;
  const requests = c[METRICS.requests.sent] ?? 0;
  const share = requests > 0 ? rateLimited / requests : 0;
  const giveUps = c[METRICS.render.rateLimitGiveUps] ?? 0;
  const problems: string[] = [];
  if (share > limit) {
    problems.push(
      `rate limited: ${rateLimited} of ${requests} requests (${(100 * share).toFixed(1)} %, limit ${100 * limit} %) were answered 429` +
        `${giveUps > 0 ? ` and ${giveUps} renders given up` : ''}: the results measure the limiter; raise the deployment's limits (RATE_LIMIT_LIMIT, RATE_LIMIT_TTL) and remove its slow-down: a WAF allow-list does not bypass them`,
    );
  }
  return { limited: problems.length > 0, problems, rateLimited, requests, share, giveUps };
}
