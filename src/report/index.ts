/**
 * The run report: an HTML page with charts and a Markdown summary, written
 * next to a results file (`results/load-test-results.json` gives
 * `results/load-test-results.html` and `.md`).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { redact } from '../api/credentials.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { buildCharts } from './charts.ts';
import { verdictLabel } from './format.ts';
import { assembleHtml, renderHtmlBody } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { Comparison } from './baseline.ts';
import { renderJunit } from './junit.ts';
import type { Env } from '../config/env.ts';
import { redactDeep, secretsFromEnv } from './redaction.ts';

export { buildCharts, drawnCharts, type ChartSpec } from './charts.ts';
// load.ts (reading files for `npm run report`) is imported from there directly: it needs run/recorder.ts, which imports this module.

export interface ReportOptions {
  /** where the secrets to redact come from (API_KEY, LUNEO_PASSWORD, ARTILLERY_CLOUD_API_KEY); process.env by default */
  env?: Env;
  /** the file has no thresholds to judge by (not one of the package's scenarios): no verdict can be given */
  noVerdict?: boolean;
  /** what the reader should know about missing parts */
  notes?: string[];
  /** against a baseline run (`npm run report -- … --baseline …`) */
  comparison?: Comparison;
}

export interface ReportPaths {
  html: string;
  markdown: string;
  /** the checks as JUnit XML, for CI test views */
  junit: string;
}

export function reportPaths(resultsPath: string): ReportPaths {
  const base = resultsPath.replace(/\.json$/i, '');
  return { html: `${base}.html`, markdown: `${base}.md`, junit: `${base}.junit.xml` };
}

/** A path as people should read it: relative to where they are when it is below, absolute otherwise. */
export function shownPath(p: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(p));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}

/** Both reports as text, nothing written: every piece taken from the results is redacted. */
export function renderReports(results: ResultsFile, resultsPath: string, options: ReportOptions = {}): { html: string; markdown: string; junit: string } {
  const secrets = secretsFromEnv(options.env ?? process.env);
  const clean = redactDeep(results, secrets);
  const notes = redactDeep(options.notes ?? [], secrets);
  const verdict = verdictLabel(clean, options.noVerdict ?? false);
  const paths = reportPaths(resultsPath);
  const comparison = options.comparison ? redactDeep(options.comparison, secrets) : undefined;
  const body = renderHtmlBody({ results: clean, charts: buildCharts(clean), verdict, source: path.basename(resultsPath), notes, ...(comparison ? { comparison } : {}) });
  // Redacted again as text: the second pass catches a secret that only appears once pieces are joined.
  const html = assembleHtml({ head: redact(body.head, secrets), body: redact(body.body, secrets), data: redact(body.data, secrets) });
  const markdown = redact(renderMarkdown({ results: clean, verdict, htmlPath: shownPath(paths.html), notes, ...(comparison ? { comparison } : {}) }), secrets);
  const junit = redact(renderJunit(clean, verdict, comparison), secrets);
  return { html, markdown, junit };
}

/** Writes `<results base name>.html` and `.md` next to the results file; returns their paths. */
export function writeReports(results: ResultsFile, resultsPath: string, options: ReportOptions = {}): ReportPaths {
  const paths = reportPaths(resultsPath);
  const { html, markdown, junit } = renderReports(results, resultsPath, options);
  writeFileSync(paths.html, html);
  writeFileSync(paths.markdown, markdown);
  writeFileSync(paths.junit, junit);
  return paths;
}
