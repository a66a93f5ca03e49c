/**
 * The README's capacity section, made from the bench's output and nothing
 * else: `npm run bench:readme` keeps the headline figures of a bench run in
 * bench/summary.json (committed) and writes the section from them between
 * two markers. A test renders the section again from the summary and
 * compares, so that a figure edited by hand in the README fails the suite.
 */
import type { BenchReport, ProdEstimate } from './report.ts';
import { CAP_HEAD, capacityRows } from './report.ts';
import { type HeadlineKey, type Spread, spreadText } from './spread.ts';

export const BEGIN = '<!-- capacity: made by `npm run bench:readme` from bench/summary.json; edit neither by hand -->';
export const END = '<!-- /capacity -->';

/** What the section is made from: the run, its spread over rounds, the capacity plan. */
export interface BenchSummary {
  generatedAt: string;
  command: string;
  machine: { cpus: number; node: string; artilleryWorkers: number };
  aims: BenchReport['aims'];
  spread?: { rounds: number; figures: Spread[] };
  prodOnOneMachine?: ProdEstimate;
  capacity?: BenchReport['capacity'];
  capacityBasis?: string;
}

export function summaryOf(r: BenchReport): BenchSummary {
  const s: BenchSummary = {
    generatedAt: r.generatedAt,
    command: r.command,
    machine: { cpus: r.machine.cpus, node: r.machine.node, artilleryWorkers: r.machine.artilleryWorkers },
    aims: r.aims,
  };
  if (r.spread) s.spread = r.spread;
  if (r.prodOnOneMachine) s.prodOnOneMachine = r.prodOnOneMachine;
  if (r.capacity) s.capacity = r.capacity;
  if (r.capacityBasis) s.capacityBasis = r.capacityBasis;
  return s;
}

const find = (s: BenchSummary, key: HeadlineKey) => s.spread?.figures.find((f) => f.key === key);
/** median (range); how many rounds when a round's figure was left out (its run had a problem). */
function cellOf(rounds: number) {
  return (f: Spread | undefined) => (!f ? '–' : f.values.length < rounds ? spreadText(f).replace(/, (\d+) runs?\)$/, `, $1 of ${rounds} rounds)`) : spreadText(f).replace(/, \d+ runs?\)$/, ')'));
}

/** The aim against the median, or by how much the median misses it. */
function verdictOn(f: Spread | undefined, aim: number, unit: string): string {
  if (f?.median === undefined) return 'not measured';
  if (f.median <= aim) return `met (median ${f.median.toFixed(2)}${unit})`;
  return `missed by ${Math.round((f.median / aim - 1) * 100)} % (median ${f.median.toFixed(2)}${unit})`;
}

export function renderCapacitySection(s: BenchSummary): string {
  const rounds = s.spread?.rounds ?? 1;
  const cell = cellOf(rounds);
  const lines = [
    BEGIN,
    `From \`${s.command}\` on ${s.generatedAt.slice(0, 10)} (${s.machine.cpus} vCPUs, Node ${s.machine.node}, ${s.machine.artilleryWorkers} Artillery worker): median (lowest–highest) over ${rounds} round${rounds === 1 ? '' : 's'}. CPU per 1,000 requests of the whole process; the raw undici loop is the floor for a Node generator ([bench/README.md](bench/README.md)).`,
    '',
    '| CPU per 1,000 requests | luneo engine | stock HTTP engine | raw undici loop | luneo ÷ raw (aim ≤ ' + s.aims.vsRawMax + ') | stock ÷ raw |',
    '|---|---|---|---|---|---|',
    `| saturated (120 users, no pauses) | ${cell(find(s, 'satLuneo'))} | ${cell(find(s, 'satStock'))} | ${cell(find(s, 'satRaw'))} | ${cell(find(s, 'satLuneoVsRaw'))} | ${cell(find(s, 'satStockVsRaw'))} |`,
    `| one worker's prod share (3,334 visitors, prod pauses) | ${cell(find(s, 'shareLuneo'))} | ${cell(find(s, 'shareStock'))} | ${cell(find(s, 'shareRaw'))} | ${cell(find(s, 'shareLuneoVsRaw'))} | ${cell(find(s, 'shareStockVsRaw'))} |`,
    '',
  ];
  const pass = find(s, 'sharePass');
  const stockPass = find(s, 'shareStockPass');
  const worker = find(s, 'shareWorkerCores');
  const onMachine = find(s, 'prodPerWorker');
  lines.push(`- **luneo ÷ raw:** saturated ${verdictOn(find(s, 'satLuneoVsRaw'), s.aims.vsRawMax, '')}; at the prod share ${verdictOn(find(s, 'shareLuneoVsRaw'), s.aims.vsRawMax, '')}.`);
  if (worker || pass) lines.push(`- **One worker at its prod share:** worker thread ${cell(worker)}, ${cell(find(s, 'shareRate'))}; the generator check: PASS in ${pass ? spreadText(pass) : '–'} rounds (the stock engine: ${stockPass ? spreadText(stockPass) : '–'}).`);
  if (onMachine?.median !== undefined) {
    const aim = s.aims.prodWorkerShareMax * 100;
    const fits = onMachine.max !== undefined && onMachine.max < aim;
    lines.push(
      `- **The prod embed profile (10,000 visitors) on one 4-vCPU machine or Fargate task, 3 workers:** ${cell(onMachine)} of a core per worker, aim < ${aim} %: ${fits ? 'fits in every round' : onMachine.median < aim ? 'fits at the median, not in every round' : `misses by ${Math.round(onMachine.median - aim)} points at the median`}.`,
    );
  }
  const memBusy = find(s, 'memoryThinkingBusy');
  const kb = find(s, 'memoryKbPerUser');
  if (kb) lines.push(`- **Memory:** ${cell(kb)} per thinking user; with 5,000 users arrived at 40 a second and thinking, the worker is busy ${cell(memBusy)} of its time, its thread at ${cell(find(s, 'memoryThinkingCores'))}.`);
  if (s.capacity && s.capacity.length > 0) {
    lines.push('', `Capacity plan from the last round (each worker below 60 % of its core; ${s.capacityBasis ?? ''}):`, '', `| ${CAP_HEAD.join(' | ')} |`, `|${CAP_HEAD.map(() => '---').join('|')}|`, ...capacityRows(s).map((r) => `| ${r.join(' | ')} |`));
  }
  lines.push(END);
  return lines.join('\n');
}

/** The README with its capacity section replaced; an error when the markers are missing. */
export function withSection(readme: string, section: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`the README has no capacity section between "${BEGIN}" and "${END}"`);
  return readme.slice(0, a) + section + readme.slice(b + END.length);
}

/** The section as it stands in the README, or undefined. */
export function sectionIn(readme: string): string | undefined {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  return a < 0 || b < a ? undefined : readme.slice(a, b + END.length);
}
