/**
 * A copy of environments/ with settings deep-merged into `local.yml`, for
 * LUNEO_ENVIRONMENTS_DIR: tests and benchmarks shorten pauses or deadlines
 * without touching the real files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Each argument is a YAML text merged into local.yml, in order; returns the new directory. */
export function environmentsWith(...localExtras: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-env-'));
  for (const name of ['local', 'ci', 'staging', 'prod']) {
    let doc = parseYaml(readFileSync(path.join(ROOT, 'environments', `${name}.yml`), 'utf8')) as Record<string, unknown>;
    if (name === 'local') for (const extra of localExtras) doc = deepMerge(doc, (parseYaml(extra) ?? {}) as Record<string, unknown>);
    writeFileSync(path.join(dir, `${name}.yml`), stringifyYaml(doc));
  }
  return dir;
}
