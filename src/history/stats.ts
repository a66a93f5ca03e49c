/**
 * The statistics the regression gate needs and nothing more: means and
 * sample variances, Student's t distribution (two-sided p-values and
 * quantiles for confidence intervals) through the regularized incomplete
 * beta function. Written here rather than pulled in: a few dozen lines of
 * textbook numerics (Numerical Recipes' continued fraction, Stirling's
 * series), tested against published table values.
 */

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : Number.NaN;
}

/** Sample variance (n − 1); 0 for fewer than two values. */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / (xs.length - 1);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * ln Γ(x) for x > 0: Stirling's series from x ≥ 15, reached by the
 * recurrence Γ(x + 1) = x Γ(x); about 15 significant digits.
 */
export function logGamma(x: number): number {
  let shift = 0;
  let y = x;
  while (y < 15) {
    shift += Math.log(y);
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (y - 0.5) * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  if (df <= 0) return 1;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(T ≤ t) = p (0 < p < 1), by bisection on the distribution function. */
export function tQuantile(p: number, df: number): number {
  const cdf = (t: number) => (t >= 0 ? 1 - tTwoSidedP(t, df) / 2 : tTwoSidedP(t, df) / 2);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface TwoSampleTest {
  meanBefore: number;
  meanAfter: number;
  sdBefore: number;
  sdAfter: number;
  nBefore: number;
  nAfter: number;
  /** Student's t with pooled variance; two-sided */
  t: number;
  pValue: number;
  df: number;
  /** standard error of meanAfter − meanBefore */
  stdError: number;
}

/**
 * Student's two-sample t-test with pooled variance, as Hunter (Fleming et
 * al., ICPE 2023) uses in place of E-divisive's permutation test: fast,
 * deterministic, and good with the handful of points a fresh change has.
 */
export function tTest(before: readonly number[], after: readonly number[]): TwoSampleTest {
  const n1 = before.length;
  const n2 = after.length;
  const m1 = mean(before);
  const m2 = mean(after);
  const v1 = variance(before);
  const v2 = variance(after);
  const df = n1 + n2 - 2;
  const pooled = df > 0 ? ((n1 - 1) * v1 + (n2 - 1) * v2) / df : 0;
  const stdError = Math.sqrt(pooled * (1 / n1 + 1 / n2));
  let t: number;
  if (stdError > 0) t = (m2 - m1) / stdError;
  else t = m2 === m1 ? 0 : Number.POSITIVE_INFINITY;
  const pValue = df > 0 ? tTwoSidedP(t, df) : 1;
  return { meanBefore: m1, meanAfter: m2, sdBefore: Math.sqrt(v1), sdAfter: Math.sqrt(v2), nBefore: n1, nAfter: n2, t, pValue, df, stdError };
}
