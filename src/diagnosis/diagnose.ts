/**
 * Why a run degraded: the requirements' troubleshooting guide applied to
 * the run's own evidence. Find the period the client side degraded in
 * (src/diagnosis/degradation.ts), then rank the likely causes: the server
 * signals that left their own normal range first and furthest around that
 * moment, and those that reached a saturation level; and the causes the
 * package already knows (the rate limiter, the generator, the network).
 * One finding per component, most likely first; a healthy run has none.
 */
import { fmtTime } from '../report/format.ts';
import { median } from '../history/stats.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { formatSignal, signalDef, SOURCE_NAMES, type ServerSection, type SignalGroup, type SignalSeries } from '../observe/signals.ts';
import { type Degradation, findDegradation } from './degradation.ts';
import { type Component, REMEDIES } from './remedies.ts';

export interface Finding {
  component: Component;
  /** the signal that carries the evidence (`database.lock_waiters`, `client.rate_limited`, …) */
  signal: string;
  /** epoch ms of the moment it names */
  at: number;
  evidence: string;
  remedy: string;
}

export interface Diagnosis {
  /** ranked, most likely first; empty for a healthy run */
  findings: Finding[];
  /** one sentence: what degraded, when, and the first finding; or "nothing stood out" */
  summary: string;
  degradation?: Degradation;
  /** components no source could see, with why: a cause there cannot be ruled out */
  unseen: string[];
}

interface Rule {
  key: string;
  component: Component;
  /** the smallest spread that counts, in the signal's unit: a flat series must not make noise look far */
  floor: number;
  saturated?: (peak: number, points: [number, number][]) => boolean;
  say: (v: number) => string;
}

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** The signals that can be a cause, each with what saturation means for it. */
export const RULES: Rule[] = [
  { key: 'database.pool_usage', component: 'database', floor: 0.05, saturated: (v) => v >= 0.9, say: (v) => `${pct(v)} of its connections in use` },
  { key: 'database.lock_waiters', component: 'database', floor: 0.5, saturated: (v) => v >= 1, say: (v) => `${Math.round(v)} session${Math.round(v) === 1 ? '' : 's'} waiting on a lock` },
  { key: 'database.query_latency', component: 'database', floor: 1, say: (v) => `a mean statement time of ${formatSignal(v, 'ms')}` },
  { key: 'database.active_connections', component: 'database', floor: 2, say: (v) => `${Math.round(v)} active connections` },
  { key: 'redis.roundtrip', component: 'redis', floor: 5, saturated: (v) => v >= 100, say: (v) => `a round trip of ${formatSignal(v, 'ms')}` },
  { key: 'redis.command_latency', component: 'redis', floor: 20, saturated: (v) => v >= 1000, say: (v) => `a mean command time of ${formatSignal(v, 'µs')}` },
  { key: 'api.cpu', component: 'api', floor: 0.1, saturated: (v) => v >= 0.85, say: (v) => `the API at ${formatSignal(v, 'cores')}` },
  { key: 'api.event_loop_lag', component: 'api', floor: 10, saturated: (v) => v >= 100, say: (v) => `an event-loop lag of ${formatSignal(v, 'ms')}` },
  {
    key: 'worker.queue_depth',
    component: 'worker',
    floor: 3,
    saturated: (v, pts) => v >= 10 && (pts.at(-1)?.[1] ?? 0) - (pts[0]?.[1] ?? 0) >= 10,
    say: (v) => `${Math.round(v)} render jobs waiting`,
  },
  { key: 'worker.oldest_waiting', component: 'worker', floor: 2, saturated: (v) => v >= 10, say: (v) => `the oldest waiting job ${formatSignal(v, 's')} old` },
];

/** How far the signal left its normal range around `at`, in spreads, and when it first did. */
interface Departure {
  rule: Rule;
  series: SignalSeries;
  base: number;
  peak: number;
  z: number;
  saturated: boolean;
  /** readings in the window beyond three spreads: a lasting departure, not a blip */
  persistence: number;
  firstAt: number;
}

/** Before the degradation: the signal's level and spread; around it: its peak. */
export function departure(rule: Rule, series: SignalSeries, at: number, end: number): Departure | undefined {
  const pts = series.points.filter(([, v]) => Number.isFinite(v));
  if (pts.length === 0) return undefined;
  // The fault may have begun up to a period before the client saw it: its level comes from before that. A source read
  // every 10 s may have one such reading; the floor on the spread keeps one reading honest. None: the first reading.
  let before = pts.filter(([t]) => t < at - 10_000).map(([, v]) => v);
  if (before.length === 0) before = pts.slice(0, 1).map(([, v]) => v);
  const base = median(before);
  const mad = median(before.map((v) => Math.abs(v - base))) * 1.4826;
  const spread = Math.max(mad, rule.floor);
  const window = pts.filter(([t]) => t >= at - 10_000 && t <= end);
  if (window.length === 0) return undefined;
  const peakPoint = window.reduce((m, p) => (p[1] > m[1] ? p : m));
  const z = (peakPoint[1] - base) / spread;
  const beyond = window.filter(([, v]) => v - base >= 3 * spread);
  const firstAt = beyond[0]?.[0] ?? peakPoint[0];
  // Saturation must hold for two readings (10 s): one slow PING on a busy machine is not a saturated Redis.
  const atLevel = window.filter(([, v]) => rule.saturated?.(v, window) ?? false).length;
  const saturated = atLevel >= 2;
  return { rule, series, base, peak: peakPoint[1], z, saturated, persistence: beyond.length, firstAt };
}

const SOURCE_FOR: Record<SignalGroup, string> = { api: 'the platform\'s /metrics or Prometheus', database: 'PostgreSQL or Prometheus', redis: 'Redis or Prometheus', worker: 'Redis (BullMQ), the platform\'s /metrics or Prometheus' };

/** Components no source saw, and why. */
function unseenComponents(server: ServerSection | undefined): string[] {
  const seen = new Set((server?.signals ?? []).filter((s) => s.points.length > 0).map((s) => s.group));
  const failed = (server?.sources ?? []).filter((s) => s.state === 'failed').map((s) => `${s.source} ${s.note ?? 'stopped'}`);
  return (['api', 'database', 'redis', 'worker'] as const)
    .filter((g) => !seen.has(g))
    .map((g) => `${g}: not observed (no reading from ${SOURCE_FOR[g]}${failed.length > 0 ? `; ${failed.join('; ')}` : ''})`);
}

function clientFindings(r: ResultsFile, at: number): Finding[] {
  // Files written before load delivery and rate limiting were recorded lack them: what was not recorded is not a finding.
  const l = r.luneo as Partial<ResultsFile['luneo']>;
  const out: Finding[] = [];
  if (l.generator?.overloaded) {
    out.push({ component: 'generator', signal: 'client.generator', at, evidence: `the generator was overloaded: ${l.generator.problems.join('; ')}`, remedy: REMEDIES.generator });
  }
  if (l.rateLimiting && (l.rateLimiting.limited || l.rateLimiting.rateLimited > 0)) {
    const share = l.rateLimiting.share;
    out.push({
      component: 'rate-limit',
      signal: 'client.rate_limited',
      at,
      evidence: `${l.rateLimiting.rateLimited} of ${l.rateLimiting.requests} requests (${(share * 100).toFixed(1)} %) were answered 429${l.rateLimiting.giveUps ? `, ${l.rateLimiting.giveUps} given up` : ''}`,
      remedy: REMEDIES['rate-limit'],
    });
  }
  const transport = (l.delivery?.transportErrors ?? 0) + (l.delivery?.timedOut ?? 0);
  if (l.delivery && transport > 0) {
    out.push({ component: 'network', signal: 'client.transport_errors', at, evidence: `${l.delivery.transportErrors} transport errors and ${l.delivery.timedOut} timeouts`, remedy: REMEDIES.network });
  }
  return out;
}

function degradationText(d: Degradation): string {
  const v = (x: number) => (d.unit === 'ms' ? formatSignal(x, 'ms') : d.unit === 'share' ? `${(x * 100).toFixed(1)} %` : String(Number(x.toPrecision(3))));
  const when = `at ${fmtTime(d.at)} (period ${d.period})`;
  if (d.change === 'broke') return `the threshold ${d.label} broke ${when}: ${v(d.from)} in the first period, ${v(d.to)} at worst`;
  return `${d.label} ${d.change} from ${v(d.from)} to ${v(d.to)} ${when}`;
}

export function diagnose(r: ResultsFile): Diagnosis {
  const degradation = findDegradation(r);
  const server = r.luneo.server;
  const unseen = unseenComponents(server);
  const passed = r.luneo.verdict.kind === 'pass';
  const periods = r.intermediate.map((p) => Number(p.period)).filter(Number.isFinite);
  const runStart = Math.min(...periods);
  const runEnd = Math.max(...periods) + 10_000;
  if (!degradation && passed) return { findings: [], summary: 'nothing stood out', unseen };
  // No onset (a threshold failed all along): judge the whole run for saturation.
  const at = degradation?.at ?? runStart;
  const end = degradation ? Math.min(runEnd, at + 30_000) : runEnd;
  const departures: Departure[] = [];
  for (const rule of RULES) {
    const [group, name] = rule.key.split('.') as [SignalGroup, string];
    if (!signalDef(group, name)) continue;
    for (const s of server?.signals ?? []) {
      if (s.group !== group || s.name !== name) continue;
      const d = departure(rule, s, at, end);
      if (d && (d.saturated || (d.z >= 4 && d.persistence >= 2))) departures.push(d);
    }
  }
  // Saturated first, then the departure that lasted longest, then the furthest, then the earliest.
  departures.sort((a, b) => Number(b.saturated) - Number(a.saturated) || b.persistence - a.persistence || b.z - a.z || a.firstAt - b.firstAt);
  const findings: Finding[] = clientFindings(r, at).filter((f) => f.component !== 'network' || departures.length === 0);
  // The generator and the limiter make the numbers the client's: they go first. Then one finding per server component.
  const byComponent = new Map<Component, Departure[]>();
  for (const d of departures) byComponent.set(d.rule.component, [...(byComponent.get(d.rule.component) ?? []), d]);
  for (const [component, ds] of byComponent) {
    const top = ds[0];
    if (!top) continue;
    // The strongest signal, and the next other one of the same component: two readings of one cause.
    const second = ds.find((d) => d.rule.key !== top.rule.key);
    const what = [top, ...(second ? [second] : [])]
      .map((d) => `${d.rule.say(d.peak)} (normally ${formatSignal(d.base, d.series.unit)}${d.saturated ? ', saturated' : ''})`)
      .join(' and ');
    const source = SOURCE_NAMES[top.series.source].prose;
    findings.push({ component, signal: top.rule.key, at: top.firstAt, evidence: `from ${fmtTime(top.firstAt)}, ${source} showed ${what}`, remedy: REMEDIES[component] });
  }
  const lead = degradation ? degradationText(degradation) : `the run failed (${r.luneo.verdict.reasons[0] ?? r.luneo.verdict.kind})`;
  const first = findings[0];
  const missing = unseen.length > 0 ? ` (not observed: ${unseen.map((u) => u.split(':')[0]).join(', ')})` : '';
  const summary = first
    ? `${lead}; ${first.evidence.replace(/^from [^,]+, /, 'in the same period ')}: ${first.component} (${first.remedy})`
    : `${lead}; nothing in the server signals that were seen stood out${missing}`;
  return { findings, summary, unseen, ...(degradation ? { degradation } : {}) };
}

