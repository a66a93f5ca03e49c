/**
 * The regression gate: tonight's run against every valid run before it,
 * series by series. A change point (change-points.ts) that began within the
 * last few runs, is significant, large enough to matter and for the worse
 * fails the night; one for the better is reported. Pure: records in, a
 * judgement out; the store and the verdict are elsewhere.
 */
import { type ChangePoint, changePoints } from './change-points.ts';
import type { HistoryRecord } from './record.ts';
import { SERIES, type SeriesSpec, transform } from './series.ts';
import { tQuantile, tTest, variance } from './stats.ts';

export interface GateOptions {
  /** two-sided significance level of tonight's step, shared between the window lengths tried (see bench/change-points.ts for the false alarms it gives) */
  maxPValue: number;
  /** significance level of the change points that divide the history into levels (E-divisive, as Otava's default) */
  levelPValue: number;
  /** a change that began more than this many runs ago is the level now, not tonight's news */
  recentRuns: number;
  /** runs of the new level needed before it is judged: one run alone is an outlier until the next confirms it */
  minRunsAfter: number;
  /** runs of the old level needed before a change can be judged at all */
  minRunsBefore: number;
}

/**
 * Chosen on the evaluation (`BENCH_ONLY=gate npm run bench`, 100 seeded
 * histories of 60 runs per case): at 5 % run-to-run noise, at most 0.9
 * false alarms per 100 runs in any history without a slowdown; every 20 %
 * slowdown found within 2 runs; a 10 % step found 95–98 times in 100, 71–72
 * of them within 3 runs (median 2–3). A 10 % step at 5 % noise is two
 * standard deviations: with three runs of the new level, no test at one
 * false alarm in 100 nights finds it every time (bench/README.md).
 */
export const GATE_DEFAULTS: GateOptions = { maxPValue: 0.015, levelPValue: 0.001, recentRuns: 4, minRunsAfter: 2, minRunsBefore: 8 };

/** The least history a series needs before the gate can judge it. */
export const RUNS_NEEDED = GATE_DEFAULTS.minRunsBefore + GATE_DEFAULTS.minRunsAfter;

export interface Change {
  key: string;
  label: string;
  unit: SeriesSpec['unit'];
  direction: 'worse' | 'better';
  /** relative (log series) or absolute (linear series) size of the step, with its 95 % interval */
  change: number;
  interval: [number, number];
  relative: boolean;
  pValue: number;
  /** the level before and after: geometric means for log series */
  previous: number;
  current: number;
  /** index into the judged values of the first run of the new level, and how many runs it has had */
  index: number;
  runsSince: number;
}

/**
 * A step in the last few runs: for each k from minRunsAfter to recentRuns,
 * the last k runs against the level before them (since the change point
 * before them, or the start), by the t-test at maxPValue / (the k tried),
 * and only where every one of the k runs lies at least a quarter of the
 * way from the old level to the new (an outlier and a normal run are not
 * a step). The k
 * with the smallest p wins. E-divisive alone places a fresh step late:
 * with two or three runs of a new level its best split is often elsewhere
 * (bench/change-points.ts shows both).
 */
export function recentStep(z: readonly number[], o: GateOptions = GATE_DEFAULTS): ChangePoint | undefined {
  const n = z.length;
  // The levels before the window under test, at Otava's stricter level: a spurious split there would shorten the reference.
  const established = changePoints(z.slice(0, Math.max(0, n - o.recentRuns)), { maxPValue: o.levelPValue }).map((c) => c.index);
  const tried = o.recentRuns - o.minRunsAfter + 1;
  let best: ChangePoint | undefined;
  for (let k = o.minRunsAfter; k <= o.recentRuns; k++) {
    const at = n - k;
    // The level the last k runs left: since the latest established change before them. Too new a level judges nothing.
    const base = established.filter((i) => i <= at).at(-1) ?? 0;
    const before = z.slice(base, at);
    if (before.length < o.minRunsBefore) continue;
    const after = z.slice(at);
    const test = tTest(before, after);
    if (!(test.pValue < o.maxPValue / tried)) continue;
    // Each of the k runs a quarter of the way to the new level or beyond: one outlier and a run at the old level are no step.
    const bar = test.meanBefore + 0.25 * (test.meanAfter - test.meanBefore);
    const up = test.meanAfter > test.meanBefore;
    if (!after.every((x) => (up ? x > bar : x < bar))) continue;
    if (!best || test.pValue < best.test.pValue) best = { index: at, test };
  }
  return best;
}

/** The gate on one series of values, oldest first, tonight's last. */
export function judgeSeries(spec: SeriesSpec, values: readonly number[], o: GateOptions = GATE_DEFAULTS): Change | undefined {
  if (values.length < o.minRunsBefore + o.minRunsAfter) return undefined;
  const z = values.map((v) => transform(spec, v));
  const last = recentStep(z, o);
  if (!last) return undefined;
  const runsSince = z.length - last.index;
  const t = last.test;
  const delta = t.meanAfter - t.meanBefore;
  const half = tQuantile(0.975, Math.max(1, t.df)) * t.stdError;
  const log = spec.scale === 'log';
  const change = log ? Math.expm1(delta) : delta;
  if (Math.abs(change) < spec.minChange) return undefined;
  if (log && spec.minAbsolute !== undefined && Math.abs(Math.exp(t.meanAfter) - Math.exp(t.meanBefore)) < spec.minAbsolute) return undefined;
  const up = delta > 0;
  return {
    key: spec.key,
    label: spec.label,
    unit: spec.unit,
    direction: up === (spec.worse === 'up') ? 'worse' : 'better',
    change,
    interval: log ? [Math.expm1(delta - half), Math.expm1(delta + half)] : [delta - half, delta + half],
    relative: log,
    pValue: t.pValue,
    previous: log ? Math.exp(t.meanBefore) : t.meanBefore,
    current: log ? Math.exp(t.meanAfter) : t.meanAfter,
    index: last.index,
    runsSince,
  };
}

export interface Spread {
  key: string;
  label: string;
  /** runs of the current level */
  runs: number;
  /** the level: geometric mean for log series */
  level: number;
  /** run-to-run standard deviation within the current level: relative for log series, absolute otherwise */
  spread: number;
  relative: boolean;
}

export interface Regression extends Change {
  /** the run (and its commit) where the change began */
  began: { id: string; at: string; commit?: string };
}

export interface GateResult {
  /** valid runs of the same scenario, environment and profile before tonight's */
  reference: number;
  runsNeeded: number;
  /** changes for the worse: each fails the night */
  regressions: Regression[];
  /** changes for the better: reported, never failed */
  improvements: Regression[];
  spreads: Spread[];
}

/** The runs tonight is judged against: valid ones of the same scenario, environment and profile, oldest first. */
export function referenceRuns(history: readonly HistoryRecord[], tonight: Pick<HistoryRecord, 'scenario' | 'environment' | 'profile' | 'id'>): HistoryRecord[] {
  return history
    .filter((r) => r.valid && r.id !== tonight.id && r.scenario === tonight.scenario && r.environment === tonight.environment && r.profile === tonight.profile)
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function judgeHistory(history: readonly HistoryRecord[], tonight: HistoryRecord, o: GateOptions = GATE_DEFAULTS): GateResult {
  const runs = [...referenceRuns(history, tonight), tonight];
  const out: GateResult = { reference: runs.length - 1, runsNeeded: o.minRunsBefore + o.minRunsAfter, regressions: [], improvements: [], spreads: [] };
  for (const spec of SERIES) {
    const points = runs.filter((r) => Number.isFinite(r.figures[spec.key]));
    if (points.length < 2) continue;
    const values = points.map((r) => r.figures[spec.key] as number);
    out.spreads.push(spreadOf(spec, values));
    if (!spec.gated || !Number.isFinite(tonight.figures[spec.key])) continue;
    const change = judgeSeries(spec, values, o);
    if (!change) continue;
    const b = points[change.index] as HistoryRecord;
    const began: Regression['began'] = { id: b.id, at: b.at };
    if (b.commit) began.commit = b.commit;
    (change.direction === 'worse' ? out.regressions : out.improvements).push({ ...change, began });
  }
  return out;
}

/** The run-to-run spread of the level the series is at now (since its last change point). */
export function spreadOf(spec: SeriesSpec, values: readonly number[]): Spread {
  const z = values.map((v) => transform(spec, v));
  const from = changePoints(z, { maxPValue: GATE_DEFAULTS.levelPValue }).at(-1)?.index ?? 0;
  const level = z.slice(from);
  const m = level.reduce((a, b) => a + b, 0) / level.length;
  const sd = Math.sqrt(variance(level));
  const log = spec.scale === 'log';
  return { key: spec.key, label: spec.label, runs: level.length, level: log ? Math.exp(m) : m, spread: log ? Math.expm1(sd) : sd, relative: log };
}

/** One line for a change: "nonce_validation p95 +31 % (95 % interval +22 … +41 %), 40 → 52.4 ms, from run … (commit abc1234), p = 0.0003". */
export function describeChange(c: Regression): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;
  const abs = (x: number) => `${x >= 0 ? '+' : ''}${fmtLevel(x, c.unit)}`;
  const size = c.relative ? `${pct(c.change)} (95 % interval ${pct(c.interval[0])} … ${pct(c.interval[1])})` : `${abs(c.change)} (95 % interval ${abs(c.interval[0])} … ${abs(c.interval[1])})`;
  const began = `began ${c.runsSince} runs ago at the run of ${c.began.at.slice(0, 16).replace('T', ' ')} UTC${c.began.commit ? ` (commit ${c.began.commit.slice(0, 12)})` : ''}`;
  return `${c.label} ${size}: ${fmtLevel(c.previous, c.unit)} → ${fmtLevel(c.current, c.unit)}, ${began}, ${fmtP(c.pValue)}`;
}

/** "p = 0.0031", "p = 3.4e-7"; a p below what doubles hold (two levels without spread) as "p < 1e-15". */
export function fmtP(p: number): string {
  if (p < 1e-15) return 'p < 1e-15';
  return `p = ${p < 0.0001 ? p.toExponential(1) : p.toFixed(4)}`;
}

/** A level's run-to-run spread: "±5.0 %" for log series, "±0.12 %" (points) or "±1.3 ms" for linear ones. */
export function fmtSpread(s: Pick<Spread, 'spread' | 'relative'>, unit: SeriesSpec['unit']): string {
  return s.relative ? `±${(100 * s.spread).toFixed(1)} %` : `±${fmtLevel(s.spread, unit)}`;
}

export function fmtLevel(v: number, unit: SeriesSpec['unit']): string {
  if (unit === 'share') return `${(100 * v).toFixed(2)} %`;
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}
