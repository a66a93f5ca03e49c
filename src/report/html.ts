/**
 * The HTML report: one self-contained page. uPlot and the data are inlined
 * and a Content-Security-Policy forbids every fetch, so the page opens
 * offline and cannot call out even if a metric name smuggled markup in.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { historyRows, historySentence } from '../history/judge-run.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { type ChartSpec, timeZero } from './charts.ts';
import { GROUP_TITLES, serverNotes, serverRows } from './server.ts';
import { escapeHtml, jsonForScript } from './escape.ts';
import { displayUrl } from '../api/display-url.ts';
import { flowOf } from '../flows/index.ts';
import { fmtDuration, fmtMs, fmtNumber, fmtPercent, fmtSeconds, fmtTime, runSpan, type VerdictLabel } from './format.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { checkLines, topCounters, who } from './summary.ts';
import { GENERATOR_LIMITS } from '../verdict/summary.ts';
import { type Comparison, comparisonHtml } from './baseline-view.ts';

const require = createRequire(import.meta.url);

export interface Uplot {
  js: string;
  css: string;
  version: string;
}

let cached: Uplot | undefined;

/** The pinned uPlot build from node_modules, read once per process. */
export function loadUplot(): Uplot {
  if (cached) return cached;
  const dir = path.dirname(require.resolve('uplot/package.json'));
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  cached = {
    js: readFileSync(path.join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(path.join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
    version: pkg.version,
  };
  return cached;
}

export interface HtmlInput {
  results: ResultsFile;
  charts: ChartSpec[];
  verdict: VerdictLabel;
  /** the results file's name, for the footer */
  source: string;
  /** why some parts are missing (an Artillery output file without the luneo section) */
  notes: string[];
  /** against a baseline run, when one was given */
  comparison?: Comparison;
}

const e = escapeHtml;

function verdictClass(v: VerdictLabel): string {
  return v === 'PASS' ? 'pass' : v === 'FAIL' || v === 'ABORTED' || v === 'REGRESSED' ? 'fail' : v === 'NO VERDICT' ? 'none' : 'invalid';
}

function header(i: HtmlInput): string {
  const l = i.results.luneo;
  const run = l.run;
  const span = runSpan(i.results);
  const rows: [string, string][] = [
    ['Scenario', l.scenario],
    ['Environment', run?.environment ?? '–'],
    ['Dialect', run?.dialect ?? '–'],
    ['Target', run ? (flowOf(l.scenario)?.usesWidget && run.widgetUrl ? `${displayUrl(run.baseUrl)} (widget ${displayUrl(run.widgetUrl)})` : displayUrl(run.baseUrl)) : '–'],
    ['Profile', run ? `${run.profile} (stages ${run.stages}; peak ${fmtNumber(run.peakUsers)} users, about ${fmtNumber(run.expectedPeakRate)} requests/s)` : '–'],
    ['Time', span.start === undefined ? '–' : `${fmtTime(span.start)}${span.end !== undefined ? ` (${fmtDuration(span.end - span.start)})` : ''}`],
  ];
  const reasons = l.verdict.reasons.length > 0 && i.verdict !== 'NO VERDICT' ? `<ul class="reasons">${l.verdict.reasons.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '';
  const notes = i.notes.length > 0 ? `<ul class="reasons">${i.notes.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '';
  return `<header class="banner ${verdictClass(i.verdict)}">
  <div class="banner-top">
    <div>
      <p class="kicker">Luneo load test · ${e(l.scenario)}</p>
      <p class="verdict" id="verdict">${e(i.verdict)}</p>
    </div>
    <dl class="meta">${rows.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>
  </div>
  ${reasons}${notes}
</header>`;
}

/** The diagnosis first: what degraded, when, and the likely causes ranked, each linked to its evidence chart. */
function whySection(i: HtmlInput): string {
  const d = i.results.luneo.diagnosis;
  if (!d) return '';
  const items = d.findings
    .map((f) => {
      const chart = i.charts.find((c) => c.id === `server-${f.signal.replace('.', '-')}`);
      return `<li><strong>${e(f.component)}</strong> <code>${e(f.signal)}</code>: ${e(f.evidence)}; ${e(f.remedy)}${chart ? ` <a href="#card-${e(chart.id)}">evidence</a>` : ''}</li>`;
    })
    .join('');
  const unseen = d.findings.length > 0 || d.degradation ? d.unseen.map((u) => `<p class="note">Not seen: ${e(u)}</p>`).join('') : '';
  const capacity = i.results.luneo.workerCapacity;
  const workers = capacity ? `<p class="note">Render workers (Little's law): ${e(capacity.text.replace(/^render workers: /, ''))}</p>` : '';
  return `<section id="why"><h2>Why</h2><p>${e(d.summary)}</p>${items ? `<ol class="findings">${items}</ol>` : ''}${unseen}${workers}</section>`;
}

function checksSection(i: HtmlInput): string {
  const lines = checkLines(i.results);
  const body =
    lines.length === 0
      ? '<p class="note">No threshold was recorded for this run.</p>'
      : `<div class="scroll"><table class="checks">
  <thead><tr><th>Check</th><th class="num">Limit</th><th class="num">Measured</th><th>Result</th></tr></thead>
  <tbody>${lines
    .map(
      (c) =>
        `<tr class="check ${c.result}"><td><code title="${e(c.expression)}">${e(c.metric)}</code></td><td class="num">${e(c.limit)}</td><td class="num">${e(c.measured)}</td><td><span class="badge ${c.result}">${c.result === 'pass' ? 'pass' : c.result === 'fail' ? 'FAIL' : c.result === 'unmeasured' ? 'NOT MEASURED' : 'warn (not strict)'}</span></td></tr>`,
    )
    .join('\n')}</tbody>
</table></div>`;
  return `<section id="checks"><h2>Thresholds</h2>${body}</section>`;
}

/** The concurrency card's small print: what the big number does not say. */
function historySection(i: HtmlInput): string {
  const h = i.results.luneo.history;
  if (!h) return '';
  const rows = historyRows(h)
    .map((r) => `<tr class="${r.change.startsWith('worse') ? 'check fail' : ''}"><td>${e(r.series)}${r.gated ? '' : ' <span class="note">(not gated)</span>'}</td><td class="num">${e(r.level)}</td><td class="num">${e(r.spread)}</td><td class="num">${r.runs}</td><td>${e(r.change || '–')}</td></tr>`)
    .join('\n');
  return `<section id="history"><h2>Against the run history</h2><p class="note">${e(historySentence(h))}</p><div class="scroll"><table><thead><tr><th>Series</th><th class="num">Level</th><th class="num">Spread</th><th class="num">Runs</th><th>Tonight</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function concurrencyDetail(r: ResultsFile): string {
  const l = r.luneo;
  const parts = [`at once, all workers; ${fmtNumber(l.peakUsers)} mean over the busiest 10 s`];
  const d = l.delivery;
  if (d && d.holds.length > 0) parts.push(`${Math.round(100 * Math.min(...d.holds.map((h) => h.share)))} % of plan in the worst hold period`);
  if (l.peakRendersInFlight !== undefined) parts.push(`up to ${fmtNumber(l.peakRendersInFlight)} renders in flight`);
  if (l.run) parts.push(`profile peak ${fmtNumber(l.run.peakUsers)}`);
  return parts.join('; ');
}

function generatorSection(i: HtmlInput): string {
  const l = i.results.luneo;
  const g = l.generator;
  const d = l.delivery;
  const created = !(d?.delivered ?? true) && g.plannedUsers > 0 && g.createdUsers < g.plannedUsers;
  const sustained = (g.worstSaturatedInWindowS ?? 0) >= GENERATOR_LIMITS.maxSaturatedInWindowS;
  const stats: [string, string, string, boolean][] = [
    ['Users created', g.plannedUsers > 0 ? `${fmtNumber(g.createdUsers)} / ${fmtNumber(g.plannedUsers)}` : fmtNumber(g.createdUsers), g.plannedUsers > 0 ? 'created / planned' : 'plan unknown', created],
    [
      'Worst worker saturated',
      g.worstSaturatedInWindowS === undefined ? '–' : `${fmtNumber(g.worstSaturatedInWindowS)} s of ${GENERATOR_LIMITS.windowSeconds}`,
      `busy and late; limit ${GENERATOR_LIMITS.maxSaturatedInWindowS} s; ${fmtNumber(g.worstWorkerSaturatedS)} s in all`,
      sustained || g.overloaded,
    ],
    ['Event-loop delay p99', fmtMs(g.eventLoopDelayP99Ms), `typical second; worst ${fmtMs(g.worstEventLoopDelayMs)}`, false],
    ['Busy share', fmtPercent(g.busyShare), 'typical second', false],
    ['Concurrency reached', `${fmtNumber(l.peakUsersSampled ?? 0)} ${who(i.results)}`, concurrencyDetail(i.results), !(d?.delivered ?? true)],
  ];
  const phases =
    g.phases.length === 0
      ? '<p class="note">The phases are not in this file.</p>'
      : `<div class="scroll"><table class="phases"><thead><tr><th>Phase</th><th class="num">Set</th><th class="num">Took</th><th class="num">Difference</th></tr></thead><tbody>${g.phases
          .map((p) => {
            const diff = p.tookMs === undefined ? '–' : `${p.tookMs - p.setMs >= 0 ? '+' : ''}${fmtNumber(p.tookMs - p.setMs)} ms`;
            return `<tr><td>${e(p.name)}</td><td class="num">${e(fmtSeconds(p.setMs))}</td><td class="num">${e(fmtSeconds(p.tookMs))}</td><td class="num">${e(diff)}</td></tr>`;
          })
          .join('')}</tbody></table></div>`;
  const all = [...g.problems, ...(d?.problems ?? []), ...(l.rateLimiting?.problems ?? [])];
  const problems = all.length > 0 ? `<ul class="problems">${all.map((p) => `<li>${e(p)}</li>`).join('')}</ul>` : '';
  return `<section id="generator"><h2>Load generator <span class="badge ${g.overloaded ? 'fail' : 'pass'}">${g.overloaded ? 'overloaded' : 'kept its schedule'}</span></h2>
<div class="stats">${stats.map(([k, v, sub, bad]) => `<div class="stat${bad ? ' bad' : ''}"><div class="stat-label">${e(k)}</div><div class="stat-value">${e(v)}</div><div class="stat-sub">${e(sub)}</div></div>`).join('')}</div>
${problems}${phases}</section>`;
}

function countersSection(i: HtmlInput): string {
  const t = topCounters(i.results);
  const stats: [string, string, string][] = [
    ['Requests', fmtNumber(t.requests), t.codes.map(([code, n]) => `${code}: ${fmtNumber(n)}`).join(' · ') || 'no responses'],
    ['Failures', fmtNumber(t.failures.reduce((n, [, v]) => n + v, 0)), t.failures.length === 0 ? 'none' : t.failures.map(([k, v]) => `${k}: ${fmtNumber(v)}`).join(' · ')],
    ['Rate-limited', fmtNumber(t.rateLimited), t.rateLimitedKinds.map(([k, v]) => `${k}: ${fmtNumber(v)}`).join(' · ') || 'none'],
  ];
  return `<section id="counters"><h2>Requests</h2><div class="stats">${stats
    .map(([k, v, sub]) => `<div class="stat"><div class="stat-label">${e(k)}</div><div class="stat-value">${e(v)}</div><div class="stat-sub">${e(sub)}</div></div>`)
    .join('')}</div></section>`;
}

/** The cards of the charts `pick` selects; each keeps its index in the page's chart list, which the page script draws by. */
function chartCards(i: HtmlInput, pick: (c: ChartSpec) => boolean): string {
  return i.charts
    .map((c, index) => {
      if (!pick(c)) return '';
      const drawn = c.series.length > 0;
      return `<figure class="card" id="card-${e(c.id)}" data-chart="${e(c.id)}" data-has-data="${drawn}">
  <figcaption><p class="group">${e(c.group)}</p><h3>${e(c.title)}</h3>${c.subtitle ? `<p class="sub">${e(c.subtitle)}</p>` : ''}</figcaption>
  ${drawn ? `<div class="plot" id="chart-${index}"></div>` : ''}${c.note ? `<p class="note">${e(c.note)}</p>` : ''}
</figure>`;
    })
    .filter((card) => card !== '')
    .join('\n');
}

const isServerChart = (c: ChartSpec) => c.id.startsWith('server-');

function chartsSection(i: HtmlInput): string {
  // One grid for the client-side charts, in the order charts.ts gives: sections of one chart each would leave half the page empty.
  return `<section id="charts"><h2>Over time</h2><div class="grid">${chartCards(i, (c) => !isServerChart(c))}</div></section>`;
}

/** The server as its own sources saw it, on the same time axis as the charts above: a table, what could not be seen, a grid per group. */
function serverSection(i: HtmlInput): string {
  const r = i.results;
  if (!r.luneo.server) return '';
  const start = timeZero(r);
  const rows = serverRows(r, start)
    .map((row) => `<tr><td>${e(GROUP_TITLES[row.group].replace('Server: ', ''))}</td><td>${e(row.signal)}</td><td>${e(row.source)}</td><td class="num">${e(row.atHoldStart)}</td><td class="num">${e(row.peak)}</td><td class="num">${row.peakAt === undefined ? '–' : e(`${Math.round(row.peakAt)} s`)}</td></tr>`)
    .join('');
  const notes = serverNotes(r).map((n) => `<p class="note">${e(n)}</p>`).join('');
  const table = rows === '' ? '<p class="note">No server signal was read in this run.</p>' : `<div class="scroll"><table><thead><tr><th>Group</th><th>Signal</th><th>Source</th><th class="num">Hold start</th><th class="num">Peak</th><th class="num">At</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const groups = (Object.keys(GROUP_TITLES) as (keyof typeof GROUP_TITLES)[])
    .map((g) => {
      const cards = chartCards(i, (c) => c.group === GROUP_TITLES[g]);
      return cards === '' ? '' : `<h3 class="server-group">${e(GROUP_TITLES[g])}</h3><div class="grid">${cards}</div>`;
    })
    .join('');
  return `<section id="server"><h2>Server</h2>${notes}${table}${groups}</section>`;
}

function summariesSection(i: HtmlInput): string {
  const s = i.results.aggregate.summaries;
  const names = Object.keys(s)
    .filter((k) => /_ms$/.test(k) || k.startsWith('plugins.metrics-by-endpoint.response_time.') || k === 'http.response_time')
    .sort();
  if (names.length === 0) return '';
  const rows = names
    .map((k) => {
      const v = s[k];
      if (!v) return '';
      return `<tr><td><code>${e(k)}</code></td>${[v.min, v.p50, v.p95, v.p99, v.max].map((x) => `<td class="num">${e(fmtMs(x))}</td>`).join('')}<td class="num">${e(fmtNumber(v.count))}</td></tr>`;
    })
    .join('');
  return `<details id="summaries"><summary>Response times, whole run</summary><div class="scroll"><table><thead><tr><th>Metric</th><th class="num">min</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th><th class="num">count</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function allCountersSection(i: HtmlInput): string {
  const c = i.results.aggregate.counters;
  const names = Object.keys(c).sort();
  if (names.length === 0) return '';
  return `<details id="all-counters"><summary>All counters (${names.length})</summary><div class="scroll"><table><thead><tr><th>Counter</th><th class="num">Total</th></tr></thead><tbody>${names
    .map((k) => `<tr><td><code>${e(k)}</code></td><td class="num">${e(fmtNumber(c[k]))}</td></tr>`)
    .join('')}</tbody></table></div></details>`;
}

const CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #e3e6ec; --bg: #f5f6f8; --card: #fff;
  --pass: #137333; --pass-bg: #e6f4ea; --fail: #b3261e; --fail-bg: #fce8e6; --invalid: #8a5300; --invalid-bg: #fef3d6; --none: #4a5568; --none-bg: #edf0f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
code { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.banner { padding: 24px 32px 20px; border-bottom: 4px solid; }
.banner.pass { background: var(--pass-bg); border-color: var(--pass); }
.banner.fail { background: var(--fail-bg); border-color: var(--fail); }
.banner.invalid { background: var(--invalid-bg); border-color: var(--invalid); }
.banner.none { background: var(--none-bg); border-color: var(--none); }
.banner-top { display: flex; flex-wrap: wrap; gap: 16px 48px; align-items: flex-start; justify-content: space-between; max-width: 1400px; margin: 0 auto; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; color: var(--muted); }
.verdict { margin: 2px 0 0; font-size: 56px; line-height: 1.05; font-weight: 800; letter-spacing: -.01em; }
.pass .verdict { color: var(--pass); } .fail .verdict { color: var(--fail); } .invalid .verdict { color: var(--invalid); font-size: 40px; } .none .verdict { color: var(--none); font-size: 40px; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(220px, 100%), 1fr)); gap: 6px 28px; margin: 4px 0 0; flex: 1 1 520px; min-width: 0; max-width: 900px; }
.meta dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.meta dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.reasons { max-width: 1400px; margin: 14px auto 0; padding-left: 20px; font-weight: 500; }
main { max-width: 1400px; margin: 0 auto; padding: 8px 32px 32px; }
section, details { margin-top: 28px; }
h2 { font-size: 20px; margin: 0 0 12px; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 15px; margin: 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { padding: 8px 12px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: #fafbfc; }
tr:last-child td { border-bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.check.fail td { background: var(--fail-bg); } td.worse { color: var(--fail); font-weight: 600; }
#baseline h3 { margin: 14px 0 6px; } #baseline .sub { color: var(--muted); margin: 0 0 8px; } tr.check.warn td { background: var(--invalid-bg); }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 700; text-transform: none; letter-spacing: 0; }
.badge.pass { background: var(--pass-bg); color: var(--pass); } .badge.fail { background: var(--fail); color: #fff; } .badge.warn { background: var(--invalid-bg); color: var(--invalid); }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(220px, 100%), 1fr)); gap: 12px; margin-bottom: 12px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 0; }
.stat.bad { border-color: var(--fail); background: var(--fail-bg); } .stat.bad .stat-value { color: var(--fail); }
.stat-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.stat-value { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat-sub { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.problems { color: var(--fail); font-weight: 500; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(520px, 100%), 1fr)); gap: 16px; align-items: start; }
.card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 10px; min-width: 0; }
.card .group { margin: 0; font-size: 11px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-weight: 600; }
.card .sub { margin: 2px 0 8px; font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.plot { width: 100%; min-width: 0; overflow: hidden; }
.note { color: var(--muted); font-style: italic; margin: 8px 0; overflow-wrap: anywhere; }
details { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; }
details > summary { cursor: pointer; font-weight: 600; }
details table { margin-top: 10px; border: 0; }
.scroll { overflow-x: auto; border-radius: 8px; }
.scroll table td:first-child { min-width: 16em; }
footer { max-width: 1400px; margin: 0 auto; padding: 0 32px 32px; color: var(--muted); font-size: 13px; }
.uplot { font-family: inherit; }
.u-legend { font-size: 13px; margin-top: 4px; }
.u-legend th, .u-legend td { background: none; border: 0; padding: 2px 6px; text-transform: none; letter-spacing: 0; color: var(--fg); font-size: 13px; font-weight: 500; }
.u-legend .u-value { font-variant-numeric: tabular-nums; }
@media (max-width: 640px) { .grid { grid-template-columns: 1fr; } main, .banner, footer { padding-left: 16px; padding-right: 16px; } .verdict { font-size: 40px; } }
@media print { body { background: #fff; } .card, .stat, table, details { break-inside: avoid; } }
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The page in two parts: `text` holds everything taken from the results
 * (to be redacted), the library is added by `assemble` afterwards so
 * redaction cannot alter pinned third-party code (and its CSP hash).
 */
export function renderHtmlBody(i: HtmlInput): { head: string; body: string; data: string } {
  const l = i.results.luneo;
  const uplot = loadUplot();
  const head = `<title>${e(`${i.verdict} · ${l.scenario} load test${l.run ? ` · ${l.run.environment}` : ''}`)}</title>`;
  const body = `${header(i)}
<main>
${whySection(i)}
${checksSection(i)}
${i.comparison ? comparisonHtml(i.comparison) : ''}
${historySection(i)}
${generatorSection(i)}
${countersSection(i)}
${chartsSection(i)}
${serverSection(i)}
${summariesSection(i)}
${allCountersSection(i)}
</main>
<footer>Report of ${e(i.source)}, written by luneo-load-tests. Charts drawn with uPlot ${e(uplot.version)} (MIT), inlined: this page makes no network request.</footer>`;
  return { head, body, data: jsonForScript({ charts: i.charts }) };
}

export function assembleHtml(parts: { head: string; body: string; data: string }): string {
  const uplot = loadUplot();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplot.js)} ${sha256(PAGE_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="referrer" content="no-referrer">
${parts.head}
<style>${uplot.css}</style>
<style>${CSS}</style>
</head>
<body>
${parts.body}
<script type="application/json" id="report-data">${parts.data}</script>
<script>${uplot.js}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
