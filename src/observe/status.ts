/** The few server signals that matter most, for the 10-second status line: API CPU, DB pool, Redis latency, queue depth. */
import { formatSignal, SIGNALS } from './signals.ts';

export interface LatestValues {
  latest(group: string, name: string): number | undefined;
}

export function serverStatus(o: LatestValues): string | undefined {
  const parts = SIGNALS.flatMap((d) => {
    if (!('status' in d)) return [];
    const v = o.latest(d.group, d.name);
    return v === undefined ? [] : [`${d.status} ${formatSignal(v, d.unit)}`];
  });
  return parts.length > 0 ? `server ${parts.join(', ')}` : undefined;
}
