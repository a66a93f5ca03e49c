/**
 * What the package needs to know about a flow, in one place: each flow
 * file (src/flows/<flow>.ts) exports one of these beside its pure logic,
 * and src/flows/index.ts lists them (written by `npm run profiles`).
 */
import type { Profile } from '../load/model.ts';
import type { EnvironmentName } from '../load/profiles.ts';
import type { RouteKey } from '../before/rate-limit-check.ts';
import type { CoreSettings } from '../config/environments.ts';
import type { PreflightInput, Walk } from '../before/walk.ts';
import type { SectionReader } from '../config/section.ts';

/** S: the flow's own settings, read from its section of the environment files (`settings`). */
export interface FlowDescription<S extends object = object> {
  name: string;
  /** what the flow is, in a sentence's words: "the render pipeline" */
  title: string;
  /** its users, as the verdict and the reports call them; `concurrent`: what the start banner counts at the peak */
  users: { one: string; many: string; concurrent: string };
  /** the results file it writes in the results directory */
  resultsFile: string;
  /** a load test (profiles, history, rate-limit check) or a one-user check */
  load: boolean;
  /** a load profile per environment (load flows) */
  profiles?: Record<EnvironmentName, Profile>;
  /** seed dialect: its routes want the API key (v1 always logs in) */
  seedNeedsApiKey: boolean;
  /** it talks to the widget host as well */
  usesWidget: boolean;
  /** the prefix of its own metrics, to tell its results apart from another flow's */
  metricPrefix: string;
  /** its steps' latency histograms: charted, kept in the run history */
  steps: readonly { metric: string; title: string }[];
  /** its metrics include render jobs (outcomes, processing time) */
  renderJobs?: boolean;
  /**
   * Its own section of the environment files, under its name (`embed:`): read, with its defaults and checks,
   * into the run's settings under the same name (settings.embed), so that a flow's settings add no line to
   * src/config/environments.ts.
   */
  settings?(section: SectionReader): S;
  /** requests each user sends per second on each route at steady state: the rate-limit check */
  routeRates(settings: CoreSettings, own: S): Partial<Record<RouteKey, number>>;
  /** the requests per second the profile's peak of `peak` users sends */
  peakRate(settings: CoreSettings, own: S, peak: number): number;
  /** the preflight's walk: the flow's steps, once */
  walk?(w: Walk, i: PreflightInput): Promise<void>;
}

/** The middle of a range of milliseconds. */
export const mid = (r: { min: number; max: number }): number => (r.min + r.max) / 2;
