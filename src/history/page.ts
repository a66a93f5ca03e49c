/**
 * `npm run history`'s page and the nightly job's summary lines: every
 * series of a history with its change points marked and the level between
 * them, the run-to-run spread of the current level, and what the gate says
 * of the latest run. The page is the report's own (uPlot inlined, a CSP
 * that forbids every fetch): it opens offline.
 */
import type { ChartSpec, Unit } from '../report/charts.ts';
import { escapeHtml as e, jsonForScript } from '../report/escape.ts';
import { assembleHtml } from '../report/html.ts';
import { changePoints } from './change-points.ts';
import { describeChange, fmtLevel, fmtP, fmtSpread, GATE_DEFAULTS, judgeHistory, RUNS_NEEDED } from './gate.ts';
import type { HistoryRecord } from './record.ts';
import { SERIES, type SeriesSpec, transform } from './series.ts';

/** One line of runs judged together: the same scenario, environment and profile. */
export interface HistoryGroup {
  key: string;
  scenario: string;
  environment: string;
  profile: string;
  runs: HistoryRecord[];
}

export function groupsOf(records: readonly HistoryRecord[]): HistoryGroup[] {
  const groups = new Map<string, HistoryGroup>();
  for (const r of [...records].sort((a, b) => a.at.localeCompare(b.at))) {
    const key = `${r.scenario} · ${r.environment} · ${r.profile}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, scenario: r.scenario, environment: r.environment, profile: r.profile, runs: [] }));
    g.runs.push(r);
  }
  return [...groups.values()];
}

export interface SeriesView {
  spec: SeriesSpec;
  /** valid runs with this figure, oldest first */
  runs: HistoryRecord[];
  values: number[];
  /** change points (index into runs) and the level of each segment, in the series' own unit */
  changes: { index: number; pValue: number; before: number; after: number }[];
  levels: number[];
}

function level(spec: SeriesSpec, zs: readonly number[]): number {
  const m = zs.reduce((a, b) => a + b, 0) / zs.length;
  return spec.scale === 'log' ? Math.exp(m) : m;
}

export function seriesViews(g: HistoryGroup): SeriesView[] {
  const valid = g.runs.filter((r) => r.valid);
  const out: SeriesView[] = [];
  for (const spec of SERIES) {
    const runs = valid.filter((r) => Number.isFinite(r.figures[spec.key]));
    if (runs.length === 0) continue;
    const values = runs.map((r) => r.figures[spec.key] as number);
    const z = values.map((v) => transform(spec, v));
    const cps = changePoints(z, { maxPValue: GATE_DEFAULTS.levelPValue });
    const bounds = [0, ...cps.map((c) => c.index), z.length];
    const levels: number[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const lv = level(spec, z.slice(bounds[i], bounds[i + 1]));
      for (let j = bounds[i] as number; j < (bounds[i + 1] as number); j++) levels.push(lv);
    }
    out.push({
      spec,
      runs,
      values,
      levels,
      changes: cps.map((c) => ({ index: c.index, pValue: c.test.pValue, before: level(spec, [c.test.meanBefore]), after: level(spec, [c.test.meanAfter]) })),
    });
  }
  return out;
}

const UNIT: Record<SeriesSpec['unit'], Unit> = { ms: 'ms', share: 'share', 'req/s': 'per_s', users: 'users', jobs: 'jobs', s: 's' };

export function historyCharts(g: HistoryGroup, views: readonly SeriesView[]): ChartSpec[] {
  return views.map((v) => {
    const x = v.values.map((_, i) => i + 1);
    const marks: (number | null)[] = v.values.map(() => null);
    for (const c of v.changes) marks[c.index] = v.values[c.index] ?? null;
    return {
      id: `${g.key}:${v.spec.key}`,
      group: g.key,
      title: `${v.spec.label}${v.spec.gated ? '' : ' (not gated)'}`,
      subtitle: v.changes.length === 0 ? 'no change point' : `${v.changes.length} change point${v.changes.length === 1 ? '' : 's'}`,
      unit: UNIT[v.spec.unit],
      xAxis: 'runs',
      x,
      series: [
        { label: 'measured', values: v.values, color: '#1f77b4' },
        { label: 'level', values: v.levels, color: '#555', dash: [6, 4], reference: true },
        ...(v.changes.length > 0 ? [{ label: 'change point', values: marks, color: '#d62728', markers: true }] : []),
      ],
    };
  });
}

/** ▁▂▃▄▅▆▇█ over the last `n` values: the nightly summary's glance at a series. */
export function sparkline(values: readonly number[], n = 30): string {
  const last = values.slice(-n);
  if (last.length === 0) return '';
  const lo = Math.min(...last);
  const hi = Math.max(...last);
  const bars = '▁▂▃▄▅▆▇█';
  return last.map((v) => bars[hi === lo ? 3 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

/** The nightly job's summary: one line per gated series of each group, with its sparkline and what the gate says. */
export function historyMarkdown(records: readonly HistoryRecord[]): string {
  const out: string[] = [];
  for (const g of groupsOf(records)) {
    const latest = g.runs.at(-1) as HistoryRecord;
    const gate = latest.valid ? judgeHistory(g.runs.slice(0, -1), latest) : undefined;
    const valid = g.runs.filter((r) => r.valid).length;
    out.push(`#### Run history: ${g.key} (${valid} valid run${valid === 1 ? '' : 's'} of ${g.runs.length})`, '');
    if (!latest.valid) out.push(`_The latest run (${latest.at.slice(0, 16).replace('T', ' ')} UTC) was ${latest.verdict}: recorded, not judged._`, '');
    else if ((gate?.reference ?? 0) + 1 < RUNS_NEEDED) out.push(`_The gate judges from ${RUNS_NEEDED} valid runs on; ${(gate?.reference ?? 0) + 1} so far._`, '');
    out.push('| series | last 30 runs | level | run-to-run spread | latest run |', '|---|---|---:|---:|---|');
    for (const v of seriesViews(g)) {
      if (!v.spec.gated) continue;
      const spread = gate?.spreads.find((s) => s.key === v.spec.key);
      const change = [...(gate?.regressions ?? []), ...(gate?.improvements ?? [])].find((c) => c.key === v.spec.key);
      const verdict = change ? `${change.direction === 'worse' ? '❌' : '✅'} ${describeChange(change)}` : '–';
      const spreadText = spread ? fmtSpread(spread, v.spec.unit) : '–';
      out.push(`| ${v.spec.label} | \`${sparkline(v.values)}\` | ${fmtLevel(v.levels.at(-1) ?? Number.NaN, v.spec.unit)} | ${spreadText} | ${verdict.replaceAll('|', '\\|')} |`);
    }
    out.push('');
  }
  return out.length > 0 ? out.join('\n') : '_No run history yet._\n';
}

export function historyPage(records: readonly HistoryRecord[], source: string): string {
  const groups = groupsOf(records);
  const charts: ChartSpec[] = [];
  const sections: string[] = [];
  for (const g of groups) {
    const views = seriesViews(g);
    const first = charts.length;
    charts.push(...historyCharts(g, views));
    const cards = views.map((_, i) => {
      const c = charts[first + i] as ChartSpec;
      return `<figure class="card" data-chart="${e(c.id)}" data-has-data="true"><figcaption><p class="group">${e(g.key)}</p><h3>${e(c.title)}</h3><p class="sub">${e(c.subtitle ?? '')}</p></figcaption><div class="plot" id="chart-${first + i}"></div></figure>`;
    });
    const rows = views.flatMap((v) =>
      v.changes.map((c) => {
        const run = v.runs[c.index] as HistoryRecord;
        const rel = v.spec.scale === 'log' ? `${c.after >= c.before ? '+' : ''}${((100 * (c.after - c.before)) / c.before).toFixed(1)} %` : `${c.after >= c.before ? '+' : ''}${fmtLevel(c.after - c.before, v.spec.unit)}`;
        return `<tr><td>${e(v.spec.label)}</td><td class="num">${c.index + 1}</td><td>${e(run.at.slice(0, 16).replace('T', ' '))} UTC</td><td><code>${e(run.commit?.slice(0, 12) ?? '–')}</code></td><td class="num">${e(fmtLevel(c.before, v.spec.unit))} → ${e(fmtLevel(c.after, v.spec.unit))}</td><td class="num">${e(rel)}</td><td class="num">${e(fmtP(c.pValue).replace(/^p = /, ''))}</td></tr>`;
      }),
    );
    const table = rows.length
      ? `<div class="scroll"><table><thead><tr><th>Series</th><th class="num">Run</th><th>When</th><th>Commit</th><th class="num">Level</th><th class="num">Change</th><th class="num">p</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="note">No change point in any series.</p>';
    sections.push(`<section><h2>${e(g.key)}</h2><p class="note">${g.runs.length} runs, ${g.runs.filter((r) => r.valid).length} valid (an INVALID or aborted run is recorded, never used as a reference). Change points: E-divisive means with a t-test at p &lt; ${GATE_DEFAULTS.levelPValue}; the dashed line is the level between them.</p>${table}<div class="grid">${cards.join('')}</div></section>`);
  }
  const body = `<header class="banner none"><div class="banner-top"><div><p class="kicker">Luneo load tests</p><p class="verdict">Run history</p></div><dl class="meta"><div><dt>Source</dt><dd>${e(source)}</dd></div><div><dt>Runs</dt><dd>${records.length} in ${groups.length} group${groups.length === 1 ? '' : 's'} (scenario · environment · profile)</dd></div></dl></div></header><main>${sections.join('\n') || '<p>No run history yet.</p>'}</main><footer>Written by luneo-load-tests (npm run history). Charts drawn with uPlot, inlined: this page makes no network request.</footer>`;
  return assembleHtml({ head: '<title>Run history · luneo-load-tests</title>', body, data: jsonForScript({ charts }) });
}
