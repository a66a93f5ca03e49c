/** A run history for the page and summary tests. */
import { HISTORY_SCHEMA, type HistoryRecord } from '../../src/history/record.ts';

/**
 * 24 nightly runs of embed (one INVALID, recorded and never charted), the
 * validation p95 stepping from `before` to `after` ms at the 17th night.
 */
export function steppedHistory(o: { environment: string; profile: string; before: number; after: number; figures?: (i: number) => Record<string, number> }): HistoryRecord[] {
  return Array.from({ length: 24 }, (_, i) => ({
    schema: HISTORY_SCHEMA,
    id: `night-${i}`,
    at: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(),
    scenario: 'embed',
    environment: o.environment,
    profile: o.profile,
    valid: i !== 5,
    verdict: i === 5 ? 'invalid' : 'pass',
    commit: `${i}`.padStart(40, 'c'),
    figures: { 'luneo_embed_validate_ms.p95': (i < 16 ? o.before : o.after) * (1 + 0.03 * Math.sin(i)), handshake_success: 0.999, ...o.figures?.(i) },
  }));
}
