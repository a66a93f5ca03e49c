/**
 * Every load profile, by scenario and environment: the one place where the
 * requirements' ramp numbers live. The scenario YAML files carry the
 * Artillery phases made from these (`npm run profiles` writes them; a test
 * fails when they drift), and the processors read the same stages to send
 * each user home when its profile says so.
 */
import type { Profile } from './model.ts';

export const SCENARIOS = ['embed', 'render'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const ENVIRONMENTS = ['local', 'ci', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export function isEnvironmentName(v: unknown): v is EnvironmentName {
  return typeof v === 'string' && (ENVIRONMENTS as readonly string[]).includes(v);
}

const m = (minutes: number) => minutes * 60;

export const PROFILES: Record<ScenarioName, Record<EnvironmentName, Profile>> = {
  embed: {
    local: {
      name: 'smoke',
      description: 'sandbox smoke: 20 visitors, about 25 s',
      stages: [
        { duration: 5, target: 20 },
        { duration: 15, target: 20 },
        { duration: 5, target: 0 },
      ],
    },
    ci: {
      name: 'ci-1k',
      description: "the requirements' CI profile: 1,000 visitors for 2 minutes",
      stages: [
        { duration: 30, target: 1000 },
        { duration: 90, target: 1000 },
      ],
    },
    staging: {
      name: 'staging-2500',
      description: 'the release profile at a quarter of production scale (2,500 visitors)',
      stages: [
        { duration: m(2), target: 250 },
        { duration: m(5), target: 1250 },
        { duration: m(5), target: 2500 },
        { duration: m(10), target: 2500 },
        { duration: m(2), target: 0 },
      ],
    },
    prod: {
      name: 'full-10k',
      description: "the requirements' full profile: 10,000 concurrent visitors, 24 minutes",
      stages: [
        { duration: m(2), target: 1000 },
        { duration: m(5), target: 5000 },
        { duration: m(5), target: 10000 },
        { duration: m(10), target: 10000 },
        { duration: m(2), target: 0 },
      ],
    },
  },
  render: {
    local: {
      name: 'smoke',
      description: 'sandbox smoke: 10 renderers, about 25 s',
      stages: [
        { duration: 5, target: 10 },
        { duration: 15, target: 10 },
        { duration: 5, target: 0 },
      ],
    },
    ci: {
      name: 'ci-100',
      description: "the requirements' CI profile: 100 concurrent renders for 2 minutes",
      stages: [
        { duration: 10, target: 100 },
        { duration: 110, target: 100 },
      ],
    },
    staging: {
      name: 'staging-100',
      description: 'the release profile at a fifth of production scale (100 concurrent renders)',
      stages: [
        { duration: m(1), target: 20 },
        { duration: m(2), target: 60 },
        { duration: m(2), target: 100 },
        { duration: m(10), target: 100 },
        { duration: m(2), target: 0 },
      ],
    },
    prod: {
      name: 'full-500',
      description: "the requirements' full profile: 500 concurrent renders, 17 minutes",
      stages: [
        { duration: m(1), target: 100 },
        { duration: m(2), target: 300 },
        { duration: m(2), target: 500 },
        { duration: m(10), target: 500 },
        { duration: m(2), target: 0 },
      ],
    },
  },
};
