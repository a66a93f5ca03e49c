/** The baseline comparison (baseline.ts) as an HTML section and as Markdown tables. */
import type { CheckComparison, Comparison, RunFigures, StepFigures } from './baseline.ts';
import { change, pointChange } from './baseline.ts';
import { escapeHtml as e } from './escape.ts';
import { escapeMarkdown as m, markdownCode } from './escape.ts';
import { fmtMs, fmtNumber, fmtPercent, fmtTime } from './format.ts';

export type { Comparison } from './baseline.ts';

interface Cell {
  text: string;
  /** a value that got worse */
  worse?: boolean;
}

function measured(metric: string, v: number | undefined): string {
  return /_ms\.(p\d+|min|max|mean|median)$/.test(metric) ? fmtMs(v) : fmtNumber(v);
}

function checkRow(c: CheckComparison): Cell[] {
  const result = (passed: boolean | undefined) => (passed === undefined ? '–' : passed ? 'pass' : 'FAIL');
  return [
    { text: c.metric },
    { text: measured(c.metric, c.base) },
    { text: measured(c.metric, c.now) },
    { text: c.change ?? '–' },
    { text: `${result(c.basePassed)} → ${result(c.nowPassed)}`, worse: c.basePassed === true && !c.nowPassed },
  ];
}

/** `base → now (change)`, for one figure of a step. */
function pair(now: number | undefined, base: number | undefined, f: (x: number | undefined) => string, ch: string | undefined): string {
  return `${f(base)} → ${f(now)}${ch ? ` (${ch})` : ''}`;
}

function stepCells(now: StepFigures, base: StepFigures): Cell[] {
  const worse = (a: number | undefined, b: number | undefined) => a !== undefined && b !== undefined && a > b;
  const perS = (x: number | undefined) => (x === undefined ? '–' : `${fmtNumber(x)}/s`);
  return [
    { text: pair(now.p50, base.p50, fmtMs, change(now.p50, base.p50)), worse: worse(now.p50, base.p50) },
    { text: pair(now.p95, base.p95, fmtMs, change(now.p95, base.p95)), worse: worse(now.p95, base.p95) },
    { text: pair(now.p99, base.p99, fmtMs, change(now.p99, base.p99)), worse: worse(now.p99, base.p99) },
    { text: pair(now.errorRate, base.errorRate, fmtPercent, pointChange(now.errorRate, base.errorRate)), worse: worse(now.errorRate, base.errorRate) },
    { text: pair(now.throughput, base.throughput, perS, change(now.throughput, base.throughput)) },
  ];
}

function runRows(now: RunFigures, base: RunFigures): [string, Cell][] {
  const perS = (x: number | undefined) => (x === undefined ? '–' : `${fmtNumber(x)}/s`);
  return [
    ['Error rate', { text: pair(now.errorRate, base.errorRate, fmtPercent, pointChange(now.errorRate, base.errorRate)), worse: (now.errorRate ?? 0) > (base.errorRate ?? 0) }],
    ['Throughput', { text: pair(now.throughput, base.throughput, perS, change(now.throughput, base.throughput)) }],
    ['Requests', { text: pair(now.requests, base.requests, fmtNumber, change(now.requests, base.requests)) }],
    ['Concurrency reached (mean over the busiest 10 s, all workers)', { text: pair(now.peakUsers, base.peakUsers, fmtNumber, change(now.peakUsers, base.peakUsers)) }],
    ['Concurrency reached (most at once, one worker)', { text: pair(now.peakUsersSampled, base.peakUsersSampled, fmtNumber, change(now.peakUsersSampled, base.peakUsersSampled)) }],
  ];
}

function intro(c: Comparison): string {
  const when = c.baseStart !== undefined ? `, run ${fmtTime(c.baseStart)}` : '';
  const limit = c.limit !== undefined ? `; p95 regression limit +${Math.round(c.limit * 100)} % per step` : '';
  return `Baseline ${c.baseSource}${when}${limit}. Each cell reads baseline → this run (change).`;
}

const STEP_HEADS = ['p50', 'p95', 'p99', 'error rate', 'throughput'];

export function comparisonHtml(c: Comparison): string {
  const td = (cell: Cell, num = true) => `<td class="${num ? 'num' : ''}${cell.worse ? ' worse' : ''}">${e(cell.text)}</td>`;
  const checks = c.checks.length
    ? `<div class="scroll"><table class="baseline-checks"><thead><tr><th>Check</th><th class="num">Baseline</th><th class="num">This run</th><th class="num">Change</th><th>Result</th></tr></thead><tbody>${c.checks
        .map((x) => {
          const [metric, ...rest] = checkRow(x);
          return `<tr><td><code title="${e(x.expression)}">${e(metric?.text ?? '')}</code></td>${rest.map((cell, i) => td(cell, i < 3)).join('')}</tr>`;
        })
        .join('')}</tbody></table></div>`
    : '<p class="note">No checks to compare.</p>';
  const steps = `<div class="scroll"><table class="baseline-steps"><thead><tr><th>Step</th>${STEP_HEADS.map((h) => `<th class="num">${e(h)}</th>`).join('')}</tr></thead><tbody>${c.steps
    .map((s) => `<tr${s.regressed ? ' class="check fail"' : ''}><td>${e(s.title)} <code>${e(s.metric)}</code></td>${stepCells(s.now, s.base).map((cell) => td(cell)).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
  const run = `<div class="scroll"><table class="baseline-run"><tbody>${runRows(c.run.now, c.run.base)
    .map(([k, cell]) => `<tr><td>${e(k)}</td>${td(cell)}</tr>`)
    .join('')}</tbody></table></div>`;
  const reasons = c.reasons.length ? `<ul class="problems">${c.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>` : '';
  const badge = c.limit === undefined ? '' : ` <span class="badge ${c.failed ? 'fail' : 'pass'}">${c.failed ? 'regressed' : 'within the limit'}</span>`;
  return `<section id="baseline"><h2>Against the baseline${badge}</h2><p class="sub">${e(intro(c))}</p>${reasons}
<h3>Checks</h3>${checks}
<h3>Steps</h3>${steps}
<h3>Run</h3>${run}</section>`;
}

export function comparisonMarkdown(c: Comparison): string[] {
  const out: string[] = [`#### Against the baseline${c.limit !== undefined ? (c.failed ? ': ❌ regressed' : ': ✅ within the limit') : ''}`, '', m(intro(c)), ''];
  for (const r of c.reasons) out.push(`- ${m(r)}`);
  if (c.reasons.length) out.push('');
  if (c.checks.length) {
    out.push('| Check | Baseline | This run | Change | Result |', '|---|---:|---:|---:|---|');
    for (const x of c.checks) {
      const [metric, ...rest] = checkRow(x);
      out.push(`| ${markdownCode(metric?.text ?? '')} | ${rest.map((cell) => m(cell.text)).join(' | ')} |`);
    }
    out.push('');
  }
  out.push(`| Step | ${STEP_HEADS.join(' | ')} |`, `|---|${STEP_HEADS.map(() => '---:').join('|')}|`);
  for (const s of c.steps) out.push(`| ${s.regressed ? '❌ ' : ''}${m(s.title)} | ${stepCells(s.now, s.base).map((cell) => m(cell.text)).join(' | ')} |`);
  out.push('', '| Run | baseline → this run |', '|---|---:|');
  for (const [k, cell] of runRows(c.run.now, c.run.base)) out.push(`| ${m(k)} | ${m(cell.text)} |`);
  return out;
}
