/**
 * Who is here: the virtual users (and renders in flight) alive in this
 * worker, sampled every second. Artillery has no active-VU metric, and its
 * created/completed counters only move at 10-second period edges. Two
 * views come out of the samples: a counter of user-seconds, which sums
 * correctly over workers (divided by the period length it is the mean
 * concurrency), and a per-worker histogram of the count itself, whose max
 * is exact when one worker runs the test.
 */
import type { VUEvents } from 'artillery';
import { METRICS } from '../metric-names.ts';

export type Population = 'users' | 'renders';

const counts: Record<Population, number> = { users: 0, renders: 0 };
let ticker: ReturnType<typeof setInterval> | undefined;

const NAMES: Record<Population, { seconds: string; sampled: string }> = {
  users: { seconds: METRICS.load.userSeconds, sampled: METRICS.load.concurrentUsers },
  renders: { seconds: METRICS.load.renderSeconds, sampled: METRICS.load.rendersInFlight },
};

function ensureTicker(events: VUEvents, populations: readonly Population[]): void {
  if (ticker) return;
  ticker = setInterval(() => {
    for (const p of populations) {
      events.emit('counter', NAMES[p].seconds, counts[p]);
      events.emit('histogram', NAMES[p].sampled, counts[p]);
    }
  }, 1000);
  ticker.unref();
}

export function join(events: VUEvents, p: Population, populations: readonly Population[] = [p]): void {
  counts[p]++;
  ensureTicker(events, populations);
}

export function leave(p: Population): void {
  counts[p] = Math.max(0, counts[p] - 1);
}
