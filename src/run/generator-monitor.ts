/**
 * How busy this worker's own thread is, sampled from inside the virtual
 * users' hooks at most once a second: event-loop delay (requests leave
 * late when it grows) and event-loop utilisation (1 = saturated). The run
 * summary turns these into the "generator overloaded" verdict.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { VUEvents } from 'artillery';
import { METRICS } from '../metric-names.ts';

const INTERVAL_MS = 1000;

let delay: ReturnType<typeof monitorEventLoopDelay> | undefined;
let lastElu: EventLoopUtilization | undefined;
let lastAt = 0;

export function sampleGenerator(events: VUEvents, now: number = performance.now()): void {
  if (!delay) {
    delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    lastElu = performance.eventLoopUtilization();
    lastAt = now;
    return;
  }
  if (now - lastAt < INTERVAL_MS) return;
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  lastAt = now;
  events.emit('histogram', METRICS.generator.eventLoopDelayP99Ms, delay.percentile(99) / 1e6);
  events.emit('histogram', METRICS.generator.busyShare, elu.utilization * 100);
  events.emit('histogram', METRICS.generator.heapUsedMb, process.memoryUsage().heapUsed / 1048576);
  delay.reset();
}
