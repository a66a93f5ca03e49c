/**
 * What the kernel says about a process (Linux /proc): CPU time of all its
 * threads, resident memory, and the machine's total busy time. The bench
 * trusts these rather than the generator's own view of itself, which is
 * exactly what goes wrong when the generator is overloaded.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ: /proc reports CPU time in these ticks (100 on nearly every Linux). */
export function clockTicks(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim());
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** user + system CPU seconds of every thread of `pid` so far, or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  return statCpu(`/proc/${pid}/stat`);
}

function statCpu(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicks();
}

/** user + system CPU seconds of each thread of `pid` (thread id → seconds). */
export function threadCpuSeconds(pid: number): Record<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const out: Record<number, number> = {};
  for (const tid of tids) {
    const cpu = statCpu(`/proc/${pid}/task/${tid}/stat`);
    if (cpu !== undefined) out[Number(tid)] = cpu;
  }
  return out;
}

/** Resident set size in KiB (VmRSS), or undefined once the process is gone. */
export function processRssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  /** CPU seconds spent busy (not idle, not iowait) by all cores since boot */
  busy: number;
  total: number;
}

export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    return { busy: (total - idle) / clockTicks(), total: total / clockTicks() };
  } catch {
    return undefined;
  }
}

/** Parses bash's `times` output: the second line is the reaped children's user and system time. */
export function parseBashTimes(text: string): { user: number; sys: number } | undefined {
  const lines = text.trim().split('\n').filter((l) => /\d+m[\d.]+s/.test(l));
  const children = lines[lines.length - 1];
  if (lines.length < 2 || children === undefined) return undefined;
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  const [user, sys] = parts;
  if (user === undefined || sys === undefined) return undefined;
  return { user, sys };
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
