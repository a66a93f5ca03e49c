/**
 * The bench's figures as a console table and as Markdown, the aims
 * beside them. Both are made from the same rows so they never disagree.
 */
import type { CapacityRow, FargateTask, Limits } from './capacity.ts';
import type { CpuFigures, MaxFigures, MemoryFigures, RunRecord, SandboxFigures } from './measurements.ts';
import type { BenchPlan } from './plan.ts';

export interface BenchReport {
  generatedAt: string;
  command: string;
  plan: BenchPlan;
  machine: { cpus: number; loadAverageAtStart: number[]; node: string; artilleryWorkers: number; artilleryWorkerRule: string };
  durationSeconds: number;
  aims: { cpuRatioMax: number; kbPerUserMax: number; sandboxRatioMin: number };
  limits: Limits;
  fargateTask: FargateTask;
  cpu?: CpuFigures;
  max?: MaxFigures;
  memory?: MemoryFigures;
  sandbox?: SandboxFigures;
  capacity?: CapacityRow[];
  errors: string[];
}

interface Row {
  figure: string;
  pkg: string;
  perVisit: string;
  ratio: string;
  aim: string;
  status: string;
}

const int = (n: number | undefined, unit = '') => (n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n).toLocaleString('en-US')}${unit}`);
const dec = (n: number | undefined, digits = 2, unit = '') => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(digits)}${unit}`);

function aimStatus(measured: number | undefined, ok: (x: number) => boolean, usable: boolean): string {
  if (measured === undefined) return 'not measured';
  const verdict = ok(measured) ? 'met' : 'NOT met';
  return usable ? verdict : `${verdict} (run had problems)`;
}

function rows(r: BenchReport): Row[] {
  const out: Row[] = [];
  // Quick-plan figures rest on a few seconds of load: good for testing the bench, not for judging the aims.
  const rough = r.plan.name === 'quick' ? ' (quick plan: rough)' : '';
  const status = (measured: number | undefined, ok: (x: number) => boolean, usable: boolean): string => aimStatus(measured, ok, usable) + (measured === undefined ? '' : rough);
  const c = r.cpu;
  if (c) {
    const usable = c.package.usable && c.perVisit.usable;
    out.push({
      figure: 'generator CPU per 1,000 requests (marginal)',
      pkg: int(c.package.marginal?.cpuMsPer1000, ' ms'),
      perVisit: int(c.perVisit.marginal?.cpuMsPer1000, ' ms'),
      ratio: dec(c.ratio),
      aim: `≤ ${dec(r.aims.cpuRatioMax)} (1/3)`,
      status: status(c.ratio, (x) => x <= r.aims.cpuRatioMax, usable),
    });
    const steadyRatio = c.package.steady && c.perVisit.steady ? c.package.steady.cpuMsPer1000 / c.perVisit.steady.cpuMsPer1000 : undefined;
    out.push({
      figure: '  cross-check: CPU over steady 10-s periods',
      pkg: c.package.steady ? `${int(c.package.steady.cpuMsPer1000, ' ms')} (${c.package.steady.periods} periods)` : '–',
      perVisit: c.perVisit.steady ? `${int(c.perVisit.steady.cpuMsPer1000, ' ms')} (${c.perVisit.steady.periods} periods)` : '–',
      ratio: dec(steadyRatio),
      aim: '',
      status: '',
    });
    out.push({
      figure: '  start-up cost per run (cancelled out)',
      pkg: dec(c.package.marginal?.fixedCpuSeconds, 1, ' s CPU'),
      perVisit: dec(c.perVisit.marginal?.fixedCpuSeconds, 1, ' s CPU'),
      ratio: '',
      aim: '',
      status: '',
    });
    out.push({
      figure: '  request rate while measured',
      pkg: int(c.package.requestsPerSecond, ' req/s'),
      perVisit: int(c.perVisit.requestsPerSecond, ' req/s'),
      ratio: '',
      aim: '',
      status: '',
    });
    const longRun = (f: CpuFigures['package']) => f.runs[f.runs.length - 1];
    const cores = (x: RunRecord | undefined) => (x ? `${dec(x.cores.workerThread)} / ${dec(x.cores.generator)}` : '–');
    out.push({ figure: '  cores at that rate: worker thread / Artillery', pkg: cores(longRun(c.package)), perVisit: cores(longRun(c.perVisit)), ratio: '', aim: '', status: '' });
  }
  const m = r.max;
  if (m) {
    out.push({
      figure: `max sustained rate, one worker (over elapsed time)`,
      pkg: int(m.package.requestsPerSecond, ' req/s'),
      perVisit: int(m.perVisit.requestsPerSecond, ' req/s'),
      ratio: dec(m.ratio),
      aim: '–',
      status: m.package.usable && m.perVisit.usable ? 'measured' : 'run had problems',
    });
    out.push({
      figure: '  best 10-s period',
      pkg: int(m.package.bestPeriodRate, ' req/s'),
      perVisit: int(m.perVisit.bestPeriodRate, ' req/s'),
      ratio: '',
      aim: '',
      status: '',
    });
    const stretch = (f: MaxFigures['package']) =>
      f.stretch ? `${dec(f.stretch.stretch)}× (${dec(f.stretch.tookSeconds, 1)} s of ${dec(f.stretch.setSeconds, 0)} s)` : '–';
    out.push({ figure: '  arrival phases: time taken / set', pkg: stretch(m.package), perVisit: stretch(m.perVisit), ratio: '', aim: '', status: '' });
    const users = (f: MaxFigures['package']) => (f.plannedUsers !== undefined ? `${int(f.createdUsers)} of ${int(f.plannedUsers)}` : '–');
    out.push({ figure: '  users created of planned', pkg: users(m.package), perVisit: users(m.perVisit), ratio: '', aim: '', status: '' });
    out.push({
      figure: '  generator verdict (luneo plugin)',
      pkg: m.package.run.verdict ?? '–',
      perVisit: m.perVisit.run.verdict ?? '–',
      ratio: '',
      aim: 'saturated runs flagged',
      status: '',
    });
    const cores = (x: RunRecord) => `${dec(x.cores.workerThread)} / ${dec(x.cores.generator)} / ${dec(x.cores.sandbox)} / ${dec(x.cores.others)}`;
    out.push({ figure: '  cores: worker thread / Artillery / sandbox / others', pkg: cores(m.package.run), perVisit: cores(m.perVisit.run), ratio: '', aim: 'worker ≈ 1', status: '' });
    out.push({
      figure: '  CPU per 1,000 requests when saturated',
      pkg: int(m.package.cpuMsPer1000, ' ms'),
      perVisit: int(m.perVisit.cpuMsPer1000, ' ms'),
      ratio: dec(m.package.cpuMsPer1000 !== undefined && m.perVisit.cpuMsPer1000 !== undefined ? m.package.cpuMsPer1000 / m.perVisit.cpuMsPer1000 : undefined),
      aim: '',
      status: '',
    });
  }
  const mem = r.memory;
  if (mem) {
    out.push({
      figure: 'memory per concurrent thinking user',
      pkg: dec(mem.kbPerUser, 1, ' KB'),
      perVisit: 'n/a',
      ratio: '',
      aim: `< ${r.aims.kbPerUserMax} KB`,
      status: status(mem.kbPerUser, (x) => x < r.aims.kbPerUserMax, mem.usable),
    });
    const hold = (h: MemoryFigures['low']) => `${int(h.users)} users (${int(h.usersAlive)} alive, ${int(h.requestsPerSecond)} req/s): ${dec(h.rssKb !== undefined ? h.rssKb / 1024 : undefined, 0, ' MB')}`;
    out.push({ figure: '  RSS during the holds', pkg: `${hold(mem.low)}; ${hold(mem.high)}`, perVisit: '', ratio: '', aim: '', status: '' });
    out.push({ figure: '  RSS at no users (extrapolated)', pkg: dec(mem.baseRssMb, 0, ' MB'), perVisit: '', ratio: '', aim: '', status: '' });
  }
  const s = r.sandbox;
  if (s) {
    out.push({
      figure: 'sandbox capacity / package max, one worker',
      pkg: `${int(s.requestsPerSecond, ' req/s')} / ${int(s.packageMaxRate, ' req/s')}`,
      perVisit: '',
      ratio: dec(s.ratio, 1),
      aim: `≥ ${r.aims.sandboxRatioMin}`,
      status: `${status(s.ratio, (x) => x >= r.aims.sandboxRatioMin, s.usable)}${s.lowerBound ? ' (lower bound)' : ''}`,
    });
    out.push({
      figure: '  cores: sandbox / client / others',
      pkg: `${dec(s.sandboxCores)} / ${dec(s.clientCores)} / ${dec(s.othersCores)}`,
      perVisit: '',
      ratio: '',
      aim: '',
      status: '',
    });
  }
  return out;
}

function allRuns(r: BenchReport): RunRecord[] {
  return [...(r.cpu?.package.runs ?? []), ...(r.cpu?.perVisit.runs ?? []), ...(r.max ? [r.max.package.run, r.max.perVisit.run] : []), ...(r.memory ? [r.memory.run] : [])];
}

function problems(r: BenchReport): string[] {
  const out = [...r.errors];
  for (const f of [r.cpu?.package, r.cpu?.perVisit, r.max?.package, r.max?.perVisit, r.memory, r.sandbox]) {
    if (f) out.push(...f.problems);
  }
  return [...new Set(out)];
}

function otherLoad(r: BenchReport): number | undefined {
  const xs = [...allRuns(r).map((x) => x.cores.others), r.sandbox?.othersCores].filter((x): x is number => x !== undefined);
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function capacityRows(r: BenchReport): string[][] {
  return (r.capacity ?? []).map((c) => [
    `${c.profile}: ${int(c.concurrent)} ${c.unit}`,
    int(c.requestsPerSecond),
    dec(c.cpuCores, 1),
    `${c.local.workers} worker${c.local.workers === 1 ? '' : 's'}, ${c.local.vcpus} vCPUs, ${int(c.local.memoryMb)} MB`,
    `--count ${c.fargate.count} (${c.fargate.vcpus} vCPUs; ${dec(c.fargate.cpuPerWorker * 100, 0)} % per worker, ${int(c.fargate.memoryPerTaskMb)} MB per task${c.fargate.boundBy === 'memory' ? ', memory-bound' : ''})`,
  ]);
}

const CAP_HEAD = ['profile', 'req/s', 'CPU cores', 'local (one machine)', `Fargate (${'task'} 4 vCPU / 8 GB, 3 workers each)`];

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

const HEAD = ['figure', 'package embed flow', 'one arrival per visit', 'ratio', 'aim (issue 6)', 'status'];

export function renderText(r: BenchReport): string {
  const lines = ['', `Bench results (${r.plan.name} plan, ${dec(r.durationSeconds / 60, 1)} min, ${r.machine.cpus} vCPUs)`, `Artillery local workers: ${workersLine(r)}`, ''];
  lines.push(...table(HEAD, rows(r).map((x) => [x.figure, x.pkg, x.perVisit, x.ratio, x.aim, x.status])));
  if (r.capacity) {
    lines.push('', `Capacity planning (each worker below ${r.limits.maxWorkerCpuShare * 100} % of its core):`);
    lines.push(...table(CAP_HEAD, capacityRows(r)));
  }
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
    ...md(HEAD, rows(r).map((x) => [x.figure.trim().startsWith('cross') || x.figure.startsWith('  ') ? `↳ ${x.figure.trim()}` : x.figure, x.pkg, x.perVisit, x.ratio, x.aim, x.status])),
  ];
  if (r.capacity) {
    lines.push('', `## Capacity planning`, '', `Each worker kept below ${r.limits.maxWorkerCpuShare * 100} % of its core; Fargate tasks at Artillery's default size (${r.fargateTask.vcpu} vCPU, ${r.fargateTask.memoryMb} MB, ${r.fargateTask.workersPerTask} workers per task).`, '');
    lines.push(...md(CAP_HEAD, capacityRows(r)));
    lines.push('', ...(r.capacity ?? []).map((c) => `- ${c.profile}: ${c.basis}.`));
  }
  const others = otherLoad(r);
  if (others !== undefined) lines.push('', `Other processes used ${others.toFixed(2)} cores on average during the runs.`);
  const p = problems(r);
  if (p.length > 0) lines.push('', '## Problems', '', ...p.map((x) => `- ${x.replace(/\n/g, ' ')}`));
  return `${lines.join('\n')}\n`;
}
