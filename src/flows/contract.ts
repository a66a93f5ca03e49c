/**
 * The contract check (scenarios/contract.yml): one user walks every route
 * of the environment's dialect once. A flow like the others, with no load
 * profile: the preflight asks the health route only, the scenario the rest.
 */
import type { FlowDescription } from './flow.ts';

export const contract = {
  name: 'contract',
  title: 'the contract check',
  users: { one: 'user', many: 'users', concurrent: 'user' },
  resultsFile: 'contract-load-test-results.json',
  load: false as const,
  // It walks the render routes too, so it needs their credentials.
  seedNeedsApiKey: true,
  usesWidget: true,
  metricPrefix: 'luneo_contract_',
  steps: [],
  routeRates: () => ({}),
  peakRate: () => 1,
} satisfies FlowDescription;
