/**
 * The regression gate's evaluation (issue 21): synthetic nightly histories
 * of 60 runs with run-to-run noise of 5 % and 10 %, planted steps of 5, 10
 * and 20 % up and down, a slow drift, and outliers, each judged night by
 * night by the gate and by the fixed "+20 % against last night" rule. For
 * each: the steps found, the runs until found, and false alarms per 100
 * runs. Seeded: the same figures every time.
 */
import { GATE_DEFAULTS, type GateOptions, judgeSeries } from '../../src/history/gate.ts';
import type { SeriesSpec } from '../../src/history/series.ts';
import { rng } from './seeded.ts';

/** A latency p95 as the gate judges one. */
const P95: SeriesSpec = { key: 'synthetic.p95', label: 'p95', unit: 'ms', worse: 'up', scale: 'log', gated: true, minChange: 0.03 };

export const RUNS = 60;
/** The first run of a planted step: 30 runs before it, 30 after. */
export const STEP_AT = 30;
/** A slow creep: 5 % a week of nightly runs from run 20 on. */
export const DRIFT_FROM = 20;
export const DRIFT_PER_RUN = 0.05 / 7;

export interface Scenario {
  name: string;
  noise: number;
  /** planted relative step (+ slower, − faster), or 0 */
  step: number;
  drift: boolean;
  outliers: boolean;
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** One history: level 100 ms, multiplicative noise, the scenario's change; outliers are single runs 30–60 % slower. */
export function history(s: Scenario, seed: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  const outlierRuns = s.outliers ? new Set([8, 17, 26, 38, 47, 55].map((i) => i + Math.floor(r() * 3))) : new Set<number>();
  for (let i = 0; i < RUNS; i++) {
    let level = 100;
    if (s.step !== 0 && i >= STEP_AT) level *= 1 + s.step;
    if (s.drift && i >= DRIFT_FROM) level *= (1 + DRIFT_PER_RUN) ** (i - DRIFT_FROM + 1);
    let v = level * Math.exp(s.noise * gaussian(r));
    if (outlierRuns.has(i)) v *= 1.3 + 0.3 * r();
    out.push(v);
  }
  return out;
}

export interface NightlyAlarms {
  /** runs (0-based: tonight's index) on which the rule failed the night, and the run where it said the change began */
  alarms: { night: number; began: number }[];
  /** runs where a change for the better was reported */
  reports: { night: number; began: number }[];
  judged: number;
}

/** The gate, night after night: each night sees the runs up to and including its own. */
export function gateNights(values: readonly number[], o: GateOptions = GATE_DEFAULTS): NightlyAlarms {
  const out: NightlyAlarms = { alarms: [], reports: [], judged: 0 };
  for (let night = 1; night < values.length; night++) {
    const seen = values.slice(0, night + 1);
    if (seen.length < o.minRunsBefore + o.minRunsAfter) continue;
    out.judged++;
    const c = judgeSeries(P95, seen, o);
    if (!c) continue;
    (c.direction === 'worse' ? out.alarms : out.reports).push({ night, began: c.index });
  }
  return out;
}

/** The fixed rule the nightly job had: tonight more than 20 % above last night. */
export function fixedRuleNights(values: readonly number[], limit = 0.2, firstNight = GATE_DEFAULTS.minRunsBefore + GATE_DEFAULTS.minRunsAfter - 1): NightlyAlarms {
  const out: NightlyAlarms = { alarms: [], reports: [], judged: 0 };
  for (let night = firstNight; night < values.length; night++) {
    out.judged++;
    const prev = values[night - 1] as number;
    const now = values[night] as number;
    if (now > prev * (1 + limit)) out.alarms.push({ night, began: night });
    else if (now < prev * (1 - limit)) out.reports.push({ night, began: night });
  }
  return out;
}

export interface ScenarioFigures {
  scenario: Scenario;
  method: 'gate' | 'fixed +20 %';
  histories: number;
  /** histories in which the planted change was found (a failed night for a slowdown, a report for a speed-up) */
  found: number;
  /** runs from the first changed run to the night it was found (1 = that very night), over the histories that found it */
  runsToFind: number[];
  /** failed nights not explained by the planted change, per 100 judged nights */
  falseAlarmsPer100: number;
}

/** A signal whose change began within this many runs before the planted start, or twice as many after it, is the change's. */
const ATTRIBUTION_SLACK = 3;

export function evaluate(s: Scenario, histories: number, method: ScenarioFigures['method'], o: GateOptions = GATE_DEFAULTS): ScenarioFigures {
  const start = s.drift ? DRIFT_FROM : s.step !== 0 ? STEP_AT : undefined;
  const slower = s.drift || s.step > 0;
  let found = 0;
  let falseAlarms = 0;
  let judged = 0;
  const runsToFind: number[] = [];
  for (let h = 0; h < histories; h++) {
    const values = history(s, 1000 * (h + 1) + Math.round(s.noise * 100) * 7 + Math.round(s.step * 100) * 13 + (s.drift ? 5 : 0) + (s.outliers ? 3 : 0));
    const nights = method === 'gate' ? gateNights(values, o) : fixedRuleNights(values);
    judged += nights.judged;
    const signals = slower ? nights.alarms : nights.reports;
    // The change's own signal: a night at or after its start, whose change began near it (a drift: anywhere after it).
    const ownChange = (a: { night: number; began: number }) => start !== undefined && a.night >= start && a.began >= start - ATTRIBUTION_SLACK && (s.drift || a.began <= start + 2 * ATTRIBUTION_SLACK);
    const own = signals.find(ownChange);
    if (own && start !== undefined) {
      found++;
      runsToFind.push(own.night - start + 1);
    }
    // Every failed night the planted slowdown does not explain is a false alarm.
    for (const a of nights.alarms) {
      if (!(slower && ownChange(a))) falseAlarms++;
    }
  }
  return { scenario: s, method, histories, found, runsToFind, falseAlarmsPer100: judged > 0 ? (100 * falseAlarms) / judged : 0 };
}

export function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const noise of [0.05, 0.1]) {
    out.push({ name: `no change, noise ${noise * 100} %`, noise, step: 0, drift: false, outliers: false });
    out.push({ name: `outliers, noise ${noise * 100} %`, noise, step: 0, drift: false, outliers: true });
    for (const step of [0.05, 0.1, 0.2, -0.05, -0.1, -0.2]) {
      out.push({ name: `step ${step > 0 ? '+' : ''}${step * 100} %, noise ${noise * 100} %`, noise, step, drift: false, outliers: false });
    }
    out.push({ name: `drift +5 %/week, noise ${noise * 100} %`, noise, step: 0, drift: true, outliers: false });
  }
  return out;
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export interface GateEvaluation {
  histories: number;
  runs: number;
  options: GateOptions;
  rows: ScenarioFigures[];
  /** the aim at 5 % noise: steps of 10 % or more found within 3 runs (share of histories), false alarms per 100 runs (worst scenario without a slowdown) */
  aim: { withinThreeRunsShare: number; falseAlarmsPer100: number; met: boolean };
}

/** The whole evaluation: every scenario, both methods. About 2 s. */
export function evaluateGate(histories = 100, o: GateOptions = GATE_DEFAULTS): GateEvaluation {
  const rows: ScenarioFigures[] = [];
  for (const s of scenarios()) for (const m of ['gate', 'fixed +20 %'] as const) rows.push(evaluate(s, histories, m, o));
  const gate = rows.filter((r) => r.method === 'gate' && r.scenario.noise === 0.05);
  const big = gate.filter((r) => Math.abs(r.scenario.step) >= 0.1);
  const within = big.reduce((n, r) => n + r.runsToFind.filter((x) => x <= 3).length, 0) / (big.length * histories);
  const quiet = gate.filter((r) => r.scenario.step <= 0 && !r.scenario.drift);
  const fa = Math.max(...quiet.map((r) => r.falseAlarmsPer100));
  return { histories, runs: RUNS, options: o, rows, aim: { withinThreeRunsShare: within, falseAlarmsPer100: fa, met: within === 1 && fa <= 1 } };
}

const HEAD = ['history', 'method', 'found', 'within 3 runs', 'runs to find (median, worst)', 'false alarms /100 runs'];

export function evaluationRows(e: GateEvaluation): string[][] {
  return e.rows.map((r) => {
    const planted = r.scenario.step !== 0 || r.scenario.drift;
    const within = r.runsToFind.filter((x) => x <= 3).length;
    return [
      r.scenario.name,
      r.method,
      planted ? `${r.found}/${r.histories}` : '–',
      planted ? `${within}/${r.histories}` : '–',
      r.runsToFind.length > 0 ? `${median(r.runsToFind)}, ${Math.max(...r.runsToFind)}` : '–',
      r.falseAlarmsPer100.toFixed(2),
    ];
  });
}

export function evaluationHead(): string[] {
  return HEAD;
}

export function evaluationSummary(e: GateEvaluation): string {
  const o = e.options;
  return (
    `Regression gate (src/history/gate.ts: a step in the last ${o.minRunsAfter}–${o.recentRuns} runs, t-test at p < ${o.maxPValue} shared over the windows, levels by E-divisive at p < ${o.levelPValue}) ` +
    `against the fixed +20 % rule, on ${e.histories} seeded histories of ${e.runs} runs each. Aim at 5 % noise: every step of 10 % or more found within 3 runs, at most 1 false alarm per 100 runs. ` +
    `Measured: ${(100 * e.aim.withinThreeRunsShare).toFixed(0)} % of those steps within 3 runs, ${e.aim.falseAlarmsPer100.toFixed(2)} false alarms per 100 runs at worst: ${e.aim.met ? 'met' : 'not met'}.`
  );
}
