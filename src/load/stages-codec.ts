/**
 * Stages travel from the scenario YAML to the processors as one string
 * variable ("120:1000 300:5000 …", seconds:users): Artillery treats a
 * list-valued variable as a set to pick from, so a list cannot carry them.
 */
import { type Stage, validateStages } from './model.ts';

export function encodeStages(stages: readonly Stage[]): string {
  return stages.map((s) => `${s.duration}:${s.target}`).join(' ');
}

export function decodeStages(text: unknown): Stage[] {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('luneoStages is missing from the scenario variables (run npm run profiles)');
  const stages = text
    .trim()
    .split(/\s+/)
    .map((part) => {
      const m = /^(\d+):(\d+)$/.exec(part);
      if (!m) throw new Error(`luneoStages: "${part}" is not seconds:users`);
      return { duration: Number(m[1]), target: Number(m[2]) };
    });
  const problems = validateStages(stages);
  if (problems.length) throw new Error(`luneoStages: ${problems.join('; ')}`);
  return stages;
}
