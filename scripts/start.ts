/**
 * `npm start`: the main job on any machine. Starts the sandbox on free
 * loopback ports, checks the contract, runs the embed and render scenarios
 * against it at their `local` profiles, writes results (and reports) to
 * results/, and ends with one verdict and exit code: 0 only when all passed.
 */
import path from 'node:path';
import { startSandbox } from '../sandbox/index.ts';
import { FLOWS, type FlowName } from '../src/flows/index.ts';
import { ROOT, runArtillery } from './artillery-run.ts';

const dialect = process.env.LUNEO_DIALECT?.trim() || 'seed';
const resultsDir = path.resolve(process.env.LUNEO_RESULTS_DIR?.trim() || path.join(ROOT, 'results'));

const sandbox = await startSandbox({ render: { timeFactor: 0.02 } });
console.log(`sandbox: API ${sandbox.apiUrl}, widget ${sandbox.widgetUrl} (dialect ${dialect})\n`);
const outcomes: { scenario: string; code: number | null; verdict: string }[] = [];
try {
  // Every flow at its local profile, the one-user checks first.
  for (const scenario of (Object.keys(FLOWS) as FlowName[]).sort((a, b) => Number(FLOWS[a].load) - Number(FLOWS[b].load))) {
    const r = await runArtillery({
      scenario,
      environment: 'local',
      resultsDir,
      echo: true,
      timeoutMs: 5 * 60_000,
      env: { BASE_URL: sandbox.apiUrl, WIDGET_URL: sandbox.widgetUrl, LUNEO_DIALECT: dialect },
    });
    const verdict = r.timedOut
      ? 'did not finish in time'
      : !FLOWS[scenario].load
        ? r.code === 0
          ? 'every route answered as the dialect says'
          : 'the target does not speak the dialect'
        : (r.results?.luneo.verdict.kind ?? `no results (exit ${r.code})`);
    outcomes.push({ scenario, code: r.timedOut ? null : r.code, verdict });
  }
} finally {
  await sandbox.stop();
}

const passed = outcomes.every((o) => o.code === 0);
console.log('\n==================== luneo-load-tests ====================');
for (const o of outcomes) console.log(`  ${o.scenario.padEnd(8)} ${o.code === 0 ? 'PASS' : 'FAIL'}  (${o.verdict}, exit ${o.code ?? 'killed'})`);
console.log(`  results in ${path.relative(process.cwd(), resultsDir) || '.'}/`);
console.log(`VERDICT: ${passed ? 'PASS' : 'FAIL'}`);
process.exitCode = passed ? 0 : Math.max(1, ...outcomes.map((o) => o.code ?? 1));
