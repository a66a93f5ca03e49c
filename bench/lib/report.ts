/**
 * The bench's figures as a console table and as Markdown, the issue's aims
 * beside them. Both are made from the same rows so they never disagree.
 */
import type { CapacityRow, FargateTask, Limits } from './capacity.ts';
import { type Spread, spreadText } from './spread.ts';
import type { CpuFigures, MaxFigures, MemoryFigures, RunRecord, SandboxFigures, ShareComparison, ShareFigures } from './measurements.ts';
import type { BenchPlan } from './plan.ts';
import { evaluationHead, evaluationRows, evaluationSummary, type GateEvaluation } from './change-point-eval.ts';
import { OBSERVE_COST_HEAD, observeCostRows, type ObserveCostFigures } from './observe-cost.ts';
import { ARRIVALS_COST_HEAD, arrivalsCostRows, type ArrivalsCostFigures } from './arrivals-cost.ts';

export interface BenchReport {
  generatedAt: string;
  command: string;
  plan: BenchPlan;
  machine: { cpus: number; loadAverageAtStart: number[]; node: string; artilleryWorkers: number; artilleryWorkerRule: string };
  durationSeconds: number;
  aims: { cpuSaturatedMsMax: number; kbPerUserMax: number; sandboxRatioMin: number; prodWorkerShareMax: number; vsRawMax: number };
  limits: Limits;
  fargateTask: FargateTask;
  cpu?: CpuFigures;
  max?: MaxFigures;
  memory?: MemoryFigures;
  sandbox?: SandboxFigures;
  /** the regression gate's evaluation on synthetic histories */
  gate?: GateEvaluation;
  /** the server view's own cost per source */
  observe?: ObserveCostFigures;
  /** the arrival timer's CPU, Artillery's against the package's */
  arrivals?: ArrivalsCostFigures;
  share?: ShareComparison;
  /** BENCH_REPEAT=N: the headline figures over the N rounds */
  spread?: { rounds: number; figures: Spread[] };
  capacity?: CapacityRow[];
  /** which worker cost the capacity rows rest on */
  capacityBasis?: string;
  /** the prod embed profile on one 4-vCPU machine (3 workers): each worker's share of a core */
  prodOnOneMachine?: ProdEstimate;
  errors: string[];
}

export interface ProdEstimate {
  visitors: number;
  requestsPerSecond: number;
  workers: number;
  /** one worker's cores (worker thread) at its share: measured by the share run, else on the line through the measured points */
  workerCores?: number;
  measured?: boolean;
  basis?: string;
  memoryMb?: number;
}

interface Row {
  figure: string;
  luneo: string;
  stock: string;
  raw: string;
  vsStock: string;
  vsRaw: string;
  aim: string;
  status: string;
}

const int = (n: number | undefined, unit = '') => (n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n).toLocaleString('en-US')}${unit}`);
const dec = (n: number | undefined, digits = 2, unit = '') => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(digits)}${unit}`);
const over = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

function aimStatus(measured: number | undefined, ok: (x: number) => boolean, usable: boolean): string {
  if (measured === undefined) return 'not measured';
  const verdict = ok(measured) ? 'met' : 'NOT met';
  return usable ? verdict : `${verdict} (run had problems)`;
}

const blank = { luneo: '', stock: '', raw: '', vsStock: '', vsRaw: '', aim: '', status: '' };

function rows(r: BenchReport): Row[] {
  const out: Row[] = [];
  // Quick-plan figures rest on a few seconds of load: good for testing the bench, not for judging the aims.
  const rough = r.plan.name === 'quick' ? ' (quick plan: rough)' : '';
  const status = (measured: number | undefined, ok: (x: number) => boolean, usable: boolean): string => aimStatus(measured, ok, usable) + (measured === undefined ? '' : rough);
  const c = r.cpu;
  if (c) {
    const usable = c.package.usable && c.stock.usable && (c.raw?.usable ?? false);
    out.push({
      figure: `CPU per 1,000 requests, moderate rate (marginal)`,
      luneo: int(c.package.marginal?.cpuMsPer1000, ' ms'),
      stock: int(c.stock.marginal?.cpuMsPer1000, ' ms'),
      raw: int(c.raw?.cpuMsPer1000, ' ms'),
      vsStock: dec(c.vsStock),
      vsRaw: dec(c.vsRaw),
      aim: '',
      status: usable ? 'measured' : 'run had problems',
    });
    out.push({
      ...blank,
      figure: '  cross-check: CPU over steady 10-s periods',
      luneo: c.package.steady ? `${int(c.package.steady.cpuMsPer1000, ' ms')} (${c.package.steady.periods} periods)` : '–',
      stock: c.stock.steady ? `${int(c.stock.steady.cpuMsPer1000, ' ms')} (${c.stock.steady.periods} periods)` : '–',
      vsStock: dec(over(c.package.steady?.cpuMsPer1000, c.stock.steady?.cpuMsPer1000)),
    });
    out.push({ ...blank, figure: '  start-up cost per run (cancelled out)', luneo: dec(c.package.marginal?.fixedCpuSeconds, 1, ' s CPU'), stock: dec(c.stock.marginal?.fixedCpuSeconds, 1, ' s CPU') });
    out.push({ ...blank, figure: '  request rate while measured', luneo: int(c.package.requestsPerSecond, ' req/s'), stock: int(c.stock.requestsPerSecond, ' req/s'), raw: int(c.raw?.requestsPerSecond, ' req/s') });
    const longRun = (f: CpuFigures['package']) => f.runs[f.runs.length - 1];
    const cores = (x: RunRecord | undefined) => (x ? `${dec(x.cores.workerThread)} / ${dec(x.cores.generator)}` : '–');
    out.push({ ...blank, figure: '  cores at that rate: worker thread / Artillery', luneo: cores(longRun(c.package)), stock: cores(longRun(c.stock)) });
  }
  const m = r.max;
  if (m) {
    const usable = m.package.usable && m.stock.usable;
    out.push({
      figure: 'CPU per 1,000 requests, saturated',
      luneo: int(m.package.cpuMsPer1000, ' ms'),
      stock: int(m.stock.cpuMsPer1000, ' ms'),
      raw: int(m.raw?.cpuMsPer1000, ' ms'),
      vsStock: dec(m.cpuVsStock),
      vsRaw: dec(m.cpuVsRaw),
      aim: `≤ ${r.aims.cpuSaturatedMsMax} ms`,
      status: status(m.package.cpuMsPer1000, (x) => x <= r.aims.cpuSaturatedMsMax, usable),
    });
    out.push({
      figure: 'max sustained rate, one worker (over elapsed time)',
      luneo: int(m.package.requestsPerSecond, ' req/s'),
      stock: int(m.stock.requestsPerSecond, ' req/s'),
      raw: int(m.raw?.requestsPerSecond, ' req/s'),
      vsStock: dec(m.rateVsStock),
      vsRaw: dec(m.rateVsRaw),
      aim: '',
      status: usable ? 'measured' : 'run had problems',
    });
    out.push({ ...blank, figure: '  luneo engine ÷ raw undici loop, CPU per request', vsRaw: dec(m.cpuVsRaw), aim: `≤ ${r.aims.vsRawMax}`, status: status(m.cpuVsRaw, (x) => x <= r.aims.vsRawMax, usable && (m.raw?.usable ?? false)) });
    out.push({ ...blank, figure: '  best 10-s period', luneo: int(m.package.bestPeriodRate, ' req/s'), stock: int(m.stock.bestPeriodRate, ' req/s') });
    const users = (f: MaxFigures['package']) => (f.plannedUsers !== undefined ? `${int(f.createdUsers)} of ${int(f.plannedUsers)}` : '–');
    out.push({ ...blank, figure: '  users created of planned', luneo: users(m.package), stock: users(m.stock), raw: m.raw ? `${m.raw.lanes} lanes` : '–' });
    out.push({ ...blank, figure: '  generator verdict (luneo plugin)', luneo: m.package.run.verdict ?? '–', stock: m.stock.run.verdict ?? '–', aim: 'saturated runs flagged' });
    const cores = (x: RunRecord) => `${dec(x.cores.workerThread)} / ${dec(x.cores.generator)} / ${dec(x.cores.sandbox)} / ${dec(x.cores.others)}`;
    out.push({ ...blank, figure: '  cores: worker thread / Artillery / sandbox / others', luneo: cores(m.package.run), stock: cores(m.stock.run), raw: m.raw ? `sandbox ${dec(m.raw.sandboxCores)}` : '–', aim: 'worker ≈ 1' });
    out.push({ ...blank, figure: '  requests counted by the sandbox / by the generator', luneo: `${int(m.package.run.sandboxCounted)} / ${int(m.package.run.requests)}`, stock: `${int(m.stock.run.sandboxCounted)} / ${int(m.stock.run.requests)}`, raw: m.raw ? `${int(m.raw.sandboxCounted)} (with warm-up) / ${int(m.raw.requests)}` : '–' });
  }
  const mem = r.memory;
  if (mem) {
    out.push({
      ...blank,
      figure: 'memory per concurrent thinking user',
      luneo: dec(mem.kbPerUser, 1, ' KB'),
      stock: 'not measured here',
      aim: `≤ ${r.aims.kbPerUserMax} KB`,
      status: status(mem.kbPerUser, (x) => x <= r.aims.kbPerUserMax, mem.usable),
    });
    const hold = (h: MemoryFigures['low']) => `${int(h.users)} users (${int(h.usersAlive)} alive, ${int(h.requestsPerSecond)} req/s): ${dec(h.rssKb !== undefined ? h.rssKb / 1024 : undefined, 0, ' MB')}`;
    out.push({ ...blank, figure: '  RSS during the holds', luneo: `${hold(mem.low)}; ${hold(mem.high)}` });
    out.push({ ...blank, figure: '  RSS at no users (extrapolated)', luneo: dec(mem.baseRssMb, 0, ' MB') });
    const worker = (h: MemoryFigures['low']) => `${int(h.users)} users: ${dec(h.workerCores)} cores, busy ${dec(h.busyPercent, 0, ' %')}`;
    out.push({ ...blank, figure: '  worker thread while the users think (cores, busy typical)', luneo: `${worker(mem.low)}; ${worker(mem.high)}`, aim: 'not busy' });
  }
  const e = r.prodOnOneMachine;
  if (e) {
    out.push({
      ...blank,
      figure: `prod embed profile on one 4-vCPU machine: ${int(e.visitors)} visitors, ${int(e.requestsPerSecond)} req/s, ${e.workers} workers`,
      luneo: `${dec(e.workerCores !== undefined ? e.workerCores * 100 : undefined, 0, ' %')} of a core per worker${e.memoryMb !== undefined ? `, ${int(e.memoryMb, ' MB')}` : ''}`,
      aim: `< ${r.aims.prodWorkerShareMax * 100} %`,
      status: status(e.workerCores, (x) => x < r.aims.prodWorkerShareMax, true),
    });
    if (e.basis) out.push({ ...blank, figure: e.measured ? '  measured as' : '  estimated as', luneo: e.basis });
  }
  const sh = r.share;
  if (sh) {
    const usable = sh.usable && (sh.stock?.usable ?? false) && (sh.raw?.usable ?? false);
    const verdict = (f: ShareFigures | undefined) => f?.run.verdict ?? '–';
    out.push({
      figure: `one worker at its prod share: ${int(sh.users)} visitors, prod page pauses: CPU per 1,000 requests (whole process)`,
      luneo: int(sh.processCpuMsPer1000, ' ms'),
      stock: int(sh.stock?.processCpuMsPer1000, ' ms'),
      raw: int(sh.raw?.cpuMsPer1000, ' ms'),
      vsStock: dec(sh.vsStock),
      vsRaw: dec(sh.vsRaw),
      aim: `÷ raw ≤ ${r.aims.vsRawMax}`,
      status: status(sh.vsRaw, (x) => x <= r.aims.vsRawMax, usable),
    });
    out.push({ ...blank, figure: '  request rate while measured', luneo: int(sh.requestsPerSecond, ' req/s'), stock: int(sh.stock?.requestsPerSecond, ' req/s'), raw: int(sh.raw?.requestsPerSecond, ' req/s') });
    out.push({ ...blank, figure: '  cores: worker thread / Artillery', luneo: `${dec(sh.workerCores)} / ${dec(sh.processCores)}`, stock: `${dec(sh.stock?.workerCores)} / ${dec(sh.stock?.processCores)}`, raw: dec((sh.raw?.cpuMsPer1000 ?? NaN) * (sh.raw?.requestsPerSecond ?? NaN) / 1e6) });
    out.push({
      ...blank,
      figure: '  busy typical / worst saturated in 20 s / generator verdict',
      luneo: `${dec(sh.busyShare !== undefined ? sh.busyShare * 100 : undefined, 0, ' %')} / ${dec(sh.saturatedInWindowS, 0, ' s')} / ${verdict(sh)}`,
      stock: sh.stock ? `${dec(sh.stock.busyShare !== undefined ? sh.stock.busyShare * 100 : undefined, 0, ' %')} / ${dec(sh.stock.saturatedInWindowS, 0, ' s')} / ${verdict(sh.stock)}` : '–',
      aim: 'luneo: pass',
      status: sh.run.verdict === undefined ? 'not measured' : sh.run.verdict === 'pass' ? `met${rough}` : `NOT met${rough}`,
    });
  }
  const s = r.sandbox;
  if (s) {
    out.push({
      ...blank,
      figure: 'sandbox capacity / luneo engine max, one worker',
      luneo: `${int(s.requestsPerSecond, ' req/s')} / ${int(s.packageMaxRate, ' req/s')}`,
      vsStock: dec(s.ratio, 1),
      aim: `≥ ${r.aims.sandboxRatioMin}`,
      status: `${status(s.ratio, (x) => x >= r.aims.sandboxRatioMin, s.usable)}${s.lowerBound ? ' (lower bound)' : ''}`,
    });
    out.push({ ...blank, figure: '  cores: sandbox / client / others', luneo: `${dec(s.sandboxCores)} / ${dec(s.clientCores)} / ${dec(s.othersCores)}` });
  }
  return out;
}

function allRuns(r: BenchReport): RunRecord[] {
  return [...(r.cpu?.package.runs ?? []), ...(r.cpu?.stock.runs ?? []), ...(r.max ? [r.max.package.run, r.max.stock.run] : []), ...(r.memory ? [r.memory.run] : []), ...(r.share ? [r.share.run, ...(r.share.stock ? [r.share.stock.run] : [])] : [])];
}

function problems(r: BenchReport): string[] {
  const out = [...r.errors];
  for (const f of [r.cpu?.package, r.cpu?.stock, r.cpu?.raw, r.max?.package, r.max?.stock, r.max?.raw, r.memory, r.sandbox, r.share, r.share?.stock, r.share?.raw]) {
    if (f) out.push(...f.problems);
  }
  return [...new Set(out)];
}

function otherLoad(r: BenchReport): number | undefined {
  const xs = [...allRuns(r).map((x) => x.cores.others), r.sandbox?.othersCores].filter((x): x is number => x !== undefined);
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function capacityRows(r: Pick<BenchReport, 'capacity'>): string[][] {
  return (r.capacity ?? []).map((c) => [
    `${c.profile}: ${int(c.concurrent)} ${c.unit}`,
    int(c.requestsPerSecond),
    dec(c.cpuCores, 1),
    `${c.local.workers} worker${c.local.workers === 1 ? '' : 's'}, ${c.local.vcpus} vCPUs, ${int(c.local.memoryMb)} MB`,
    `--count ${c.fargate.count} (${c.fargate.vcpus} vCPUs; ${dec(c.fargate.cpuPerWorker * 100, 0)} % per worker, ${int(c.fargate.memoryPerTaskMb)} MB per task${c.fargate.boundBy === 'memory' ? ', memory-bound' : ''})`,
  ]);
}

export const CAP_HEAD = ['profile', 'req/s', 'CPU cores', 'local (one machine)', `Fargate (${'task'} 4 vCPU / 8 GB, 3 workers each)`];

function workersLine(r: BenchReport): string {
  const m = r.max;
  const check =
    m?.usersOnOneWorker !== undefined
      ? `; checked: one worker held ${m.usersOnOneWorker} of the ${m.usersPlanned} users of the max run${m.usersOnOneWorker >= m.usersPlanned ? '' : ' (so there was more than one worker)'}`
      : '';
  return `${r.machine.artilleryWorkers} (${r.machine.artilleryWorkerRule})${check}`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
}

function table(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [pad(head, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((b) => pad(b, widths))];
}

const HEAD = ['figure', 'luneo engine', 'stock HTTP engine', 'raw undici loop', 'luneo ÷ stock', 'luneo ÷ raw', 'aim', 'status'];

export function renderText(r: BenchReport): string {
  const lines = ['', `Bench results (${r.plan.name} plan, ${dec(r.durationSeconds / 60, 1)} min, ${r.machine.cpus} vCPUs)`, `Artillery local workers: ${workersLine(r)}`, ''];
  lines.push(...table(HEAD, rows(r).map((x) => [x.figure, x.luneo, x.stock, x.raw, x.vsStock, x.vsRaw, x.aim, x.status])));
  if (r.capacity) {
    lines.push('', `Capacity planning (each worker below ${r.limits.maxWorkerCpuShare * 100} % of its core; ${r.capacityBasis ?? ''}):`);
    lines.push(...table(CAP_HEAD, capacityRows(r)));
  }
  if (r.spread) lines.push('', `Spread over ${r.spread.rounds} rounds (median, lowest–highest; the table above is the last round):`, ...table(['figure', 'median (range)'], r.spread.figures.map((f) => [f.figure, spreadText(f)])));
  if (r.gate) lines.push('', evaluationSummary(r.gate), ...table(evaluationHead(), evaluationRows(r.gate)));
  if (r.observe) lines.push('', `The server view's cost, each source alone at one sample per ${r.observe.intervalSeconds} s:`, ...table(OBSERVE_COST_HEAD, observeCostRows(r.observe)));
  if (r.arrivals) lines.push('', `The arrival timer's CPU during a ramp, each alone for ${r.arrivals.seconds} s per rate:`, ...table(ARRIVALS_COST_HEAD, arrivalsCostRows(r.arrivals)));
  const others = otherLoad(r);
  if (others !== undefined) lines.push('', `Other processes used ${others.toFixed(2)} cores on average during the runs${others > 0.2 ? ': the machine was shared, figures are noisier than on a quiet machine' : ''}.`);
  const p = problems(r);
  if (p.length > 0) lines.push('', 'Problems:', ...p.map((x) => `  - ${x}`));
  lines.push('', `Command: ${r.command}`);
  return lines.join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const md = (head: string[], body: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.map(esc).join(' | ')} |`)];
  const lines = [
    '# Generator bench',
    '',
    `Generated ${r.generatedAt} by \`${r.command}\` (${r.plan.name} plan, ${dec(r.durationSeconds / 60, 1)} min) on ${r.machine.cpus} vCPUs, Node ${r.machine.node}. Artillery local workers: ${workersLine(r)}. See bench/README.md for what each figure means.`,
    '',
    ...md(HEAD, rows(r).map((x) => [x.figure.trim().startsWith('cross') || x.figure.startsWith('  ') ? `↳ ${x.figure.trim()}` : x.figure, x.luneo, x.stock, x.raw, x.vsStock, x.vsRaw, x.aim, x.status])),
  ];
  if (r.capacity) {
    lines.push('', `## Capacity planning`, '', `Each worker kept below ${r.limits.maxWorkerCpuShare * 100} % of its core; Fargate tasks at Artillery's default size (${r.fargateTask.vcpu} vCPU, ${r.fargateTask.memoryMb} MB, ${r.fargateTask.workersPerTask} workers per task).`, '');
    lines.push(...md(CAP_HEAD, capacityRows(r)));
    if (r.capacityBasis) lines.push('', `CPU: ${r.capacityBasis}.`);
    lines.push('', ...(r.capacity ?? []).map((c) => `- ${c.profile}: ${c.basis}.`));
  }
  if (r.spread) lines.push('', `## Spread over ${r.spread.rounds} rounds`, '', 'Median (lowest–highest) of each headline figure over the rounds of this bench run; the tables above are the last round.', '', ...md(['figure', 'median (range)'], r.spread.figures.map((f) => [f.figure, spreadText(f)])));
  if (r.gate) lines.push('', '## Regression gate', '', evaluationSummary(r.gate), '', ...md(evaluationHead(), evaluationRows(r.gate)));
  if (r.arrivals) lines.push('', '## The arrival timer', '', `Artillery's uniform arrivals (nanotimer) against the package's SteadyArrivals, each alone for ${r.arrivals.seconds} s per rate, CPU of this process.`, '', ...md(ARRIVALS_COST_HEAD, arrivalsCostRows(r.arrivals)));
  if (r.observe) lines.push('', '## The server view\'s cost', '', `Each source alone at one sample per ${r.observe.intervalSeconds} s, against real PostgreSQL, Redis and Prometheus; queries counted by the target, CPU of the observing process.`, '', ...md(OBSERVE_COST_HEAD, observeCostRows(r.observe)));
  const others = otherLoad(r);
  if (others !== undefined) lines.push('', `Other processes used ${others.toFixed(2)} cores on average during the runs.`);
  const p = problems(r);
  if (p.length > 0) lines.push('', '## Problems', '', ...p.map((x) => `- ${x.replace(/\n/g, ' ')}`));
  return `${lines.join('\n')}\n`;
}
