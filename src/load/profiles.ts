/**
 * The environments, and every load profile by scenario and environment.
 * The profiles live with their flows (src/flows/); the scenario YAML files
 * carry the Artillery phases made from them (`npm run profiles` writes
 * them; a test fails when they drift), and the processors read the same
 * stages to send each user home when its profile says so.
 */
import { FLOWS, SCENARIOS, type ScenarioName } from '../flows/index.ts';

export { SCENARIOS, type ScenarioName };

export const ENVIRONMENTS = ['local', 'ci', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export function isEnvironmentName(v: unknown): v is EnvironmentName {
  return typeof v === 'string' && (ENVIRONMENTS as readonly string[]).includes(v);
}

/** Every load profile, by scenario and environment: each flow's own (src/flows/<flow>.ts). */
export const PROFILES = Object.fromEntries(SCENARIOS.map((n) => [n, FLOWS[n].profiles])) as { [K in ScenarioName]: (typeof FLOWS)[K]['profiles'] };
