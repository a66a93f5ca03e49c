/**
 * The Markdown summary: short enough for a GitHub job summary or a pull
 * request comment, with the full report's path for everything else.
 */
import { timeZero } from './charts.ts';
import { serverNotes, serverRows } from './server.ts';
import { historyRows, historySentence } from '../history/judge-run.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { escapeMarkdown as m, markdownCode } from './escape.ts';
import { displayUrl } from '../api/display-url.ts';
import { fmtDuration, fmtNumber, fmtTime, runSpan, type VerdictLabel } from './format.ts';
import { checkLines, concurrencyLine, generatorLine, topCounters } from './summary.ts';
import { type Comparison, comparisonMarkdown } from './baseline-view.ts';

function icon(v: VerdictLabel): string {
  if (v === 'PASS') return '✅';
  if (v === 'FAIL' || v === 'REGRESSED') return '❌';
  if (v === 'ABORTED') return '🛑';
  if (v === 'NO VERDICT') return 'ℹ️';
  return '⚠️';
}

export interface MarkdownInput {
  results: ResultsFile;
  verdict: VerdictLabel;
  /** where the HTML report is, as the reader should see it */
  htmlPath: string;
  notes: string[];
  /** against a baseline run, when one was given */
  comparison?: Comparison;
}

export function renderMarkdown(i: MarkdownInput): string {
  const r = i.results;
  const l = r.luneo;
  const span = runSpan(r);
  const what = l.run
    ? `${l.scenario} · ${l.run.environment} · dialect ${l.run.dialect} · profile ${l.run.profile}`
    : l.scenario;
  const out: string[] = [`### ${icon(i.verdict)} Load test ${m(l.scenario)}: **${m(i.verdict)}**`, ''];
  const about = [m(what)];
  if (l.run) about.push(`target ${markdownCode(displayUrl(l.run.baseUrl))}`);
  if (span.start !== undefined) about.push(`${m(fmtTime(span.start))}${span.end !== undefined ? ` (${m(fmtDuration(span.end - span.start))})` : ''}`);
  out.push(about.join(' — '), '');
  for (const reason of i.verdict === 'NO VERDICT' ? [] : l.verdict.reasons) out.push(`- ${m(reason)}`);
  for (const note of i.notes) out.push(`- ${m(note)}`);
  if (l.verdict.reasons.length > 0 || i.notes.length > 0) out.push('');
  if (l.workerCapacity) out.push(`**Render workers (Little's law):** ${m(l.workerCapacity.text.replace(/^render workers: /, ''))}`, '');
  if (l.diagnosis && (l.diagnosis.findings.length > 0 || l.diagnosis.degradation)) {
    out.push(`**Why:** ${m(l.diagnosis.summary)}`, '');
    l.diagnosis.findings.forEach((f, n) => out.push(`${n + 1}. **${m(f.component)}** (${markdownCode(f.signal)}): ${m(f.evidence)}; ${m(f.remedy)}`));
    for (const u of l.diagnosis.unseen) out.push(`- not seen: ${m(u)}`);
    out.push('');
  }

  const checks = checkLines(r);
  if (checks.length > 0) {
    out.push('| Check | Limit | Measured | Result |', '|---|---:|---:|---|');
    for (const c of checks) {
      const result = c.result === 'pass' ? '✅ pass' : c.result === 'fail' ? '❌ **fail**' : c.result === 'unmeasured' ? '❔ **not measured**' : '⚠️ warn (not strict)';
      out.push(`| ${markdownCode(c.metric)} | ${m(c.limit)} | ${m(c.measured)} | ${result} |`);
    }
  } else {
    out.push('_No threshold was recorded for this run._');
  }
  out.push('');
  if (i.comparison) out.push(...comparisonMarkdown(i.comparison), '');
  if (l.history) {
    out.push(`**Against the run history.** ${m(historySentence(l.history))}`, '', '| Series | Level | Run-to-run spread | Runs | Tonight |', '|---|---:|---:|---:|---|');
    for (const row of historyRows(l.history).filter((x) => x.gated)) out.push(`| ${m(row.series)} | ${m(row.level)} | ${m(row.spread)} | ${row.runs} | ${m(row.change) || '–'} |`);
    out.push('');
  }

  const t = topCounters(r);
  const failures = t.failures.length === 0 ? 'none' : t.failures.map(([k, v]) => `${markdownCode(k)} ${fmtNumber(v)}`).join(', ');
  const limited = t.rateLimitedKinds.length === 0 ? '' : ` (${t.rateLimitedKinds.map(([k, v]) => `${markdownCode(k)} ${fmtNumber(v)}`).join(', ')})`;
  const codes = t.codes.length === 0 ? '' : ` (${t.codes.map(([c, n]) => `${m(c)}: ${fmtNumber(n)}`).join(', ')})`;
  out.push(
    `**Generator:** ${m(generatorLine(r))}  `,
    `**Concurrency:** ${m(concurrencyLine(r))}  `,
    `**Requests:** ${fmtNumber(t.requests)}${codes}  `,
    `**Failures by kind:** ${failures}  `,
    `**Rate-limited:** ${fmtNumber(t.rateLimited)}${limited}`,
    '',
    ...serverMarkdown(r),
    `Full report with charts: ${markdownCode(i.htmlPath)}`,
    '',
  );
  return out.join('\n');
}

/** The server table: each signal at the start of the hold, its peak and when; what could not be seen. */
function serverMarkdown(r: MarkdownInput['results']): string[] {
  if (!r.luneo.server) return [];
  const rows = serverRows(r, timeZero(r));
  const out = ['**Server** (its own sources, src/observe):', ''];
  for (const note of serverNotes(r)) out.push(`- ${m(note)}`);
  if (rows.length === 0) out.push('_No server signal was read in this run._', '');
  else {
    out.push('| Group | Signal | Source | Hold start | Peak | At |', '|---|---|---|---:|---:|---:|');
    for (const row of rows) out.push(`| ${m(row.group)} | ${m(row.signal)} | ${m(row.source)} | ${m(row.atHoldStart)} | ${m(row.peak)} | ${row.peakAt === undefined ? '–' : `${Math.round(row.peakAt)} s`} |`);
    out.push('');
  }
  return out;
}
