/**
 * The package's Artillery plugin (`config.plugins.luneo`). In the main
 * thread only, it collects what Artillery reports during the run and, at
 * the end: judges whether the generator kept its schedule, prints the
 * verdict table, writes the results file and the report, and sets the exit
 * code (1 threshold failed, 3 generator overloaded).
 */
import { finishRun, type RunRecorder, createRecorder } from '../../src/run-recorder.ts';

interface ArtilleryGlobal {
  ext(e: { ext: 'beforeExit'; method: (event: { report?: unknown }) => Promise<void> }): void;
  globalEvents: { on(name: string, fn: (...args: unknown[]) => void): void };
  suggestedExitCode?: number;
  log(msg: string): void;
}

interface ScriptLike {
  config: { phases?: unknown[]; plugins?: { luneo?: { scenario?: string } } };
  _environment?: string;
}

interface PluginEvents {
  on(name: 'stats' | 'phaseStarted' | 'phaseCompleted' | 'done', fn: (payload: unknown) => void): void;
}

/** Artillery hands v2 plugins its current metric objects (counters, summaries) only with this set. */
export const LEGACY_METRICS_FORMAT = false;

export class Plugin {
  readonly recorder: RunRecorder | undefined;

  constructor(script: ScriptLike, events: PluginEvents) {
    // Workers load plugins too; only the main thread sees whole-run data.
    if (process.env.LOCAL_WORKER_ID !== undefined) return;
    const artillery = (globalThis as unknown as { artillery?: ArtilleryGlobal }).artillery;
    if (!artillery) return;
    const recorder = createRecorder({
      scenario: script.config.plugins?.luneo?.scenario ?? 'unknown',
      phases: script.config.phases ?? [],
    });
    this.recorder = recorder;
    events.on('stats', (s) => recorder.onStats(s));
    events.on('phaseStarted', (p) => recorder.onPhase(p));
    events.on('phaseCompleted', (p) => recorder.onPhase(p));
    events.on('done', (s) => recorder.onDone(s));
    artillery.globalEvents.on('checks', (checks) => recorder.onChecks(checks));
    artillery.ext({
      ext: 'beforeExit',
      method: async () => {
        // ensure publishes its checks from its own beforeExit handler: let it go first.
        await new Promise((resolve) => setImmediate(resolve));
        const exitCode = await finishRun(recorder);
        if (exitCode !== 0 && (artillery.suggestedExitCode ?? 0) === 0) artillery.suggestedExitCode = exitCode;
        if (exitCode === 3) artillery.suggestedExitCode = 3;
      },
    });
  }
}
