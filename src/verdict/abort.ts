/**
 * The abort switch's rules: each 10-second period of a running test is
 * checked against abort limits (error rate, each step's p95 against its
 * SLO), and a breach that lasts stops the run with the verdict ABORTED.
 * Pure rules and a small state machine; the plugin feeds it periods and
 * does the stopping (src/watch/abort-switch.ts).
 */
import { METRICS } from '../metric-names.ts';
import type { PeriodReport, PhaseRecord } from './summary.ts';
import type { Env } from '../config/env.ts';

/** Per environment under `abort:` in environments/<name>.yml; every key is optional. */
export interface AbortSettings {
  /** unset: on for `guarded` environments, off elsewhere */
  enabled?: boolean;
  /** abort when the period's error share is above this (0..1) */
  errorRate: number;
  /** … or a step's p95 is above this many times its p95 SLO */
  p95OverSlo: number;
  /** for this many consecutive 10-second periods */
  periods: number;
  /** periods with fewer requests than this are not judged (a handful of requests says nothing) */
  minRequests: number;
}

export const DEFAULT_ABORT: AbortSettings = { errorRate: 0.2, p95OverSlo: 3, periods: 2, minRequests: 20 };

export const NO_ABORT_VARIABLE = 'LUNEO_NO_ABORT';

const KEYS = ['enabled', 'errorRate', 'p95OverSlo', 'periods', 'minRequests'] as const;

/** The `abort:` section of an environment file; problems are added to `problems`, in the file's words. */
export function abortSettingsFrom(raw: unknown, problems: string[]): AbortSettings {
  if (raw === undefined || raw === null) return { ...DEFAULT_ABORT };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('abort must be a mapping (enabled, errorRate, p95OverSlo, periods, minRequests)');
    return { ...DEFAULT_ABORT };
  }
  const out: AbortSettings = { ...DEFAULT_ABORT };
  for (const [k, v] of Object.entries(raw)) {
    if (!(KEYS as readonly string[]).includes(k)) problems.push(`abort: unknown setting "${k}" (known: ${KEYS.join(', ')})`);
    else if (k === 'enabled') {
      if (typeof v === 'boolean') out.enabled = v;
      else problems.push(`abort.enabled must be true or false, got ${JSON.stringify(v)}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`abort.${k} must be a number above 0, got ${JSON.stringify(v)}`);
    else if (k === 'errorRate' && v > 1) problems.push(`abort.errorRate is a share between 0 and 1 (0.2 = 20 %), got ${v}`);
    else if ((k === 'periods' || k === 'minRequests') && !Number.isInteger(v)) problems.push(`abort.${k} must be a whole number, got ${v}`);
    else out[k as 'errorRate' | 'p95OverSlo' | 'periods' | 'minRequests'] = v;
  }
  return out;
}


/** On by default against guarded environments; the file can say otherwise; LUNEO_NO_ABORT=1 always switches it off. */
export function abortEnabled(settings: { guarded: boolean; abort: AbortSettings }, env: Env = process.env): boolean {
  if (['1', 'true', 'yes'].includes((env[NO_ABORT_VARIABLE] ?? '').trim().toLowerCase())) return false;
  return settings.abort.enabled ?? settings.guarded;
}

/** p95 SLOs (ms) by metric, from ensure's `thresholds: - metric.p95: N`. */
export function p95Slos(ensure: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const list = (ensure as { thresholds?: unknown } | undefined)?.thresholds;
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [key, limit] of Object.entries(entry)) {
      if (key.endsWith('.p95') && typeof limit === 'number') out.set(key.slice(0, -'.p95'.length), limit);
    }
  }
  return out;
}

export interface PeriodLoad {
  requests: number;
  failed: number;
  /** failed / requests; undefined without requests */
  errorRate?: number;
}

/** Requests and failures in one period, as the package's error-rate check counts them (a crashed user is a failure). */
export function periodLoad(p: PeriodReport): PeriodLoad {
  const c = p.counters;
  const R = METRICS.requests;
  const crashed = c['vusers.failed'] ?? 0;
  let requests: number;
  let failed: number;
  if (c[R.sent] !== undefined) {
    requests = c[R.sent] + crashed;
    failed = (c[R.failed] ?? 0) + crashed;
  } else {
    // A scenario without the package's counters: Artillery's own.
    requests = (c['http.requests'] ?? 0) + crashed;
    const errors = Object.entries(c).filter(([k]) => k.startsWith('errors.') || /^http\.codes\.5\d\d$/.test(k));
    failed = errors.reduce((n, [, v]) => n + v, 0) + crashed;
  }
  const out: PeriodLoad = { requests, failed };
  if (requests > 0) out.errorRate = failed / requests;
  return out;
}

export interface AbortDecision {
  reason: string;
  /** the period (epoch ms of its start) in which the limit was breached for the last time */
  period: number;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** Breaches in one period, by rule name ("errors", or the step's metric), with what to say. */
export function periodBreaches(p: PeriodReport, slos: ReadonlyMap<string, number>, limits: AbortSettings): Map<string, string> {
  const out = new Map<string, string>();
  const load = periodLoad(p);
  if (load.requests < limits.minRequests) return out;
  if (load.errorRate !== undefined && load.errorRate > limits.errorRate) {
    out.set('errors', `error rate ${pct(load.errorRate)} (${load.failed} of ${load.requests} requests) above the abort limit ${pct(limits.errorRate)}`);
  }
  for (const [metric, slo] of slos) {
    const p95 = p.summaries[metric]?.p95;
    if (p95 !== undefined && p95 > limits.p95OverSlo * slo) {
      out.set(metric, `${metric} p95 ${Math.round(p95)} ms above ${limits.p95OverSlo} × its SLO of ${slo} ms`);
    }
  }
  return out;
}

/**
 * Follows the periods in order and decides when to abort: a rule breached
 * in `periods` consecutive periods. A period too small to judge neither
 * breaks nor extends a streak.
 */
export class AbortRules {
  readonly #limits: AbortSettings;
  readonly #slos: ReadonlyMap<string, number>;
  readonly #streaks = new Map<string, number>();
  #decided: AbortDecision | undefined;

  constructor(limits: AbortSettings, slos: ReadonlyMap<string, number>) {
    this.#limits = limits;
    this.#slos = slos;
  }

  get decided(): AbortDecision | undefined {
    return this.#decided;
  }

  /** Returns the decision the first time one is reached, undefined otherwise. */
  onPeriod(p: PeriodReport): AbortDecision | undefined {
    if (this.#decided) return undefined;
    if (periodLoad(p).requests < this.#limits.minRequests) return undefined;
    const breaches = periodBreaches(p, this.#slos, this.#limits);
    for (const rule of [...this.#streaks.keys()]) if (!breaches.has(rule)) this.#streaks.delete(rule);
    for (const [rule, text] of breaches) {
      const n = (this.#streaks.get(rule) ?? 0) + 1;
      this.#streaks.set(rule, n);
      if (n >= this.#limits.periods && !this.#decided) {
        this.#decided = { reason: `${text}, ${n} periods of 10 s in a row`, period: Number(p.period) };
      }
    }
    return this.#decided;
  }
}

/** What the verdict says about an aborted run. */
export interface AbortRecord {
  reason: string;
  /** epoch ms the run was stopped */
  at: number;
  /** seconds since the load started, when known */
  elapsedSec?: number;
}

export function abortReason(a: AbortRecord): string {
  const when = new Date(a.at).toISOString().slice(0, 19).replace('T', ' ');
  return `aborted by the abort switch at ${when} UTC${a.elapsedSec !== undefined ? ` (${Math.round(a.elapsedSec)} s into the load)` : ''}: ${a.reason}`;
}

/**
 * The phases as far as the run got: those started before `at`, the one
 * running then cut to the seconds it ran (its arrivals in proportion), so
 * that the generator's planned-against-created check compares like with
 * like instead of counting the users an abort never let arrive.
 */
export function phasesUntil(phases: readonly PhaseRecord[], at: number): PhaseRecord[] {
  const out: PhaseRecord[] = [];
  for (const p of phases) {
    if (p.startTime === undefined || p.startTime > at) break;
    if (p.endTime !== undefined && p.endTime <= at) {
      out.push(p);
      continue;
    }
    const set = p.duration ?? p.pause ?? 0;
    const ran = Math.max(0, Math.min(set, Math.floor((at - p.startTime) / 1000)));
    const cut: PhaseRecord = { ...p, name: `${p.name ?? `phase ${p.index + 1}`} (stopped after ${ran} s)` };
    if (p.pause !== undefined) cut.pause = ran;
    if (p.duration !== undefined) cut.duration = ran;
    if (p.arrivalCount !== undefined && set > 0) cut.arrivalCount = Math.floor((p.arrivalCount * ran) / set);
    out.push(cut);
  }
  return out;
}
