/**
 * The run report on real results files (test/fixtures, written by
 * `scripts/start.ts` against the sandbox) and on hand-made edge cases:
 * content, self-containment, escaping, redaction, degradation, the
 * `npm run report` command and the hook at the end of a run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import { buildCharts, drawnCharts, renderReports, reportPaths, writeReports } from '../../../src/report/index.ts';
import { escapeHtml, escapeMarkdown, jsonForScript, markdownCode } from '../../../src/report/escape.ts';
import { loadUplot } from '../../../src/report/html.ts';
import { readResultsFile } from '../../../src/report/load.ts';
import { createRecorder, finishRun, type ResultsFile } from '../../../src/results/recorder.ts';
import { scenarioEnsure } from '../../../src/verdict/thresholds.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

const FIXTURE_FILES = {
  embed: path.join(FIXTURES, 'load-test-results.json'),
  render: path.join(FIXTURES, 'worker-load-test-results.json'),
  invalid: path.join(FIXTURES, 'synthetic-render-invalid.json'),
};

function fixture(name: keyof typeof FIXTURE_FILES): ResultsFile {
  return JSON.parse(readFileSync(FIXTURE_FILES[name], 'utf8')) as ResultsFile;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'luneo-report-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function tmpDir(): string {
  return mkdtempSync(path.join(tmp, 'd-'));
}

/** The chart specs the page draws from, as embedded in it. */
function embeddedData(html: string): { charts: ReturnType<typeof buildCharts> } {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m?.[1], 'the page embeds its data as JSON');
  return JSON.parse(m[1]) as { charts: ReturnType<typeof buildCharts> };
}

/** Every tag that could make the browser fetch something, with the address it names. */
function externalReferences(html: string): string[] {
  const tags = html.match(/<(script|link|img|iframe|source|video|audio|embed|object|base)\b[^>]*>/gi) ?? [];
  return tags.filter((t) => /\b(src|href|srcset|data)\s*=\s*["']?\s*(https?:)?\/\//i.test(t));
}

const clean: Record<string, string | undefined> = {};

describe('report on the real results files', () => {
  for (const scenario of ['embed', 'render'] as const) {
    describe(scenario, () => {
      const results = fixture(scenario);
      const { html, markdown } = renderReports(results, FIXTURE_FILES[scenario], { env: clean });

      it('states the verdict in the header, with the run it was', () => {
        assert.equal(results.luneo.verdict.kind, 'pass', 'the fixture is a passing run');
        assert.match(html, /<p class="verdict" id="verdict">PASS<\/p>/);
        assert.match(html, /<div class="banner-top">/);
        const run = results.luneo.run;
        assert.ok(run);
        for (const text of [`<dd>${scenario}</dd>`, `<dd>${run.environment}</dd>`, `<dd>${run.dialect}</dd>`, run.baseUrl, `${run.profile} (stages`]) {
          assert.ok(html.includes(text), `header shows ${text}`);
        }
      });

      it('has a row for every check: its metric, limit, measured value and result', () => {
        const rows = html.match(/<tr class="check [a-z]+">[\s\S]*?<\/tr>/g) ?? [];
        assert.equal(rows.length, results.luneo.checks.length);
        results.luneo.checks.forEach((c, i) => {
          const row = rows[i] ?? '';
          const metric = c.expression.replace(/\s*(<=|>=|<|>|==)\s*[-\d.]+\s*$/, '');
          assert.ok(row.includes(escapeHtml(metric)), `row ${i} names ${metric}`);
          assert.ok(row.includes(escapeHtml(c.op ?? '')), `row ${i} has the operator`);
          assert.match(row, /class="badge pass">pass</);
          assert.ok(c.measured !== undefined);
        });
        assert.match(html, /<td class="num">&lt; 300 ms<\/td>|<td class="num">&lt; 500 ms<\/td>/);
      });

      it('shows generator health: users planned and created, each phase set and taken', () => {
        const g = results.luneo.generator;
        assert.ok(html.includes(`${g.createdUsers} / ${g.plannedUsers}`));
        for (const p of g.phases) assert.ok(html.includes(escapeHtml(p.name)), p.name);
        assert.match(html, /Event-loop delay p99/);
        assert.match(html, /kept its schedule/);
      });

      it('inlines uPlot and references nothing outside the page', () => {
        const uplot = loadUplot();
        assert.equal(uplot.version, '1.6.32');
        assert.ok(html.includes(`<script>${uplot.js}</script>`), 'the pinned uPlot build is inlined as is');
        assert.ok(html.includes(uplot.css), "uPlot's stylesheet is inlined");
        assert.deepEqual(externalReferences(html), []);
        assert.doesNotMatch(html, /<script[^>]+\bsrc\s*=/i);
        assert.doesNotMatch(html, /<link\b/i);
        assert.doesNotMatch(html, /@import|url\(\s*["']?https?:/i);
        assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
      });

      it('embeds the chart data, and it is what the results say', () => {
        const data = embeddedData(html);
        assert.deepEqual(data.charts, buildCharts(results));
        const rate = data.charts.find((c) => c.id === 'request-rate');
        assert.ok(rate);
        const periods = [...results.intermediate].sort((a, b) => Number(a.period) - Number(b.period));
        assert.deepEqual(rate.x, periods.map((p) => (Number(p.period) - Number(periods[0]?.period)) / 1000));
        assert.deepEqual(rate.series[0]?.values, periods.map((p) => (p.counters['http.requests'] ?? 0) / 10));
        const steps = scenario === 'embed'
          ? [METRICS.embed.tokenMs, METRICS.embed.widgetMs, METRICS.embed.validateMs, METRICS.embed.handshakeMs, METRICS.requests.allMs]
          : [METRICS.render.enqueueMs, METRICS.render.statusMs, METRICS.requests.allMs, METRICS.render.jobProcessingMs];
        for (const metric of steps) {
          const c = data.charts.find((x) => x.subtitle?.startsWith(metric));
          assert.ok(c, `a chart for ${metric}`);
          assert.deepEqual(c.series.filter((s) => !s.reference).map((s) => s.label), ['p50', 'p95', 'p99'], metric);
          // Each latency check on the step is drawn as a flat reference line at its limit.
          const limits = results.luneo.checks.flatMap((k) => {
            const m = new RegExp(`^${metric}\\.(p\\d+) < (\\d+)$`).exec(k.expression);
            return m ? [[m[1], Number(m[2])] as const] : [];
          });
          const refs = c.series.filter((s) => s.reference);
          assert.equal(refs.length, limits.length, `${metric}: one SLO line per latency check`);
          for (const [stat, limit] of limits) {
            const line = refs.find((s) => s.label.startsWith(`${stat} SLO`));
            assert.ok(line, `${metric}: a ${stat} SLO line`);
            assert.ok(line.values.every((v) => v === limit), `${metric}: the ${stat} line sits at ${limit} ms`);
          }
          assert.deepEqual(c.series[1]?.values, periods.map((p) => p.summaries[metric]?.p95 ?? null), `${metric} p95 per period`);
        }
        const conc = data.charts.find((c) => c.id === 'concurrency');
        assert.deepEqual(conc?.series[0]?.values, results.luneo.concurrency.map((p) => p.users));
        // The planned profile beside it: within a user of what was reached while the profile held (a healthy run).
        const plan = conc?.series.find((s) => s.reference && /planned/.test(s.label));
        assert.ok(plan, 'the planned concurrency profile is drawn');
        const peak = results.luneo.run?.peakUsers ?? 0;
        // A period mean: exactly the peak when a whole period falls in the hold, a little under when the hold straddles two.
        const planPeak = Math.max(...plan.values.map((v) => v ?? 0));
        assert.ok(planPeak <= peak && planPeak >= 0.95 * peak, `the plan peaks at the profile peak (${planPeak} of ${peak})`);
        if (scenario === 'render') {
          assert.ok(conc?.series.some((s) => s.label === 'renders in flight (mean)'));
          const jobs = data.charts.find((c) => c.id === 'render-jobs');
          assert.deepEqual(jobs?.series.find((s) => s.label === 'succeeded')?.values, periods.map((p) => p.counters[METRICS.render.jobsSucceeded] ?? 0));
          assert.match(jobs?.note ?? '', /Stayed at 0 \(not drawn\): failed, timed out, lost/);
        } else {
          assert.equal(data.charts.find((c) => c.id === 'render-jobs'), undefined, 'no render charts for the embed scenario');
        }
        // A clean run: the errors chart says so instead of drawing flat lines.
        const errors = data.charts.find((c) => c.id === 'errors');
        assert.equal(errors?.series.length, 0);
        assert.match(errors?.note ?? '', /No errors and no rate-limited requests/);
        assert.ok(drawnCharts(data.charts).length >= 5);
      });

      it('writes a Markdown summary with the verdict, the checks table, generator, concurrency, counters and the HTML path', () => {
        assert.match(markdown, /^### ✅ Load test \w+: \*\*PASS\*\*/);
        assert.match(markdown, /\n\| Check \| Limit \| Measured \| Result \|\n\|---\|---:\|---:\|---\|\n/);
        const rows = markdown.split('\n').filter((l) => l.startsWith('| `'));
        assert.equal(rows.length, results.luneo.checks.length);
        for (const row of rows) assert.match(row, /\| ✅ pass \|$/);
        assert.match(markdown, /\*\*Generator:\*\* kept its schedule: \d+ of \d+ planned users created/);
        assert.match(markdown, /\*\*Concurrency:\*\* \d+ (visitors|renderers) at once/);
        assert.match(markdown, new RegExp(`\\*\\*Requests:\\*\\* ${results.aggregate.counters['http.requests']} \\(200: `));
        assert.match(markdown, /\*\*Failures by kind:\*\* none/);
        assert.match(markdown, /\*\*Rate-limited:\*\* 0/);
        assert.ok(markdown.includes(`\`${reportPaths(FIXTURE_FILES[scenario]).html.replace(`${process.cwd()}${path.sep}`, '')}\``));
      });
    });
  }
});

describe('report of a failed run', () => {
  const results = fixture('invalid');
  const { html, markdown } = renderReports(results, FIXTURE_FILES.invalid, { env: clean });

  it('says INVALID when the generator was overloaded, and lists the reasons', () => {
    assert.match(html, /<header class="banner invalid">/);
    assert.match(html, /id="verdict">INVALID \(generator overloaded\)</);
    for (const reason of results.luneo.verdict.reasons) assert.ok(html.includes(`<li>${escapeHtml(reason)}</li>`));
    assert.match(markdown, /^### ⚠️ Load test render: \*\*INVALID \(generator overloaded\)\*\*/);
  });

  it('marks failed checks and the generator figures over their limits', () => {
    assert.equal((html.match(/<tr class="check fail">/g) ?? []).length, 2);
    assert.match(markdown, /\| `luneo_render_jobs_succeeded \/ luneo_render_jobs_enqueued` \| \\> 0\.9 \| 0\.83 \| ❌ \*\*fail\*\* \|/);
    assert.match(html, /<div class="stat bad"><div class="stat-label">Worst worker saturated<\/div><div class="stat-value">18 s of 20</);
    assert.match(html, /<span class="badge fail">overloaded<\/span>/);
  });

  it('charts errors and rate-limited requests by kind, job outcomes and the platform metrics', () => {
    const charts = embeddedData(html).charts;
    const errors = charts.find((c) => c.id === 'errors');
    assert.deepEqual(errors?.series.map((s) => s.label), ['error: ECONNRESET', 'error: ETIMEDOUT', 'render_enqueue_failed', 'render_rate_limited', 'vusers.failed']);
    assert.deepEqual(errors?.series.find((s) => s.label === 'error: ETIMEDOUT')?.values, [0, 7, 3]);
    const jobs = charts.find((c) => c.id === 'render-jobs');
    assert.deepEqual(jobs?.series.map((s) => s.label), ['enqueued', 'succeeded', 'failed', 'timed out']);
    for (const id of ['platform-queue', 'platform-oldest', 'platform-handshakes']) {
      const c = charts.find((x) => x.id === id);
      assert.ok(c && c.series.length > 0, id);
      assert.equal(c.x.length, results.luneo.platformMetrics?.length);
    }
    assert.match(markdown, /\*\*Failures by kind:\*\* `errors\.ETIMEDOUT` 10, `luneo_render_enqueue_failed` 5, `errors\.ECONNRESET` 2, `vusers\.failed` 2/);
    assert.match(markdown, /\*\*Rate-limited:\*\* 16 \(`luneo_render_rate_limited` 16\)/);
  });

  it('shows a non-strict failure as a warning, FAIL otherwise', () => {
    const r = fixture('render');
    r.luneo.checks[0] = { ...(r.luneo.checks[0] ?? { expression: 'x < 1', passed: true, strict: true }), passed: false, strict: false };
    const out = renderReports(r, FIXTURE_FILES.render, { env: clean });
    assert.match(out.html, /<tr class="check warn">[\s\S]*?warn \(not strict\)/);
    assert.match(out.markdown, /⚠️ warn \(not strict\)/);
  });
});

describe('charts degrade', () => {
  it('a run without periods: every chart shows a note, none is drawn', () => {
    const r = fixture('render');
    r.intermediate = [];
    r.luneo.concurrency = [];
    const charts = buildCharts(r);
    assert.equal(drawnCharts(charts).length, 0);
    for (const c of charts) assert.ok(c.note && c.note.length > 0, `${c.id} has a note`);
    const { html } = renderReports(r, FIXTURE_FILES.render, { env: clean });
    assert.doesNotMatch(html, /<div class="plot"/);
    assert.match(html, /<p class="note">No HTTP requests were recorded\.<\/p>/);
  });

  it('a series with no data is not drawn; the others are', () => {
    const r = fixture('embed');
    for (const p of r.intermediate) delete p.summaries[METRICS.embed.widgetMs];
    delete r.aggregate.summaries[METRICS.embed.widgetMs];
    const widget = buildCharts(r).find((c) => c.subtitle?.startsWith(METRICS.embed.widgetMs));
    assert.deepEqual(widget?.series, []);
    assert.match(widget?.note ?? '', /No luneo_embed_widget_ms samples/);
    r.luneo.concurrency = r.luneo.concurrency.map((p) => ({ at: p.at, users: p.users }));
    const conc = buildCharts(r).find((c) => c.id === 'concurrency');
    assert.deepEqual(conc?.series.filter((s) => !s.reference).map((s) => s.label), ['visitors (mean)']);
  });

  it('a period without a summary is a gap (null), a counter missing from a period is 0', () => {
    const r = fixture('embed');
    const charts = buildCharts(r);
    const token = charts.find((c) => c.subtitle?.startsWith(METRICS.embed.tokenMs));
    const periods = [...r.intermediate].sort((a, b) => Number(a.period) - Number(b.period));
    assert.deepEqual(token?.series[0]?.values, periods.map((p) => p.summaries[METRICS.embed.tokenMs]?.p50 ?? null));
    const rate = charts.find((c) => c.id === 'request-rate');
    assert.ok(rate?.series[0]?.values.every((v) => typeof v === 'number'));
  });
});

describe('untrusted text', () => {
  it('HTML from metric names is escaped everywhere, the JSON cannot close its script element', () => {
    const r = fixture('render');
    const evil = 'errors.<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    r.aggregate.counters[evil] = 3;
    const p = r.intermediate[1];
    assert.ok(p);
    p.counters[evil] = 3;
    const { html, markdown } = renderReports(r, FIXTURE_FILES.render, { env: clean });
    assert.doesNotMatch(html, /<img src=x/);
    assert.equal((html.match(/<script>alert\(2\)/g) ?? []).length, 0);
    assert.ok(html.includes(escapeHtml(evil)), 'shown escaped in the counters table');
    const data = embeddedData(html);
    assert.ok(data.charts.some((c) => c.series.some((s) => s.label === `error: ${evil.slice('errors.'.length)}`)), 'the data keeps the name intact');
    // Inside a code span Markdown shows markup as text; outside one it must not appear.
    assert.doesNotMatch(markdown.replace(/`[^`\n]*`/g, ''), /<img|<script/);
    assert.ok(markdown.includes('`errors.<img src=x onerror=alert(1)></script><script>alert(2)</script>`'));
  });

  it('escape helpers', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(jsonForScript({ a: '</script><!--&\u2028' }), '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"}');
    assert.equal(escapeMarkdown('a|b *c* <d>\nnext'), 'a\\|b \\*c\\* \\<d\\> next');
    assert.equal(markdownCode('a | `b`'), "`a \\| 'b'`");
  });
});

describe('no secret in the report', () => {
  const variables = ['API_KEY', 'LUNEO_PASSWORD', 'ARTILLERY_CLOUD_API_KEY'] as const;

  function withSecret(secret: string): ResultsFile {
    const r = fixture('render');
    const name = `errors.401 Unauthorized: key ${secret} was rejected`;
    r.aggregate.counters[name] = 2;
    const p = r.intermediate[1];
    assert.ok(p);
    p.counters[name] = 2;
    r.luneo.verdict.reasons.push(`request failed with ${secret}`);
    return r;
  }

  for (const variable of variables) {
    it(`the value of ${variable} in an error counter name does not leak (environment set as a run sets it)`, () => {
      const secret = `sk_live_FAKE-${variable}-51x9`;
      const saved = process.env[variable];
      process.env[variable] = secret;
      try {
        const dir = tmpDir();
        const file = path.join(dir, 'worker-load-test-results.json');
        const paths = writeReports(withSecret(secret), file);
        for (const out of [readFileSync(paths.html, 'utf8'), readFileSync(paths.markdown, 'utf8')]) {
          assert.ok(!out.includes(secret), 'secret absent');
          assert.ok(!out.includes('51x9'), 'no part of it either');
          assert.match(out, /\[redacted\]/);
          assert.ok(!out.includes(variable), 'no environment variable is named');
        }
      } finally {
        if (saved === undefined) delete process.env[variable];
        else process.env[variable] = saved;
      }
    });
  }

  it('a secret with HTML and JSON special characters is redacted before escaping', () => {
    const secret = 'p<&"w\'d\\9';
    const { html, markdown } = renderReports(withSecret(secret), FIXTURE_FILES.render, { env: { LUNEO_PASSWORD: secret } });
    for (const form of [secret, escapeHtml(secret), JSON.stringify(secret).slice(1, -1), jsonForScript(secret).slice(1, -1)]) {
      assert.ok(!html.includes(form), `html has no ${form}`);
      assert.ok(!markdown.includes(form), `markdown has no ${form}`);
    }
    assert.match(html, /\[redacted\]/);
  });

  it('bearer tokens and JWTs are redacted without being configured', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const r = fixture('embed');
    r.aggregate.counters[`errors.token ${jwt}`] = 1;
    const { html, markdown } = renderReports(r, FIXTURE_FILES.embed, { env: clean });
    assert.ok(!html.includes(jwt) && !markdown.includes(jwt));
  });
});

describe("Artillery's own -o output", () => {
  it("gets the run's own verdict, generator health, load delivered and concurrency, computed from its combined metrics", () => {
    const r = fixture('render');
    const file = path.join(tmpDir(), 'artillery-output.json');
    writeFileSync(file, JSON.stringify({ aggregate: r.aggregate, intermediate: r.intermediate }));
    const loaded = readResultsFile(file);
    assert.equal(loaded.derived, true);
    assert.equal(loaded.noVerdict, false);
    assert.equal(loaded.results.luneo.scenario, 'render', 'recognised by its metric names');
    assert.deepEqual(loaded.results.luneo.concurrency, r.luneo.concurrency);
    assert.deepEqual(loaded.results.luneo.verdict, r.luneo.verdict, 'the same verdict as the run gave');
    assert.deepEqual(loaded.results.luneo.generator.problems, r.luneo.generator.problems);
    assert.deepEqual(loaded.results.luneo.delivery, r.luneo.delivery);
    assert.deepEqual(loaded.results.luneo.checks.map((c) => [c.expression, c.passed]), r.luneo.checks.map((c) => [c.expression, c.passed]), "ensure's checks, checked again over the aggregate");
    assert.equal(loaded.results.luneo.generator.createdUsers, r.luneo.generator.createdUsers);
    assert.equal(loaded.results.luneo.generator.eventLoopDelayP99Ms, r.luneo.generator.eventLoopDelayP99Ms);
    const { html, markdown } = renderReports(loaded.results, file, { env: clean, noVerdict: loaded.noVerdict, notes: loaded.notes });
    assert.match(html, /id="verdict">PASS</);
    assert.match(html, /computed from its combined metrics, with the thresholds of scenarios\/render.yml/);
    assert.match(markdown, /\*\*PASS\*\*/);
    assert.equal(drawnCharts(embeddedData(html).charts).length, drawnCharts(buildCharts(r)).length);
  });
});

function report(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, ['scripts/report.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, API_KEY: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/report.ts', () => {
  function refused(r: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0] ?? '', pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  it('a missing file: exit 2', () => {
    refused(report(path.join(tmp, 'nope.json')), /^report: .*nope\.json: no such file$/);
  });

  it('a file that is not JSON: exit 2', () => {
    const file = path.join(tmpDir(), 'broken.json');
    writeFileSync(file, '{"aggregate": ');
    refused(report(file), /broken\.json: not JSON/);
  });

  it('JSON without aggregate and intermediate: exit 2', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'other.json'), '{"name": "package"}');
    writeFileSync(path.join(dir, 'list.json'), '[1, 2]');
    refused(report(path.join(dir, 'other.json')), /other\.json: not a results file: it has no "aggregate" and "intermediate"/);
    refused(report(path.join(dir, 'list.json')), /list\.json: not a results file/);
    assert.ok(!existsSync(path.join(dir, 'other.html')));
  });

  it('no file, or an unknown option: exit 2; --help: exit 0', () => {
    refused(report(), /no results file given/);
    refused(report('--nope'), /unknown option --nope/);
    const help = report('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: npm run report -- <results\.json>/);
  });

  it('writes both reports next to each file and prints their paths; one bad file among good ones still exits 2', () => {
    const dir = tmpDir();
    cpSync(FIXTURE_FILES.embed, path.join(dir, 'load-test-results.json'));
    const r = fixture('render');
    writeFileSync(path.join(dir, 'artillery.json'), JSON.stringify({ aggregate: r.aggregate, intermediate: r.intermediate }));
    const ok = report(path.join(dir, 'load-test-results.json'), path.join(dir, 'artillery.json'));
    assert.equal(ok.status, 0, ok.stderr);
    for (const base of ['load-test-results', 'artillery']) {
      assert.ok(ok.stdout.includes(`  report: ${path.join(dir, `${base}.html`)}`), ok.stdout);
      assert.ok(ok.stdout.includes(`  summary: ${path.join(dir, `${base}.md`)}`), ok.stdout);
      assert.ok(existsSync(path.join(dir, `${base}.html`)) && existsSync(path.join(dir, `${base}.md`)));
    }
    assert.match(ok.stdout, /artillery\.json \(Artillery output: verdict from its combined metrics\)\nVerdict: PASS/);
    // the verdict's exit code: the worst over the files
    writeFileSync(path.join(dir, 'invalid.json'), readFileSync(FIXTURE_FILES.invalid));
    const invalid = report(path.join(dir, 'load-test-results.json'), path.join(dir, 'invalid.json'));
    assert.equal(invalid.status, 3, invalid.stdout);
    assert.match(invalid.stdout, /Verdict: INVALID \(generator overloaded\)/);
    const mixed = report(path.join(dir, 'load-test-results.json'), path.join(dir, 'missing.json'));
    assert.equal(mixed.status, 2);
    assert.match(mixed.stdout, /report: .*load-test-results\.html/);
    assert.match(mixed.stderr, /missing\.json: no such file/);
  });
});

describe('finishRun writes the report after the results file', () => {
  function recorderFrom(r: ResultsFile, thresholds = scenarioEnsure('embed')) {
    const rec = createRecorder({ scenario: 'embed', phases: [], ...(thresholds ? { thresholds } : {}) });
    for (const p of r.intermediate) rec.onStats(p);
    rec.onDone(r.aggregate);
    return rec;
  }

  async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
    const log = console.log;
    const error = console.error;
    let out = '';
    let err = '';
    console.log = (...a: unknown[]) => void (out += `${a.join(' ')}\n`);
    console.error = (...a: unknown[]) => void (err += `${a.join(' ')}\n`);
    try {
      return { code: await fn(), out, err };
    } finally {
      console.log = log;
      console.error = error;
    }
  }

  it('prints the report paths; the files are next to the results', async () => {
    const dir = tmpDir();
    const r = await capture(() => finishRun(recorderFrom(fixture('embed')), { LUNEO_RESULTS_DIR: dir }));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const html = path.join(dir, 'load-test-results.html');
    assert.match(r.out, /\n {2}report: .*load-test-results\.html\n {2}summary: .*load-test-results\.md\n/);
    assert.match(readFileSync(html, 'utf8'), /id="verdict">PASS</);
    assert.match(readFileSync(path.join(dir, 'load-test-results.md'), 'utf8'), /\| Check \| Limit \| Measured \| Result \|/);
  });

  it('a report that cannot be written costs one line and leaves the exit code alone', async () => {
    const dir = tmpDir();
    // A directory where the HTML file should go: writing it fails with EISDIR.
    mkdirSync(path.join(dir, 'load-test-results.html'));
    // The same run judged by embed.yml's thresholds, then by a limit of 0 ms on the first one, which it must fail.
    const embed = scenarioEnsure('embed');
    const [first] = Object.keys(embed?.thresholds?.[0] ?? {});
    assert.ok(embed && first);
    const strict = { ...embed, thresholds: [{ [first]: 0 }, ...(embed.thresholds ?? []).slice(1)] };
    for (const [thresholds, expected] of [[embed, 0], [strict, 1]] as const) {
      const out = await capture(() => finishRun(recorderFrom(fixture('embed'), thresholds), { LUNEO_RESULTS_DIR: dir }));
      assert.equal(out.code, expected);
      const lines = out.err.trim().split('\n');
      assert.equal(lines.length, 1, out.err);
      assert.match(lines[0] ?? '', /^luneo-load-tests: could not write the report for .*load-test-results\.json: EISDIR/);
      assert.ok(existsSync(path.join(dir, 'load-test-results.json')), 'the results file is there');
      assert.doesNotMatch(out.out, /report:/);
    }
  });
});
