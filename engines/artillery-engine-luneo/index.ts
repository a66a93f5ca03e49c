/**
 * artillery-engine-luneo: the package's Artillery engine (`engine: luneo`
 * on a scenario). It runs the scenarios' HTTP steps on undici, one
 * keep-alive connection per visitor and host, and leaves everything else
 * to Artillery (phases, workers, metrics, ensure, plugins, Fargate,
 * Lambda, Cloud). LUNEO_ENGINE=http hands the same scenarios to
 * Artillery's stock HTTP engine instead, for cross-checks.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { VUContext } from 'artillery';
import { METRICS } from '../../src/metric-names.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import { type ConnectionSettings, VisitorConnections } from './connections.ts';
import { CounterBatch } from './counter-batch.ts';
import { compileFlow, type FlowEnv, runSteps, unsupported } from './flow.ts';
import { type EndpointPluginConfig, endpointStandIn } from './endpoint-metrics.ts';
import { callHook, type Processor, type ProcessorFunction, processorFunction } from './hooks.ts';
import type { EngineEvents, Visitor } from './request-step.ts';
import { type ArtilleryTemplate, TemplateCache } from './template.ts';
import { installSteadyArrivals } from '../../src/user/arrivals.ts';

// Every worker loads its engines before its first phase: from here on its arrivals wait on timers, not a spin (src/user/arrivals.ts).
installSteadyArrivals();

export const ENGINE_VARIABLE = 'LUNEO_ENGINE';
export type EngineChoice = 'luneo' | 'http';

/** LUNEO_ENGINE: unset or `luneo` runs this engine; `http` the stock one. */
export function engineChoice(env: NodeJS.ProcessEnv): EngineChoice {
  const v = (env[ENGINE_VARIABLE] ?? '').trim().toLowerCase();
  if (v === '' || v === 'luneo') return 'luneo';
  if (v === 'http') return 'http';
  throw new Error(`${ENGINE_VARIABLE} must be "luneo" (the default) or "http" (Artillery's stock HTTP engine), not "${env[ENGINE_VARIABLE]}"`);
}

type ScenarioCallback = (err: Error | null, context: VUContext) => void;
type ScenarioFunction = (context: VUContext, callback: ScenarioCallback) => void;

interface ScenarioSpec extends Record<string, unknown> {
  name?: string;
  engine?: string;
  flow: unknown[];
}

interface EngineConfig {
  target?: string;
  timeout?: number;
  tls?: ConnectionSettings['tls'];
  processor?: Processor | string;
  http?: { timeout?: number; defaults?: { headers?: Record<string, string> } };
  defaults?: { headers?: Record<string, string> };
  engines?: { luneo?: { keepAliveSeconds?: number } };
  plugins?: { 'metrics-by-endpoint'?: EndpointPluginConfig };
}

export interface EngineScript {
  config: EngineConfig;
  scenarios?: ScenarioSpec[];
}

/** What Artillery hands an engine as its third argument (engine_util); the engine uses its template function. */
export interface EngineHelpers {
  template: ArtilleryTemplate;
}

interface StockEngine {
  init?(): Promise<void>;
  createScenario(spec: ScenarioSpec, ee: EngineEvents): ScenarioFunction;
}
type StockEngineClass = new (script: EngineScript, ee: EngineEvents, helpers: EngineHelpers) => StockEngine;

// Artillery's User-Agent, so that a target sees the same client whichever engine runs.
const USER_AGENT = 'Artillery (https://artillery.io)';
const prefix = 'luneo-load-tests:';

/** Artillery's stock HTTP engine: not exported by the package, so loaded from its own file. */
async function loadStockEngine(): Promise<StockEngineClass> {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('artillery/package.json')), 'dist', 'lib', 'core', 'engine_http.js');
  return ((await import(pathToFileURL(file).href)) as { default: StockEngineClass }).default;
}

/** Refused settings end the run before any load: one line and exit 2 from the main thread; a worker throws. */
function refuse(message: string): never {
  if (isMainThread) {
    console.error(`\n${prefix} ${message}\n`);
    process.exit(EXIT.config);
  }
  throw new Error(message);
}

let choice: EngineChoice;
try {
  choice = engineChoice(process.env);
} catch (err) {
  refuse((err as Error).message);
}
const StockHttpEngine: StockEngineClass | undefined = choice === 'http' ? await loadStockEngine() : undefined;

function headerDefaults(config: EngineConfig): [string, string][] {
  const given = config.http?.defaults?.headers ?? config.defaults?.headers ?? { 'user-agent': USER_AGENT };
  const out = Object.entries(given).map(([k, v]): [string, string] => [k.toLowerCase(), String(v)]);
  // got, under the stock engine, always offers compression: so does a browser.
  if (!out.some(([k]) => k === 'accept-encoding')) out.push(['accept-encoding', 'gzip, deflate, br']);
  return out;
}

function names(v: unknown): string[] {
  return v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

export default class LuneoEngine {
  private readonly stock: StockEngine | undefined;
  private readonly config: EngineConfig;
  private readonly template: ArtilleryTemplate;

  constructor(script: EngineScript, ee: EngineEvents, helpers: EngineHelpers) {
    this.config = script.config;
    this.template = helpers.template;
    if (StockHttpEngine) {
      this.stock = new StockHttpEngine(script, ee, helpers);
      return;
    }
    // In the main thread the processor is still a path: function names are checked in the workers.
    const processor = typeof script.config.processor === 'object' ? script.config.processor : undefined;
    const problems = (script.scenarios ?? [])
      .filter((s) => s.engine === 'luneo')
      .flatMap((s) => unsupported(s.flow, processor, `scenario "${s.name ?? ''}" flow`));
    if (problems.length > 0) refuse(`engine luneo cannot run ${problems.join('; ')}. Use engine: http for this scenario.`);
  }

  async init(): Promise<void> {
    await this.stock?.init?.();
  }

  createScenario(spec: ScenarioSpec, ee: EngineEvents): ScenarioFunction {
    if (this.stock) return this.stock.createScenario(spec, ee);
    const config = this.config;
    const processor = typeof config.processor === 'object' ? config.processor : undefined;
    const timeoutSeconds = Number(config.timeout ?? config.http?.timeout ?? 10);
    const keepAlive = config.engines?.luneo?.keepAliveSeconds;
    const settings: ConnectionSettings = { timeoutMs: timeoutSeconds * 1000 };
    if (config.tls) settings.tls = config.tls;
    if (keepAlive !== undefined) settings.keepAliveMs = keepAlive * 1000;
    const resolve = (list: unknown): ProcessorFunction[] => names(list).flatMap((n) => processorFunction(processor, n) ?? []);
    const endpoint = endpointStandIn(config.plugins?.['metrics-by-endpoint'], processor);
    const env: FlowEnv = {
      target: config.target ?? '',
      timeoutSeconds,
      defaultHeaders: headerDefaults(config),
      cache: new TemplateCache(this.template),
      processor,
      template: this.template,
      scenario: { beforeRequest: resolve(spec.beforeRequest), afterResponse: resolve(spec.afterResponse), ...(endpoint ? { endpoint } : {}) },
      warn: (m) => console.log(m),
    };
    // Artillery's HTTP engine turns scenario hooks into function steps around the flow.
    const flow = [...names(spec.beforeScenario).map((f) => ({ function: f })), ...spec.flow, ...names(spec.afterScenario).map((f) => ({ function: f }))];
    const steps = compileFlow(flow, env);
    const onError = resolve(spec.onError);
    const counters = new CounterBatch(ee);
    const onConnect = () => counters.add(METRICS.engine.connections, 1);

    return (context, callback) => {
      const vu: Visitor = { context, connections: new VisitorConnections(settings, onConnect), events: ee, counters };
      ee.emit('started');
      runSteps(steps, vu).then(
        () => {
          vu.connections.close();
          // Before Artillery hears that the visitor ended: after the last one it closes the run's metrics.
          counters.flush();
          callback(null, context);
        },
        (err: unknown) =>
          void failed(vu, err, onError).then((e) => {
            counters.flush();
            callback(e, context);
          }),
      );
    };
  }
}

/**
 * A hook failed or a URL was unusable: the visitor ends, as in Artillery.
 * onError hooks run when it failed inside a request step (Artillery runs
 * them for request errors only); transport errors never get here.
 */
async function failed(vu: Visitor, err: unknown, onError: readonly ProcessorFunction[]): Promise<Error> {
  const error = err instanceof Error ? err : new Error(String(err));
  try {
    if (vu.current) for (const hook of onError) await callHook(hook, [error, vu.current, vu.context, vu.events]);
  } catch {
    // an onError hook that fails changes nothing: the visitor has failed already
  }
  vu.connections.close();
  vu.events.emit('error', (error as { code?: string }).code ?? error.message);
  return error;
}
