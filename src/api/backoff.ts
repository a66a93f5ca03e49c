/**
 * The polling policy for render jobs: exponential backoff with full jitter
 * within [base/2, base], capped, and never past the job's deadline. One
 * place so that every poller in the package waits the same way.
 */
export interface BackoffPolicy {
  /** first wait after the enqueue, milliseconds */
  initialMs: number;
  /** growth per poll */
  multiplier: number;
  /** no single wait longer than this */
  maxMs: number;
  /** fraction of each wait that is random, 0 (none) to 1 */
  jitter: number;
  /** give up on a job this long after its enqueue */
  deadlineMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  multiplier: 1.5,
  maxMs: 10_000,
  jitter: 0.5,
  deadlineMs: 300_000,
};

/**
 * Wait before poll number `attempt` (0 = the first poll), or undefined when
 * the deadline leaves no room for another poll. `random` is injectable for tests.
 */
export function nextPollDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  elapsedMs: number,
  random: () => number = Math.random,
): number | undefined {
  const remaining = policy.deadlineMs - elapsedMs;
  if (remaining <= 0) return undefined;
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  const jittered = base * (1 - policy.jitter * random());
  // The last poll lands on the deadline rather than after it.
  return Math.max(0, Math.min(Math.round(jittered), remaining));
}

export function validateBackoff(p: BackoffPolicy): string[] {
  const problems: string[] = [];
  if (!(p.initialMs > 0)) problems.push('initialMs must be > 0');
  if (!(p.multiplier >= 1)) problems.push('multiplier must be >= 1');
  if (!(p.maxMs >= p.initialMs)) problems.push('maxMs must be >= initialMs');
  if (!(p.jitter >= 0 && p.jitter <= 1)) problems.push('jitter must be within 0..1');
  if (!(p.deadlineMs > 0)) problems.push('deadlineMs must be > 0');
  return problems;
}
