/**
 * The exit codes of every command the package runs, in one place: a CI job
 * tells an SLO failure from a refused run or an invalid one by the code.
 */
export const EXIT = {
  /** every check passed and the run was valid */
  pass: 0,
  /** a service-level threshold failed: the target is too slow or fails too often */
  slo_failed: 1,
  /** refused before any load: bad input, a missing secret, an unreachable target, a usage error */
  config: 2,
  /** the run happened but its numbers do not measure the target: generator overloaded, load not delivered, rate limited */
  invalid: 3,
  /** the abort switch stopped the run (abort limits breached: see the verdict's reason); results and reports are still written */
  aborted: 4,
  /** every threshold passed, but a figure changed for the worse against the run history, significantly (src/history/gate.ts) */
  regressed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
