/**
 * The README and docs/ link to each other and to the code: every relative
 * link must reach a file that exists and, with #anchor, a heading in it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PAGES = ['README.md', 'bench/README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6} (.+)$/gm)) out.add((m[1] as string).toLowerCase().replace(/[^a-z0-9 _-]/g, '').trim().replace(/ /g, '-'));
  return out;
}

test('every relative link of the README, bench/README.md and docs/ reaches its file and heading', () => {
  let links = 0;
  for (const page of PAGES) {
    const text = readFileSync(path.join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/.test(target)) continue;
      links++;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), file);
      assert.ok(existsSync(resolved), `${page}: ${target} → no such file`);
      if (anchor) assert.ok(anchors(readFileSync(resolved, 'utf8')).has(anchor), `${page}: ${target} → no heading #${anchor}`);
    }
  }
  assert.ok(links > 20, `links checked: ${links}`);
});

test('the README stays short: under 250 lines, the reference in docs/', () => {
  const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length;
  assert.ok(lines < 250, `README.md has ${lines} lines`);
});
