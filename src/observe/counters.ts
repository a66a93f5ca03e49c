/**
 * Turning cumulative counters into per-period figures: a source reads
 * totals (CPU seconds, requests, commands, histogram buckets) and reports
 * what happened since its previous sample. A counter that went down was
 * reset (a restart): that period has no figure rather than a negative one.
 */

export class CounterDeltas {
  readonly #prev = new Map<string, { at: number; value: number }>();

  /** Increase of `key` since the previous call, with the seconds between them; undefined on the first call or after a reset. */
  delta(key: string, at: number, value: number | undefined): { increase: number; seconds: number } | undefined {
    if (value === undefined || !Number.isFinite(value)) return undefined;
    const prev = this.#prev.get(key);
    this.#prev.set(key, { at, value });
    if (!prev || at <= prev.at || value < prev.value) return undefined;
    return { increase: value - prev.value, seconds: (at - prev.at) / 1000 };
  }

  /** Per-second rate of `key` since the previous call. */
  rate(key: string, at: number, value: number | undefined): number | undefined {
    const d = this.delta(key, at, value);
    return d === undefined ? undefined : d.increase / d.seconds;
  }

  /** Increase of `num` per increase of `den` over the same period (mean time per call, hits per lookup); undefined when `den` did not move. */
  ratio(key: string, at: number, num: number | undefined, den: number | undefined): number | undefined {
    const n = this.delta(`${key}:num`, at, num);
    const d = this.delta(`${key}:den`, at, den);
    if (n === undefined || d === undefined || d.increase <= 0) return undefined;
    return n.increase / d.increase;
  }
}

/**
 * The q-quantile of a cumulative histogram (Prometheus `le` buckets, as
 * `histogram_quantile` computes it): linear within the bucket that holds
 * the rank; a rank in the +Inf bucket reads as the highest finite bound.
 * `buckets` are [upper bound, cumulative count], in any order.
 */
export function histogramQuantile(q: number, buckets: readonly (readonly [number, number])[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1];
  if (total === undefined || total <= 0 || sorted.at(-1)?.[0] !== Infinity) return undefined;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      if (count === prevCount) return bound;
      return prevBound + (bound - prevBound) * ((rank - prevCount) / (count - prevCount));
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/** Bucket counts gained since the previous call, per bound: the histogram of one period. */
export class HistogramDeltas {
  #prev: Map<number, number> | undefined;

  period(buckets: readonly (readonly [number, number])[]): [number, number][] | undefined {
    const now = new Map(buckets.map(([b, c]) => [b, c] as const));
    const prev = this.#prev;
    this.#prev = now;
    if (!prev) return undefined;
    const out: [number, number][] = [];
    for (const [bound, count] of now) {
      const before = prev.get(bound) ?? 0;
      if (count < before) return undefined;
      out.push([bound, count - before]);
    }
    return out;
  }
}
