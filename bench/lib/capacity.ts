/**
 * Capacity planning from the measured costs: how many Artillery workers,
 * and so how many vCPUs, a profile needs when no worker may go above a
 * share of its core (a saturated worker sends late and under-reports
 * latency). Pure arithmetic; the README table is made from its output.
 */

export interface Costs {
  /** generator CPU per 1,000 requests, whole Artillery process, milliseconds */
  cpuMsPer1000: number;
  /** what a worker costs whatever its rate (timers, sampling, metric periods), cores; 0 when folded into cpuMsPer1000 */
  fixedCoresPerWorker?: number;
  /** resident memory per concurrent user, KiB */
  kbPerUser: number;
  /** resident memory of an Artillery process before its users, MiB */
  baseRssMb: number;
}

export interface Limits {
  /** highest share of one core a worker may use */
  maxWorkerCpuShare: number;
  /** highest share of a task's memory the workers may use */
  maxMemoryShare: number;
}

export interface FargateTask {
  vcpu: number;
  memoryMb: number;
  /** worker threads Artillery runs inside one task (os.cpus() - 1, at least 1) */
  workersPerTask: number;
}

export interface Demand {
  profile: string;
  concurrent: number;
  /** what is concurrent: visitors, renders */
  unit: string;
  requestsPerSecond: number;
  /** how the rate was derived */
  basis: string;
}

export interface CapacityRow extends Demand {
  /** CPU cores the requests cost at the measured rate */
  cpuCores: number;
  memoryMb: number;
  local: { workers: number; vcpus: number; memoryMb: number; cpuPerWorker: number };
  fargate: { count: number; taskVcpu: number; taskMemoryMb: number; workersPerTask: number; vcpus: number; boundBy: 'cpu' | 'memory'; cpuPerWorker: number; memoryPerTaskMb: number };
}

export function plan(d: Demand, c: Costs, limits: Limits, task: FargateTask): CapacityRow {
  const fixed = c.fixedCoresPerWorker ?? 0;
  const perRequestCores = (d.requestsPerSecond * c.cpuMsPer1000) / 1e6;
  if (fixed >= limits.maxWorkerCpuShare) throw new Error(`a worker's fixed cost (${fixed} cores) leaves nothing below the ${limits.maxWorkerCpuShare} share`);
  const usersMb = (d.concurrent * c.kbPerUser) / 1024;
  // Each worker: its fixed cost plus its share of the requests, below the limit.
  const workersFor = (cores: number) => Math.max(1, Math.ceil(cores / (limits.maxWorkerCpuShare - fixed)));
  // Locally: one Artillery process with N worker threads on a machine of N + 1 vCPUs
  // (Artillery runs max(1, cpus - 1) workers, the main thread and the OS get the rest).
  const workers = workersFor(perRequestCores);
  const cpuCores = perRequestCores + workers * fixed;
  const local = { workers, vcpus: workers + 1, memoryMb: Math.ceil(c.baseRssMb + usersMb), cpuPerWorker: cpuCores / workers };
  // Fargate: every task runs the whole script, the profile is divided by --count.
  const byCpu = Math.max(1, Math.ceil(workers / task.workersPerTask));
  const memoryBudgetMb = task.memoryMb * limits.maxMemoryShare - c.baseRssMb;
  const byMemory = memoryBudgetMb > 0 ? Math.max(1, Math.ceil(usersMb / memoryBudgetMb)) : Number.POSITIVE_INFINITY;
  const count = Math.max(byCpu, byMemory);
  return {
    ...d,
    cpuCores,
    memoryMb: Math.ceil(c.baseRssMb + usersMb),
    local,
    fargate: {
      count,
      taskVcpu: task.vcpu,
      taskMemoryMb: task.memoryMb,
      workersPerTask: task.workersPerTask,
      vcpus: count * task.vcpu,
      boundBy: byMemory > byCpu ? 'memory' : 'cpu',
      cpuPerWorker: fixed + perRequestCores / (count * task.workersPerTask),
      memoryPerTaskMb: Math.ceil(c.baseRssMb + usersMb / count),
    },
  };
}

/** Two measured points of one worker: cores of the whole Artillery process at a request rate. */
export interface WorkerPoint {
  requestsPerSecond: number;
  cores: number;
}

export interface WorkerLine {
  /** cores a worker costs whatever its rate */
  fixedCores: number;
  /** CPU per 1,000 requests on top of that, milliseconds */
  cpuMsPer1000: number;
}

/**
 * A worker's cost as a fixed part plus a part per request: the straight line
 * through a moderate and a saturated run. Undefined when the points cannot
 * make a rising line.
 */
export function workerLine(low: WorkerPoint, high: WorkerPoint): WorkerLine | undefined {
  if (!(high.requestsPerSecond > low.requestsPerSecond) || !(high.cores > low.cores)) return undefined;
  const perRequest = (high.cores - low.cores) / (high.requestsPerSecond - low.requestsPerSecond);
  return { fixedCores: Math.max(0, low.cores - perRequest * low.requestsPerSecond), cpuMsPer1000: perRequest * 1e6 };
}

/** One worker's cores at `requestsPerSecond` on that line. */
export function workerCores(line: WorkerLine, requestsPerSecond: number): number {
  return line.fixedCores + (requestsPerSecond * line.cpuMsPer1000) / 1e6;
}
