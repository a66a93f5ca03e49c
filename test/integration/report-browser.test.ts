/**
 * The HTML report in a real browser: headless Chromium (Debian's package,
 * installed by the helper when missing) opens the page from disk with every
 * non-file request blocked, and the charts must be drawn, without a script
 * error, and without the page trying to reach anything. Screenshots are kept
 * in test/artifacts/ for people to look at.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { historyPage } from '../../src/history/page.ts';
import { buildCharts, drawnCharts, writeReports } from '../../src/report/index.ts';
import { readResultsFile } from '../../src/report/load.ts';
import type { ResultsFile } from '../../src/results/recorder.ts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { steppedHistory } from '../support/history.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

/** `artilleryOutput`: the file without its luneo section, as Artillery's own `-o` writes it. */
const CASES = [
  { name: 'embed', file: 'load-test-results.json', verdict: 'PASS', artilleryOutput: false },
  { name: 'render', file: 'worker-load-test-results.json', verdict: 'PASS', artilleryOutput: false },
  { name: 'render-invalid', file: 'synthetic-render-invalid.json', verdict: 'INVALID (generator overloaded)', artilleryOutput: false },
  { name: 'embed-artillery-output', file: 'load-test-results.json', verdict: 'PASS', artilleryOutput: true },
] as const;

/**
 * The few browser objects the functions run in the page use: the project
 * compiles without the DOM library, so they are declared here, narrowly.
 */
interface BoxLike {
  getBoundingClientRect(): { width: number; height: number };
}
interface CanvasLike extends BoxLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface ElementLike {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
}
declare const document: { documentElement: { hasAttribute(name: string): boolean; scrollWidth: number }; querySelector(selector: string): BoxLike | null };
declare const window: { innerWidth: number };

interface Visit {
  consoleErrors: string[];
  pageErrors: string[];
  blocked: string[];
  requested: string[];
}

/** Opens a report with every request that is not a file blocked and recorded. */
async function visit(page: Page, htmlPath: string): Promise<Visit> {
  const v: Visit = { consoleErrors: [], pageErrors: [], blocked: [], requested: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') v.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => v.pageErrors.push(err.message));
  page.on('request', (r) => v.requested.push(r.url()));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    v.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts-drawn'), undefined, { timeout: 10_000 });
  return v;
}

describe('the HTML report in headless Chromium', () => {
  let chromium: LaunchedChromium;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'luneo-report-browser-'));

  before(async () => {
    // Installs Debian's chromium when it is missing; a failure fails the test with the reason.
    chromium = await launchChromium({ width: 1280, height: 900 });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await chromium?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.name}: charts drawn, no script error, no request outside the file`, async () => {
      const resultsPath = path.join(tmp, c.name, c.file);
      mkdirSync(path.dirname(resultsPath), { recursive: true });
      if (c.artilleryOutput) {
        const { aggregate, intermediate } = JSON.parse(readFileSync(path.join(FIXTURES, c.file), 'utf8')) as ResultsFile;
        writeFileSync(resultsPath, JSON.stringify({ aggregate, intermediate }));
      } else {
        cpSync(path.join(FIXTURES, c.file), resultsPath);
      }
      const loaded = readResultsFile(resultsPath);
      assert.equal(loaded.derived, c.artilleryOutput);
      const { html } = writeReports(loaded.results, resultsPath, { env: {}, noVerdict: loaded.noVerdict, notes: loaded.notes });
      const expected = drawnCharts(buildCharts(loaded.results));
      assert.ok(expected.length >= 5, 'the fixture has data for most charts');

      const page = await chromium.context.newPage();
      try {
        const v = await visit(page, html);
        assert.equal(await page.locator('#verdict').textContent(), c.verdict);
        assert.equal(await page.getAttribute('html', 'data-charts-drawn'), String(expected.length));

        // uPlot draws on one canvas per chart; each must have been laid out with a size.
        const canvases = await page.$$eval('.plot canvas', (els: CanvasLike[]) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return { width: r.width, height: r.height, pixels: el.width * el.height };
          }),
        );
        assert.equal(canvases.length, expected.length, 'one canvas per chart that has data');
        for (const cv of canvases) assert.ok(cv.width > 100 && cv.height > 100 && cv.pixels > 0, JSON.stringify(cv));

        // Every drawn chart has a legend entry per series; every chart without data shows its note instead.
        const legends = await page.$$eval('.plot', (els: ElementLike[]) => els.map((el) => el.querySelectorAll('.u-legend .u-series').length));
        assert.deepEqual(legends, expected.map((x) => x.series.length + 1));
        const empty = await page.$$eval('figure[data-has-data="false"]', (els: ElementLike[]) => els.map((el) => ({ plot: el.querySelector('.plot') !== null, note: el.querySelector('.note')?.textContent ?? '' })));
        for (const e of empty) assert.ok(!e.plot && e.note.length > 0, JSON.stringify(e));

        // Something was drawn: a canvas with only its background would be a single colour.
        const colours = await page.$eval('.plot canvas', (canvas: CanvasLike) => {
          const ctx = canvas.getContext('2d');
          if (!ctx) return 0;
          const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set<number>();
          for (let i = 0; i < d.length; i += 16) seen.add(((d[i] ?? 0) << 16) | ((d[i + 1] ?? 0) << 8) | (d[i + 2] ?? 0));
          return seen.size;
        });
        assert.ok(colours > 3, `the first chart has lines on it (${colours} colours)`);

        await page.screenshot({ path: path.join(ARTIFACTS, `report-${c.name}.png`), fullPage: true });

        assert.deepEqual(v.pageErrors, [], 'no page error');
        assert.deepEqual(v.consoleErrors, [], 'no console error or warning');
        assert.deepEqual(v.blocked, [], 'the page attempted no request outside its file');
        assert.ok(v.requested.every((u) => u.startsWith('file:')), v.requested.join(', '));
      } finally {
        await page.close();
      }
    });
  }

  test('the history page (npm run history): one chart per series over the runs, the change point marked, offline', async () => {
    // 24 nightly runs, the validation 35 % slower from the 17th, one INVALID night that is recorded but not charted.
    const records = steppedHistory({ environment: 'ci', profile: 'ci-1k', before: 40, after: 54, figures: (i) => ({ 'luneo_embed_token_ms.p95': 20 * (1 + 0.03 * Math.cos(i)) }) });
    const htmlPath = path.join(tmp, 'history.html');
    writeFileSync(htmlPath, historyPage(records, 'results/history'));
    const page = await chromium.context.newPage();
    try {
      const v = await visit(page, htmlPath);
      assert.equal(await page.getAttribute('html', 'data-charts-drawn'), '3', 'a chart per series');
      const legends = await page.$$eval('.plot', (els: ElementLike[]) => els.map((el) => el.querySelectorAll('.u-legend .u-series').length));
      assert.ok(legends.includes(4), `the validation chart has run, level and change point (${legends})`);
      const changes = (await page.locator('section table').first().textContent()) ?? '';
      assert.ok(changes.includes('nonce validation p95') && /\+3\d\.\d %/.test(changes), changes);
      await page.screenshot({ path: path.join(ARTIFACTS, 'history.png'), fullPage: true });
      assert.deepEqual([...v.pageErrors, ...v.consoleErrors, ...v.blocked], []);
    } finally {
      await page.close();
    }
  });

  test('a narrow window: the charts follow its width', async () => {
    const resultsPath = path.join(tmp, 'narrow', 'load-test-results.json');
    mkdirSync(path.dirname(resultsPath), { recursive: true });
    cpSync(path.join(FIXTURES, 'load-test-results.json'), resultsPath);
    const loaded = readResultsFile(resultsPath);
    const { html } = writeReports(loaded.results, resultsPath, { env: {} });
    const page = await chromium.context.newPage();
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      const v = await visit(page, html);
      await page.setViewportSize({ width: 420, height: 900 });
      await page.waitForFunction(() => {
        const c = document.querySelector('.plot canvas');
        return c !== null && c.getBoundingClientRect().width <= 420;
      }, undefined, { timeout: 5_000 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
      assert.deepEqual([...v.pageErrors, ...v.consoleErrors, ...v.blocked], []);
    } finally {
      await page.close();
    }
  });
});
