/**
 * docs/settings.md lists every environment variable and every environment-
 * file setting once, and the environment files state only what differs
 * from the code's defaults: both checked against the code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { settingKeys, settingsFrom } from '../../src/config/environments.ts';
import { isEnvironmentName } from '../../src/load/profiles.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DOC = readFileSync(path.join(ROOT, 'docs', 'settings.md'), 'utf8');
const CODE_DIRS = ['src', 'scripts', 'plugins', 'engines', 'processors'];

function sources(dir: string): string[] {
  return (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules') && !f.includes(`dist${path.sep}`))
    .map((f) => readFileSync(path.join(ROOT, dir, f), 'utf8'));
}

/** The variables the doc's first table lists (backticked names in its first column). */
function documentedVariables(): Set<string> {
  const table = DOC.slice(DOC.indexOf('## Environment variables'), DOC.indexOf('## Environment files'));
  const names = new Set<string>();
  for (const line of table.split('\n').filter((l) => l.startsWith('| `'))) {
    for (const m of (line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1] as string);
  }
  return names;
}

describe('docs/settings.md against the code', () => {
  test('every LUNEO_ variable the code names is documented, and every documented variable is read somewhere', () => {
    const code = CODE_DIRS.flatMap(sources).join('\n');
    const workflow = readFileSync(path.join(ROOT, '.github', 'workflows', 'load-test.yml'), 'utf8');
    const used = new Set([...code.matchAll(/\bLUNEO_[A-Z0-9_]+\b/g)].map((m) => m[0]));
    const documented = documentedVariables();
    for (const name of used) assert.ok(documented.has(name), `${name} is read by the code but not in docs/settings.md`);
    for (const name of documented) assert.ok(code.includes(name) || workflow.includes(name), `${name} is in docs/settings.md but nothing reads it`);
    for (const name of ['BASE_URL', 'WIDGET_URL', 'API_KEY', 'ARTILLERY_CLOUD_API_KEY', 'GITHUB_SHA']) assert.ok(documented.has(name), `${name} documented`);
  });

  test('every setting an environment file may hold is documented', () => {
    const table = DOC.slice(DOC.indexOf('## Environment files'));
    const { top, api } = settingKeys();
    assert.ok(top.length >= 8 && api.length >= 5 && top.includes('embed') && top.includes('render'), 'the code lists its keys, the flows\' sections among them');
    for (const key of top) assert.match(table, new RegExp(`\`${key}[\`.]`), `${key} documented`);
    for (const key of api) assert.match(table, new RegExp(`\`api\\.${key}[\`.]`), `api.${key} documented`);
    for (const key of ['embed.iframeDelayMs', 'embed.viewMs', 'render.mix', 'render.thinkMs', 'render.poll', 'rateLimit']) assert.ok(table.includes(`\`${key}\``), `${key} documented`);
  });
});

/** Every leaf of a parsed YAML mapping, as a path. */
function leaves(v: unknown, at: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [at];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
}

function without(doc: Record<string, unknown>, leaf: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(doc);
  let node: Record<string, unknown> = copy;
  for (const k of leaf.slice(0, -1)) node = node[k] as Record<string, unknown>;
  delete node[leaf.at(-1) as string];
  return copy;
}

describe('environment files', () => {
  const files = readdirSync(path.join(ROOT, 'environments')).filter((f) => f.endsWith('.yml'));
  for (const file of files) {
    test(`${file} states only what differs from the code's defaults`, () => {
      const name = file.replace(/\.yml$/, '');
      assert.ok(isEnvironmentName(name));
      const doc = parseYaml(readFileSync(path.join(ROOT, 'environments', file), 'utf8')) as Record<string, unknown>;
      const full = settingsFrom(name, doc, {}, file);
      // A setting whose removal changes nothing repeats a default: a default changed in code would not reach this file.
      for (const leaf of leaves(doc)) {
        if (['description', 'BASE_URL', 'WIDGET_URL', 'DIALECT'].includes(leaf[0] as string)) continue;
        assert.notDeepEqual(settingsFrom(name, without(doc, leaf), {}, file), full, `${file}: ${leaf.join('.')} repeats the code's default`);
      }
    });
  }
});
