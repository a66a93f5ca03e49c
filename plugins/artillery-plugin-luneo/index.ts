/**
 * The package's Artillery plugin (`config.plugins.luneo`). In each worker
 * thread it leaves the worker's own phases for the processor, which plans
 * the worker's share of the profile from them. In the main thread it
 * collects what Artillery reports during the run and, at the end: judges
 * the run from the combined metrics (generator health, load delivered,
 * rate limiting, thresholds), prints the verdict table, writes the results
 * file and the report, and sets the exit code (1 threshold failed, 3
 * results invalid). On request it exports the metrics (publish-metrics)
 * and, in dialect v1, samples the platform's own metrics during the run.
 */
import { createRequire } from 'node:module';
import { AuthSession } from '../../src/api/auth-session.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import { redact, runtimeCredentials, secretsFromEnv } from '../../src/api/credentials.ts';
import { defaultDeployment, routes } from '../../src/api/dialect.ts';
import { processGate } from '../../src/api/process-gate.ts';
import {
  describeExport,
  type ExportSettings,
  exportEnabled,
  exportProcessEnv,
  exportSecrets,
  publishMetricsConfig,
  readExportSettings,
  type ReporterConfig,
} from '../../src/export/metrics-export.ts';
import { PlatformSampler, SAMPLE_TIMEOUT_MS } from '../../src/export/platform-sampler.ts';
import { readRunAccess, readRunInfo, type RunInfo } from '../../src/before/info.ts';
import { type PhaseLike, publishWorkerPhases } from '../../src/user/worker-plan.ts';
import { finishRun, type RunRecorder, createRecorder } from '../../src/results/recorder.ts';
import type { RawPeriod } from '../../src/watch/abort-switch.ts';
import type { EnsureSpec } from '../../src/verdict/thresholds.ts';
import { PlatformSource } from '../../src/observe/sources/platform.ts';
import { displayUrl } from '../../src/api/display-url.ts';
import type { PromText } from '../../src/export/prometheus-text.ts';
import { RunWatch } from '../../src/watch/run-watch.ts';

interface ArtilleryGlobal {
  ext(e: { ext: 'beforeExit'; method: (event: { report?: unknown }) => Promise<void> }): void;
  globalEvents: { on(name: string, fn: (...args: unknown[]) => void): void };
  suggestedExitCode?: number;
  log(msg: string): void;
  /** run.ts's graceful shutdown (beforeExit handlers, workers stopped, exit) */
  shutdown?: (opts: { earlyStop: boolean; exitCode: number }) => Promise<void> | void;
}

interface ScriptLike {
  config: { phases?: unknown[]; plugins?: { luneo?: { scenario?: string } } & Record<string, unknown> } & Record<string, unknown>;
  _environment?: string;
  _scriptPath?: string;
}

interface PluginEvents {
  on(name: 'stats' | 'phaseStarted' | 'phaseCompleted' | 'done', fn: (payload: unknown) => void): void;
}

/** The part of artillery-plugin-publish-metrics (CommonJS, untyped) this plugin uses. */
interface PublishMetricsPlugin {
  cleanup(done: () => void): void;
}
interface PublishMetricsModule {
  Plugin: new (script: ScriptLike, events: PluginEvents) => PublishMetricsPlugin;
}
/** The part of @opentelemetry/api (publish-metrics' copy) this plugin uses. */
interface OtelApi {
  diag: { setLogger(logger: Record<'error' | 'warn' | 'info' | 'debug' | 'verbose', (message: string) => void>, level: number): boolean };
  DiagLogLevel: { ERROR: number };
}

/** Artillery hands v2 plugins its current metric objects (counters, summaries) only with this set. */
export const LEGACY_METRICS_FORMAT = false;

/** Longest the exporters may take to flush at exit (OpenTelemetry's own wait is 10 s) before the process goes anyway. */
const EXPORT_FLUSH_LIMIT_MS = 30_000;

const prefix = 'luneo-load-tests:';

/**
 * Reads the export variables; a malformed one ends the process here, with
 * exit code 2 and one message, as the before hook does for its own
 * settings: the operator asked for an export, a run without it would be
 * noticed only when the dashboard stays empty.
 */
function exportSettingsOrExit(env: NodeJS.ProcessEnv): { settings: ExportSettings; publishMetrics: PublishMetricsModule } | undefined {
  let settings: ExportSettings;
  try {
    const read = readExportSettings(env);
    for (const w of read.warnings) console.warn(`${prefix} ${w}`);
    settings = read.settings;
  } catch (err) {
    console.error(`\n${prefix} ${(err as Error).message}\n`);
    process.exit(EXIT.config);
  }
  if (!exportEnabled(settings)) return undefined;
  let publishMetrics: PublishMetricsModule;
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('artillery-plugin-publish-metrics');
    publishMetrics = require(main) as PublishMetricsModule;
    // The Datadog client takes over a second to load: load it now rather than in the main thread at the start of the load.
    if (settings.datadog) createRequire(main)('./lib/datadog');
  } catch (err) {
    console.error(`\n${prefix} metrics export needs artillery-plugin-publish-metrics (npm ci): ${(err as Error).message}. Nothing was sent.\n`);
    process.exit(EXIT.config);
  }
  console.log(`${prefix} exporting metrics to ${describeExport(settings)}`);
  return { settings, publishMetrics };
}

/**
 * Metrics export goes through Artillery's publish-metrics plugin, built
 * here with a config made from environment variables rather than listed in
 * the scenario files or in ARTILLERY_PLUGINS:
 * - ARTILLERY_PLUGINS is read when Artillery loads plugins, before any of
 *   ours runs, so a plain `npx artillery run` would need the operator to
 *   write publish-metrics' JSON config (Datadog key included) into it; and
 *   on Fargate and Lambda workers Artillery sets ARTILLERY_PLUGINS itself
 *   (for its SQS reporter), so a value passed by the operator is lost or,
 *   on Lambda, replaces Artillery's own and breaks the run.
 * - Built from this plugin, publish-metrics runs wherever this plugin's
 *   main-thread part runs: the one `artillery run` process locally, and the
 *   `artillery run` inside every Fargate or Lambda worker, each reading
 *   the variables from its own environment (`--secret`, `--dotenv`) and
 *   exporting its own share as Artillery documents for distributed runs.
 *   It gets the same aggregated event stream as a listed plugin would; it
 *   never loads in worker threads, which receive no metrics anyway; and
 *   its config, secrets included, never enters script.config, which
 *   Artillery writes into `-o` reports and sends with `--record`.
 */
function startExport(mod: PublishMetricsModule, reporters: ReporterConfig[], script: ScriptLike, events: PluginEvents): PublishMetricsPlugin {
  const own: ScriptLike = { ...script, config: { ...script.config, plugins: { 'publish-metrics': reporters } } };
  return new mod.Plugin(own, events);
}

/**
 * OpenTelemetry reports a failed export only to its diagnostic logger,
 * silent by default: without this, an unreachable or refusing collector
 * would show up only as an empty dashboard. One line per run is enough.
 */
function reportOtelFailures(secrets: string[]): void {
  // With this DEBUG, publish-metrics has installed OpenTelemetry's verbose console logger: keep it.
  if (process.env.DEBUG?.includes('plugin:publish-metrics:')) return;
  const fromPublishMetrics = createRequire(createRequire(import.meta.url).resolve('artillery-plugin-publish-metrics'));
  const api = fromPublishMetrics('@opentelemetry/api') as OtelApi;
  let told = false;
  const quiet = () => {};
  const error = (message: string) => {
    if (told) return;
    told = true;
    let text = message;
    try {
      text = String((JSON.parse(message) as { message?: unknown }).message ?? message);
    } catch {
      // Not a serialized exception: print as it came.
    }
    console.warn(`${prefix} metrics export: ${redact(text, secrets)} (later failures not shown; DEBUG=plugin:publish-metrics:* shows all)`);
  };
  api.diag.setLogger({ error, warn: quiet, info: quiet, debug: quiet, verbose: quiet }, api.DiagLogLevel.ERROR);
}

/**
 * Samples dialect v1's /api/v1/metrics with the load-test user's token into
 * the recorder. The sampler logs in on its own rather than reuse the before
 * hook's session: the platform rotates refresh tokens, and that session's
 * refresh token is the one every worker renews from, so a renewal here at
 * another moment would push the workers into fresh logins mid-run.
 */
function startSampler(run: RunInfo, recorder: RunRecorder, onScrape: (scrape: PromText, at: number) => void): PlatformSampler | undefined {
  const { email, password } = runtimeCredentials();
  const access = readRunAccess();
  const deployment = access?.deployment ?? defaultDeployment('v1');
  const metrics = routes.metrics(deployment);
  if (metrics === undefined) return undefined;
  // The main thread's requests wait at the same gate as every worker's: one per-address limit.
  const gate = processGate();
  const rateLimit = access?.rateLimit;
  const session = new AuthSession({ baseUrl: run.baseUrl, email, password, timeoutMs: SAMPLE_TIMEOUT_MS, deployment, gate, ...(rateLimit ? { rateLimit } : {}) });
  const secrets = secretsFromEnv();
  const sampler = new PlatformSampler({
    url: run.baseUrl + metrics,
    gate,
    ...(rateLimit ? { defaultRetryAfterMs: rateLimit.defaultRetryAfterMs } : {}),
    accessToken: () => session.accessToken(),
    onSample: (s) => recorder.platformMetrics.push(s),
    onScrape,
    log: (line) => console.log(`${prefix} ${redact(line, secrets)}`),
  });
  sampler.start();
  return sampler;
}

export class Plugin {
  readonly recorder: RunRecorder | undefined;
  #exporter: PublishMetricsPlugin | undefined;
  #sampler: PlatformSampler | undefined;
  /** the sampler's scrapes, read by the run's observer as the platform source */
  #platformSource: PlatformSource | undefined;

  constructor(script: ScriptLike, events: PluginEvents) {
    // Workers load plugins too, with their own share of the phases; only the main thread sees whole-run data.
    if (process.env.LOCAL_WORKER_ID !== undefined) {
      publishWorkerPhases((script.config.phases ?? []) as PhaseLike[]);
      return;
    }
    const artillery = (globalThis as unknown as { artillery?: ArtilleryGlobal }).artillery;
    if (!artillery) return;
    const exportPlan = exportSettingsOrExit(process.env);
    const recorder = createRecorder({
      scenario: script.config.plugins?.luneo?.scenario ?? 'unknown',
      phases: script.config.phases ?? [],
      ...(script.config.ensure ? { thresholds: script.config.ensure as EnsureSpec } : {}),
    });
    this.recorder = recorder;
    let started = false;
    events.on('stats', (s) => recorder.onStats(s));
    events.on('phaseStarted', (p) => {
      recorder.onPhase(p);
      if (started) return;
      started = true;
      // The before hook has run by the first phase (not yet at construction): only now are dialect and target known.
      const run = readRunInfo();
      if (exportPlan) this.#exporter = this.#startExport(exportPlan, run, script, events);
      if (run?.dialect === 'v1') {
        this.#sampler = startSampler(run, recorder, (scrape, at) => this.#platformSource?.push(scrape, at));
        const sampler = this.#sampler;
        if (sampler) this.#platformSource = new PlatformSource(displayUrl(`${run.baseUrl}${routes.metrics(readRunAccess()?.deployment ?? defaultDeployment('v1')) ?? ''}`), sampler);
      }
    });
    events.on('phaseCompleted', (p) => recorder.onPhase(p));
    // Status line and abort switch: their own listeners, beside the recorder's.
    const watch = new RunWatch({
      scenario: recorder.scenario,
      scriptPath: script._scriptPath,
      ensure: script.config.ensure,
      log: (line) => console.log(`${prefix} ${redact(line, secretsFromEnv())}`),
      redact: (text) => redact(text, secretsFromEnv()),
      platform: () => this.#platformSource,
      // Looked up when needed: run.ts installs its graceful shutdown after the plugins are built.
      shutdown: (o) => void artillery.shutdown?.(o),
    });
    events.on('phaseStarted', () => watch.start());
    events.on('stats', (s) => watch.onStats(s as RawPeriod));
    events.on('done', (s) => recorder.onDone(s));
    artillery.ext({
      ext: 'beforeExit',
      method: async () => {
        // A last sample so the platform's series covers the end of the load.
        await this.#sampler?.stop(true);
        await watch.beforeFinish(recorder);
        const exitCode = await finishRun(recorder);
        if (exitCode !== 0 && (artillery.suggestedExitCode ?? 0) === 0) artillery.suggestedExitCode = exitCode;
        if (exitCode === EXIT.invalid || exitCode === EXIT.aborted) artillery.suggestedExitCode = exitCode;
      },
    });
  }

  #startExport(
    plan: { settings: ExportSettings; publishMetrics: PublishMetricsModule },
    run: RunInfo | undefined,
    script: ScriptLike,
    events: PluginEvents,
  ): PublishMetricsPlugin | undefined {
    const tags = {
      scenario: run?.scenario ?? script.config.plugins?.luneo?.scenario ?? 'unknown',
      environment: run?.environment ?? script._environment ?? 'unknown',
      dialect: run?.dialect ?? 'unknown',
    };
    const secrets = exportSecrets(plan.settings);
    try {
      if (plan.settings.otlp) reportOtelFailures(secrets);
      Object.assign(process.env, exportProcessEnv(plan.settings));
      return startExport(plan.publishMetrics, publishMetricsConfig(plan.settings, tags), script, events);
    } catch (err) {
      // The load is running by now: losing the export must not cost the run.
      console.error(`${prefix} metrics export could not start: ${redact((err as Error).message, secrets)}`);
      return undefined;
    }
  }

  /** Artillery calls this at exit (main thread): the exporters flush their last period here. */
  cleanup(done: () => void): void {
    const exporter = this.#exporter;
    void this.#sampler?.stop();
    if (!exporter) {
      done();
      return;
    }
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(limit);
      done();
    };
    // Not unref'd: Artillery sets the exit code when cleanup returns, and an empty event loop would end the process first, with 0.
    const limit = setTimeout(() => {
      console.warn(`${prefix} metrics export still flushing after ${EXPORT_FLUSH_LIMIT_MS / 1000} s; exiting without waiting`);
      finish();
    }, EXPORT_FLUSH_LIMIT_MS);
    try {
      exporter.cleanup(finish);
    } catch {
      finish();
    }
  }
}
