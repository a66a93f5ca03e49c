/**
 * The checks as JUnit XML, beside the results file, for CI systems that
 * read test results: one test case per check with its limit and measured
 * value; a run that is not valid or was aborted adds a failing `verdict`
 * case, and a baseline comparison with a regression limit its own suite.
 */
import { describeChange, fmtSpread } from '../history/gate.ts';
import { seriesSpec } from '../history/series.ts';
import type { ResultsFile } from '../results/recorder.ts';
import type { Comparison } from './baseline.ts';
import { runSpan, type VerdictLabel } from './format.ts';
import { checkLines } from './summary.ts';

function x(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

interface Case {
  classname: string;
  name: string;
  properties: [string, string][];
  out: string;
  failure?: { message: string; type: string };
}

function testcase(c: Case): string {
  const props = c.properties.map(([k, v]) => `<property name="${x(k)}" value="${x(v)}"/>`).join('');
  const failure = c.failure ? `\n      <failure message="${x(c.failure.message)}" type="${x(c.failure.type)}"/>` : '';
  return `    <testcase classname="${x(c.classname)}" name="${x(c.name)}" time="0">
      <properties>${props}</properties>${failure}
      <system-out>${x(c.out)}</system-out>
    </testcase>`;
}

function suite(name: string, cases: Case[], attrs: string, properties: [string, string][] = []): string {
  const failures = cases.filter((c) => c.failure).length;
  const props = properties.length ? `\n    <properties>${properties.map(([k, v]) => `<property name="${x(k)}" value="${x(v)}"/>`).join('')}</properties>` : '';
  return `  <testsuite name="${x(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0"${attrs}>${props}
${cases.map(testcase).join('\n')}
  </testsuite>`;
}

export function renderJunit(r: ResultsFile, verdict: VerdictLabel, comparison?: Comparison): string {
  const l = r.luneo;
  const scenario = l.scenario;
  const span = runSpan(r);
  const attrs = `${span.start !== undefined ? ` timestamp="${new Date(span.start).toISOString().slice(0, 19)}"` : ''}${span.start !== undefined && span.end !== undefined ? ` time="${((span.end - span.start) / 1000).toFixed(1)}"` : ''}`;
  const checks: Case[] = checkLines(r).map((c) => {
    const out: Case = {
      classname: `luneo.${scenario}.checks`,
      name: c.expression,
      properties: [
        ['limit', c.limit],
        ['measured', c.measured],
        ['strict', String(c.result !== 'warn')],
      ],
      out: `${c.metric}: limit ${c.limit}, measured ${c.measured}${c.result === 'warn' ? ' (failed, but not strict)' : ''}`,
    };
    if (c.result === 'fail') out.failure = { message: `measured ${c.measured}, limit ${c.limit}`, type: 'threshold' };
    if (c.result === 'unmeasured') out.failure = { message: `not measured (limit ${c.limit}): the gate could not judge it`, type: 'not-measured' };
    return out;
  });
  const suites = [
    suite(`${scenario} load test${l.run ? ` (${l.run.environment})` : ''}: checks`, checks, attrs, [
      ['verdict', verdict],
      ['verdict.kind', l.verdict.kind],
      ...(l.run ? ([['profile', l.run.profile], ['stages', l.run.stages], ['target', l.run.baseUrl]] as [string, string][]) : []),
    ]),
  ];
  // A verdict the checks do not explain (aborted, overloaded, a regression) must fail the CI job's test view too.
  const explained = l.verdict.kind === 'slo_failed' && checks.some((c) => c.failure) && !comparison?.failed;
  if (verdict !== 'PASS' && verdict !== 'NO VERDICT' && !explained) {
    const failure = { message: `${verdict}: ${l.verdict.reasons[0] ?? ''}`, type: l.verdict.kind };
    const c: Case = { classname: `luneo.${scenario}.verdict`, name: 'verdict', properties: [['kind', l.verdict.kind]], out: l.verdict.reasons.join('\n'), failure };
    suites.push(suite(`${scenario} load test: verdict`, [c], attrs));
  }
  if (comparison?.limit !== undefined) {
    const cases: Case[] = comparison.steps
      .filter((s) => s.now.p95 !== undefined && s.base.p95 !== undefined)
      .map((s) => {
        const c: Case = {
          classname: `luneo.${scenario}.baseline`,
          name: `${s.metric}.p95 regression`,
          properties: [
            ['baseline', String(s.base.p95)],
            ['measured', String(s.now.p95)],
            ['limit', `+${Math.round((comparison.limit as number) * 100)} %`],
          ],
          out: `p95 ${s.now.p95} ms against ${s.base.p95} ms in the baseline`,
        };
        if (s.regressed) c.failure = { message: `p95 ${s.now.p95} ms is ${s.p95Change} against the baseline's ${s.base.p95} ms (limit +${Math.round((comparison.limit as number) * 100)} %)`, type: 'regression' };
        return c;
      });
    suites.push(suite(`${scenario} load test: against the baseline`, cases, attrs));
  }
  const h = l.history;
  if (h?.judged) {
    // A case per gated series the history judged: a regression fails it, with the step, its interval and where it began.
    const cases: Case[] = h.spreads
      .filter((sp) => seriesSpec(sp.key)?.gated)
      .map((sp) => {
        const regression = h.regressions.find((r) => r.key === sp.key);
        const better = h.improvements.find((r) => r.key === sp.key);
        const c: Case = {
          classname: `luneo.${scenario}.history`,
          name: `${sp.label} against the run history`,
          properties: [
            ['level', String(sp.level)],
            ['spread', fmtSpread(sp, seriesSpec(sp.key)?.unit ?? 'ms')],
            ['runs', String(sp.runs)],
          ],
          out: regression ? describeChange(regression) : better ? `better: ${describeChange(better)}` : `no change against ${h.reference} earlier valid runs`,
        };
        if (regression) c.failure = { message: describeChange(regression), type: 'regression' };
        return c;
      });
    suites.push(suite(`${scenario} load test: against the run history`, cases, attrs));
  }
  const all = suites.join('\n');
  const tests = (all.match(/<testcase /g) ?? []).length;
  const failures = (all.match(/<failure /g) ?? []).length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="luneo-load-tests" tests="${tests}" failures="${failures}" errors="0">
${all}
</testsuites>
`;
}
