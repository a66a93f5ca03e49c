/**
 * Writes the flow table (src/flows/table.ts) from the flow files beside it,
 * and each scenario's per-environment phases and stages from the flows'
 * profiles into scenarios/<name>.yml, keeping comments. Run after adding a
 * flow or changing a profile: `npm run profiles`. `--check` only reports
 * drift (the test suite runs it).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { ScenarioName } from '../src/load/profiles.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');

export function scenarioFile(scenario: ScenarioName): string {
  return path.join(ROOT, 'scenarios', `${scenario}.yml`);
}

/** BASE_URL of an environment file: Artillery insists on a target, and the scenario shows where each environment points. */
function targetOf(env: string): string {
  const doc = parseYaml(readFileSync(path.join(ROOT, 'environments', `${env}.yml`), 'utf8')) as { BASE_URL?: string };
  return String(doc.BASE_URL);
}

/**
 * Each scenario's phases from its flow's profiles, written or (--check) compared. The flows are loaded here, once
 * the table names only files that exist: a flow file just removed must not stop the script that drops it.
 */
async function phases(check: boolean): Promise<number> {
  const { phasesFor } = await import('../src/load/model.ts');
  const { ENVIRONMENTS, PROFILES, SCENARIOS } = await import('../src/load/profiles.ts');
  const { encodeStages } = await import('../src/load/stages.ts');
  let drift = 0;
  for (const scenario of SCENARIOS) {
    const file = scenarioFile(scenario);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    const blocks = Object.fromEntries(
      ENVIRONMENTS.map((env) => {
        const profile = PROFILES[scenario][env];
        return [env, { target: targetOf(env), phases: phasesFor(profile.stages), variables: { luneoProfile: profile.name, luneoStages: encodeStages(profile.stages) } }];
      }),
    );
    doc.setIn(['config', 'environments'], doc.createNode(blocks));
    const next = doc.toString({ lineWidth: 0 });
    if (readFileSync(file, 'utf8') === next) continue;
    if (check) {
      drift++;
      console.error(`${path.relative(ROOT, file)}: phases differ from the flows' profiles (run npm run profiles)`);
    } else {
      writeFileSync(file, next);
      console.log(`wrote ${path.relative(ROOT, file)}`);
    }
  }
  return drift;
}

const FLOWS_DIR = path.join(ROOT, 'src', 'flows');
const FLOW_TABLE = path.join(FLOWS_DIR, 'table.ts');

/** The flows the flow files describe: each `export const <name> = { … } satisfies FlowDescription` (or `<ItsSettings>`), by file. */
export function flowFiles(): { file: string; name: string }[] {
  const out: { file: string; name: string }[] = [];
  for (const file of readdirSync(FLOWS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'table.ts').sort()) {
    const text = readFileSync(path.join(FLOWS_DIR, file), 'utf8');
    // Each exported constant up to the next export: a flow's ends in `} satisfies FlowDescription;` (or `FlowDescription<ItsSettings>;`).
    const starts = [...text.matchAll(/^export const (\w+) = /gm)];
    starts.forEach((m, i) => {
      const body = text.slice(m.index, starts[i + 1]?.index ?? text.length);
      if (/^\} satisfies FlowDescription(<\w+>)?;/m.test(body)) out.push({ file, name: m[1] as string });
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** src/flows/table.ts: the one table of flows, from the flow files (src/flows/index.ts reads it). */
export function flowTable(flows: readonly { file: string; name: string }[]): string {
  return `// Written by \`npm run profiles\` from the flow files of src/flows/: do not edit; \`npm test\` fails when it drifts.
${flows.map((f) => `import { ${f.name} } from './${f.file}';`).join('\n')}

/** Every flow the package runs, by name. */
export const FLOWS = { ${flows.map((f) => f.name).join(', ')} };
`;
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const table = flowTable(flowFiles());
  if (readFileSync(FLOW_TABLE, 'utf8') !== table) {
    if (check) {
      // The phases are judged against the table once it is right: a stale one may name a file that is gone.
      console.error(`${path.relative(ROOT, FLOW_TABLE)}: differs from the flow files of src/flows/ (run npm run profiles)`);
      return 1;
    }
    writeFileSync(FLOW_TABLE, table);
    console.log(`wrote ${path.relative(ROOT, FLOW_TABLE)}`);
  }
  return (await phases(check)) > 0 ? 1 : 0;
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) process.exitCode = await main();
