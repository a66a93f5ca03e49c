/**
 * Change points in a series of runs: E-divisive means (Matteson and James,
 * 2014) with Student's t-test in place of the permutation test, in sliding
 * windows, then a merge that drops the weakest points until every one left
 * is significant: the method of Hunter (Fleming et al., ICPE 2023), which
 * Apache Otava implements and docs/MATH.md there describes. Deterministic:
 * the same series gives the same change points, run after run.
 *
 * A change point is the index of the first run of the new level.
 */
import { tTest, type TwoSampleTest } from './stats.ts';

export interface ChangePoint {
  /** the first run of the new level */
  index: number;
  /** the segment before (from the previous change point) against the segment after (to the next one) */
  test: TwoSampleTest;
}

export interface DetectOptions {
  /** a change point must be significant at this level (two-sided) */
  maxPValue: number;
  /** runs per sliding window of the split step (Otava: 50); windows overlap by half */
  windowLen: number;
}

export const DETECT_DEFAULTS: DetectOptions = { maxPValue: 0.001, windowLen: 50 };

/** Sums of |z_a − z_b| over rectangles of the distance matrix, in O(1) each. */
class PairDistances {
  readonly #n: number;
  readonly #p: Float64Array;

  constructor(z: readonly number[]) {
    const n = z.length;
    this.#n = n;
    const w = n + 1;
    this.#p = new Float64Array(w * w);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d = Math.abs((z[i] as number) - (z[j] as number));
        this.#p[(i + 1) * w + j + 1] = d + (this.#p[i * w + j + 1] as number) + (this.#p[(i + 1) * w + j] as number) - (this.#p[i * w + j] as number);
      }
    }
  }

  /** Σ over a ∈ [a0, a1), b ∈ [b0, b1) of |z_a − z_b| */
  rect(a0: number, a1: number, b0: number, b1: number): number {
    const w = this.#n + 1;
    const p = this.#p;
    return (p[a1 * w + b1] as number) - (p[a0 * w + b1] as number) - (p[a1 * w + b0] as number) + (p[a0 * w + b0] as number);
  }
}

/**
 * The most divergent split of z[start, end): the τ (and κ) that maximise
 * Q̂(X_τ, Y_τ(κ)) = 2/(m+n) Σ|X−Y| − 2m/((m+n)(n−1)) Σ|X_i−X_k| − 2n/((m+n)(m−1)) Σ|Y_j−Y_k|,
 * with X = z[start, τ) (n values) and Y = z[τ, κ) (m values).
 */
function bestSplit(d: PairDistances, start: number, end: number): { index: number; q: number } | undefined {
  let best: { index: number; q: number } | undefined;
  for (let tau = start + 1; tau < end; tau++) {
    const n = tau - start;
    const withinX = d.rect(start, tau, start, tau) / 2;
    for (let kappa = tau + 1; kappa <= end; kappa++) {
      const m = kappa - tau;
      const between = d.rect(start, tau, tau, kappa);
      const withinY = d.rect(tau, kappa, tau, kappa) / 2;
      let q = (2 / (m + n)) * between;
      if (n > 1) q -= ((2 * m) / ((m + n) * (n - 1))) * withinX;
      if (m > 1) q -= ((2 * n) / ((m + n) * (m - 1))) * withinY;
      if (best === undefined || q > best.q) best = { index: tau, q };
    }
  }
  return best;
}

/** Segment bounds around each change point: [previous point, point) and [point, next point). */
function judged(z: readonly number[], indices: readonly number[], from = 0, to = z.length): ChangePoint[] {
  return indices.map((index, i) => ({ index, test: tTest(z.slice(i === 0 ? from : (indices[i - 1] as number), index), z.slice(index, i === indices.length - 1 ? to : (indices[i + 1] as number))) }));
}

/** E-divisive within z[from, to): split recursively while the best candidate is significant. */
function divisive(z: readonly number[], d: PairDistances, from: number, to: number, maxPValue: number): number[] {
  const found: number[] = [];
  for (;;) {
    const bounds = [from, ...found, to];
    let best: { index: number; q: number; lo: number; hi: number } | undefined;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const lo = bounds[i] as number;
      const hi = bounds[i + 1] as number;
      if (hi - lo < 2) continue;
      const c = bestSplit(d, lo, hi);
      if (c && (best === undefined || c.q > best.q)) best = { ...c, lo, hi };
    }
    if (!best) return found;
    const t = tTest(z.slice(best.lo, best.index), z.slice(best.index, best.hi));
    if (!(t.pValue < maxPValue)) return found;
    found.push(best.index);
    found.sort((a, b) => a - b);
  }
}

/**
 * The change points of `z`, each significant at `maxPValue`: weak points
 * from sliding windows at a relaxed level (10× maxPValue, as Otava), then
 * the weakest dropped one by one, its neighbours re-judged over their new
 * segments, until every point left is significant over its own segments.
 */
export function changePoints(z: readonly number[], options: Partial<DetectOptions> = {}): ChangePoint[] {
  const o = { ...DETECT_DEFAULTS, ...options };
  if (z.length < 3 || z.some((x) => !Number.isFinite(x))) return [];
  const firstPass = o.maxPValue < 0.05 ? o.maxPValue * 10 : Math.min(0.5, o.maxPValue * 2);
  const d = new PairDistances(z);
  const weak = new Set<number>();
  const step = Math.max(1, Math.floor(o.windowLen / 2));
  for (let start = 0; start < z.length; ) {
    const end = Math.min(start + o.windowLen, z.length);
    const found = divisive(z, d, start, end, firstPass);
    for (const i of found) weak.add(i);
    start = Math.max(found.at(-1) ?? 0, start + step);
  }
  let points = judged(z, [...weak].sort((a, b) => a - b));
  while (points.length > 0) {
    const weakest = points.reduce((w, p) => (p.test.pValue > w.test.pValue ? p : w));
    if (weakest.test.pValue < o.maxPValue) break;
    points = judged(z, points.filter((p) => p !== weakest).map((p) => p.index));
  }
  return points;
}
