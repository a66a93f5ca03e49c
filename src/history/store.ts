/**
 * The history on disk: a directory with one JSON file per run, no service.
 * Locally `<results dir>/history/` (LUNEO_HISTORY_DIR chooses another,
 * `off` none); the nightly workflow keeps it on a branch of the repository
 * (`load-test-history`), so it outlives artefact expiry, and a new run adds
 * one file: histories merge without conflicts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HISTORY_SCHEMA, type HistoryRecord } from './record.ts';
import type { Env } from '../config/env.ts';


export const HISTORY_VARIABLE = 'LUNEO_HISTORY_DIR';

/** The history directory a run uses (by default `history/` in its results directory), or undefined where it is switched off. */
export function historyDir(resultsDir: string, env: Env = process.env): string | undefined {
  const set = env[HISTORY_VARIABLE]?.trim();
  if (set?.toLowerCase() === 'off') return undefined;
  return path.resolve(set || path.join(resultsDir, 'history'));
}

function isRecord(x: unknown): x is HistoryRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return r.schema === HISTORY_SCHEMA && typeof r.id === 'string' && typeof r.at === 'string' && typeof r.scenario === 'string' && typeof r.environment === 'string' && typeof r.profile === 'string' && typeof r.valid === 'boolean' && typeof r.figures === 'object' && r.figures !== null;
}

export interface LoadedHistory {
  records: HistoryRecord[];
  /** files that are not history records: named, never silently dropped */
  skipped: string[];
}

/** Every record in the directory, oldest first; a missing directory is an empty history. */
export function readHistory(dir: string): LoadedHistory {
  const out: LoadedHistory = { records: [], skipped: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const name of names) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
      if (isRecord(parsed)) out.records.push(parsed);
      else out.skipped.push(`${name}: not a history record (schema ${HISTORY_SCHEMA})`);
    } catch (err) {
      out.skipped.push(`${name}: ${(err as Error).message}`);
    }
  }
  out.records.sort((a, b) => a.at.localeCompare(b.at));
  return out;
}

/** Writes the record as a file of its own, named so that a listing reads in time order; returns its path. */
export function appendRecord(dir: string, rec: HistoryRecord): string {
  mkdirSync(dir, { recursive: true });
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const file = path.join(dir, `${safe(rec.id)}-${safe(rec.scenario)}-${safe(rec.environment)}.json`);
  writeFileSync(file, `${JSON.stringify(rec, null, 2)}\n`);
  return file;
}

/** The commit that ran: the CI's (GITHUB_SHA), the operator's (LUNEO_COMMIT), or this checkout's HEAD. */
export function currentCommit(env: Env = process.env, cwd = process.cwd()): string | undefined {
  const given = env.GITHUB_SHA?.trim() || env.LUNEO_COMMIT?.trim();
  if (given) return given;
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', timeout: 5000 });
  const sha = git.status === 0 ? git.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}
