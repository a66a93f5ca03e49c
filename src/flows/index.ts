/**
 * The flows by name, and what the rest of the package asks of the table:
 * the table itself (table.ts) is written by `npm run profiles` from the
 * flow files beside it, so adding a flow edits nothing here.
 */
import type { CoreSettings } from '../config/environments.ts';
import type { FlowDescription } from './flow.ts';
import { FLOWS } from './table.ts';

export { FLOWS };

export type FlowName = keyof typeof FLOWS;

/** The flows that are load tests (a profile per environment), as opposed to one-user checks. */
export type ScenarioName = { [K in FlowName]: (typeof FLOWS)[K] extends { load: true } ? K : never }[FlowName];

export const SCENARIOS = (Object.keys(FLOWS) as FlowName[]).filter((n): n is ScenarioName => FLOWS[n].load);

export function isFlowName(v: unknown): v is FlowName {
  return typeof v === 'string' && Object.hasOwn(FLOWS, v);
}

/** A flow's description by name, or undefined for a name no flow has (an old results file, a foreign -o file). */
export function flowOf(name: string): FlowDescription | undefined {
  return isFlowName(name) ? FLOWS[name] : undefined;
}

/** A flow's own section of the run's settings (settings.embed), or an empty one for a flow without settings. */
export function sectionOf(flow: FlowDescription, settings: CoreSettings): object {
  const own: unknown = Object.entries(settings).find(([key]) => key === flow.name)?.[1];
  return typeof own === 'object' && own !== null ? own : {};
}
