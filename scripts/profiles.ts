/**
 * Writes each scenario's per-environment phases and stages from
 * src/load/profiles.ts into scenarios/<name>.yml, keeping comments. Run after
 * changing a profile: `npm run profiles`. `--check` only reports drift
 * (the test suite runs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { phasesFor } from '../src/load/model.ts';
import { ENVIRONMENTS, PROFILES, SCENARIOS, type ScenarioName } from '../src/load/profiles.ts';
import { encodeStages } from '../src/load/stages.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');

export function scenarioFile(scenario: ScenarioName): string {
  return path.join(ROOT, 'scenarios', `${scenario}.yml`);
}

/** BASE_URL of an environment file: Artillery insists on a target, and the scenario shows where each environment points. */
function targetOf(env: string): string {
  const doc = parseYaml(readFileSync(path.join(ROOT, 'environments', `${env}.yml`), 'utf8')) as { BASE_URL?: string };
  return String(doc.BASE_URL);
}

export function environmentBlocks(scenario: ScenarioName): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const env of ENVIRONMENTS) {
    const profile = PROFILES[scenario][env];
    out[env] = {
      target: targetOf(env),
      phases: phasesFor(profile.stages),
      variables: { luneoProfile: profile.name, luneoStages: encodeStages(profile.stages) },
    };
  }
  return out;
}

export function rendered(scenario: ScenarioName): string {
  const file = scenarioFile(scenario);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['config', 'environments'], doc.createNode(environmentBlocks(scenario)));
  return doc.toString({ lineWidth: 0 });
}

function main(): number {
  const check = process.argv.includes('--check');
  let drift = 0;
  for (const scenario of SCENARIOS) {
    const file = scenarioFile(scenario);
    const next = rendered(scenario);
    if (readFileSync(file, 'utf8') === next) continue;
    if (check) {
      drift++;
      console.error(`${path.relative(ROOT, file)}: phases differ from src/load/profiles.ts (run npm run profiles)`);
    } else {
      writeFileSync(file, next);
      console.log(`wrote ${path.relative(ROOT, file)}`);
    }
  }
  return drift ? 1 : 0;
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) process.exitCode = main();
