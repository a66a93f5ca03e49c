/**
 * The end of a run with a history: tonight's figures judged against every
 * valid run before them (gate.ts), the finding folded into the verdict
 * (a pass that regressed is REGRESSED, exit 5), and the run appended, valid
 * or not. An INVALID or aborted run is recorded as such, never judged and
 * never used as a reference: its figures measure the generator or the
 * limiter, not the target.
 */
import path from 'node:path';
import { SCENARIOS } from '../load/profiles.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { rejudge } from '../verdict/summary.ts';
import { describeChange, fmtLevel, fmtSpread, type GateResult, judgeHistory, RUNS_NEEDED } from './gate.ts';
import { recordOf } from './record.ts';
import { seriesSpec } from './series.ts';
import { appendRecord, currentCommit, historyDir, readHistory } from './store.ts';
import type { Env } from '../config/env.ts';


export interface HistorySection extends GateResult {
  /** the history directory, relative to the working directory */
  dir: string;
  /** the file this run was recorded in */
  recordedAs: string;
  /** tonight's run was judged (valid, with enough history for at least one series) */
  judged: boolean;
  /** history files that could not be read */
  skipped: string[];
}

export function judgeRun(results: ResultsFile, resultsDir: string, env: Env = process.env, now: Date = new Date()): ResultsFile {
  const dir = historyDir(resultsDir, env);
  // The contract check walks each route once: it has no figures to keep.
  if (dir === undefined || !(SCENARIOS as readonly string[]).includes(results.luneo.scenario)) return results;
  const loaded = readHistory(dir);
  const commit = currentCommit(env);
  const rec = recordOf(results, commit ? { commit, at: now } : { at: now });
  const gate: GateResult = rec.valid ? judgeHistory(loaded.records, rec) : { reference: 0, runsNeeded: RUNS_NEEDED, regressions: [], improvements: [], spreads: [] };
  const verdict = rejudge(results.luneo, { historyRegressions: gate.regressions.map(describeChange) });
  rec.verdict = verdict.kind;
  const file = appendRecord(dir, rec);
  const history: HistorySection = {
    ...gate,
    dir: path.relative(process.cwd(), dir) || '.',
    recordedAs: path.basename(file),
    judged: rec.valid && gate.reference + 1 >= gate.runsNeeded,
    skipped: loaded.skipped,
  };
  return { ...results, luneo: { ...results.luneo, verdict, history } };
}

/** The verdict table's lines for the history. */
export function historyLines(h: HistorySection): string[] {
  const where = `${h.reference} earlier valid run${h.reference === 1 ? '' : 's'} in ${h.dir}`;
  const lines: string[] = [];
  if (!h.judged) {
    lines.push(`  history: ${where}; the gate judges from ${h.runsNeeded} runs on (this run recorded as ${h.recordedAs})`);
  } else if (h.regressions.length === 0) {
    lines.push(`  history: judged against ${where}: no change for the worse${h.improvements.length ? `; better: ${h.improvements.map((c) => c.label).join(', ')}` : ''}`);
  } else {
    lines.push(`  history: judged against ${where}: ${h.regressions.length} change${h.regressions.length === 1 ? '' : 's'} for the worse`);
  }
  for (const c of h.improvements) lines.push(`    better: ${describeChange(c)}`);
  for (const s of h.skipped) lines.push(`    skipped history file ${s}`);
  return lines;
}

export interface HistoryRow {
  series: string;
  gated: boolean;
  level: string;
  spread: string;
  runs: number;
  /** 'worse: …', 'better: …', or '' */
  change: string;
}

/** The report's table of the history: each series' current level, its run-to-run spread, and tonight's change if any. */
export function historyRows(h: HistorySection): HistoryRow[] {
  return h.spreads.map((sp) => {
    const spec = seriesSpec(sp.key);
    const unit = spec?.unit ?? 'ms';
    const worse = h.regressions.find((r) => r.key === sp.key);
    const better = h.improvements.find((r) => r.key === sp.key);
    return {
      series: sp.label,
      gated: spec?.gated ?? false,
      level: fmtLevel(sp.level, unit),
      spread: fmtSpread(sp, unit),
      runs: sp.runs,
      change: worse ? `worse: ${describeChange(worse)}` : better ? `better: ${describeChange(better)}` : '',
    };
  });
}

/** The history in a sentence, for the reports' headings. */
export function historySentence(h: HistorySection): string {
  if (!h.judged) return `${h.reference + 1} valid run${h.reference === 0 ? '' : 's'} in ${h.dir} so far, this one included; the gate judges from ${h.runsNeeded} on. Spreads are over the runs so far.`;
  return `Judged against ${h.reference} earlier valid runs in ${h.dir}: ${h.regressions.length === 0 ? 'no change for the worse' : `${h.regressions.length} change${h.regressions.length === 1 ? '' : 's'} for the worse`}. Spread: run-to-run standard deviation of the current level (since its last change point).`;
}
