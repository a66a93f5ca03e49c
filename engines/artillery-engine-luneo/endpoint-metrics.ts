/**
 * Artillery's metrics-by-endpoint plugin, done by the engine for named
 * steps. The plugin adds three scenario hooks that, with
 * `useOnlyRequestNames`, name each request's metrics after its step, yet
 * parse the URL twice with `url.parse` and wrap each hook in a promise
 * first: about 6 % of a saturated worker (bench/README.md). For a step with
 * a `name` under `useOnlyRequestNames` the names do not depend on the URL,
 * so the engine builds them once when it compiles the step and emits the
 * plugin's metrics itself, under the plugin's names: the status-code
 * counter, the time to first byte, Server-Timing's total, and (as the
 * plugin's onError does under the stock engine) a counter of errors by code.
 * Other steps keep the plugin's own hooks.
 */
import type { Visitor } from './request-step.ts';
import type { ProcessorFunction, Processor } from './hooks.ts';
import { processorFunction } from './hooks.ts';

/** The hook names the plugin adds to every scenario (artillery-plugin-metrics-by-endpoint). */
export const ENDPOINT_HOOKS = ['metricsByEndpoint_beforeRequest', 'metricsByEndpoint_afterResponse', 'metricsByEndpoint_onError'] as const;

/** The plugin's settings (`config.plugins.metrics-by-endpoint`) that decide its metric names. */
export interface EndpointPluginConfig {
  useOnlyRequestNames?: boolean;
  metricsNamespace?: string;
}

/** One named step's metric names, built once. */
export interface EndpointMetrics {
  codePrefix: string;
  errorPrefix: string;
  responseTime: string;
  serverTiming: string;
}

/**
 * The plugin's hooks, when the engine may stand in for them on named steps:
 * the plugin is configured with useOnlyRequestNames and its hooks are in the
 * processor (the plugin attached them in this worker).
 */
export function endpointStandIn(config: EndpointPluginConfig | undefined, processor: Processor | undefined): { prefix: string; hooks: Set<ProcessorFunction> } | undefined {
  if (!config?.useOnlyRequestNames) return undefined;
  const hooks = ENDPOINT_HOOKS.map((n) => processorFunction(processor, n));
  if (hooks.some((h) => h === undefined)) return undefined;
  return { prefix: config.metricsNamespace || 'plugins.metrics-by-endpoint', hooks: new Set(hooks as ProcessorFunction[]) };
}

export function endpointMetrics(prefix: string, stepName: string): EndpointMetrics {
  return {
    codePrefix: `${prefix}.${stepName}.codes.`,
    errorPrefix: `${prefix}.${stepName}.errors.`,
    responseTime: `${prefix}.response_time.${stepName}`,
    serverTiming: `${prefix}.server-timing.${stepName}`,
  };
}

/** Server-Timing's first `total;dur=`, as the plugin reads it; -1 when there is none. */
export function serverTimingTotal(header: string): number {
  const m = /total;dur=([0-9.]+)/i.exec(header);
  return m ? Number(m[1] || 0) : -1;
}

/** What the plugin's afterResponse emits for an answer, or its onError for a request that got none. */
export function emitEndpoint({ events, counters }: Pick<Visitor, 'events' | 'counters'>, m: EndpointMetrics, answer: { statusCode: number; firstByteMs: number; serverTiming: string | undefined } | { errorCode: string }): void {
  if ('errorCode' in answer) {
    counters.add(m.errorPrefix + answer.errorCode, 1);
    return;
  }
  if (answer.serverTiming) events.emit('histogram', m.serverTiming, serverTimingTotal(answer.serverTiming));
  counters.add(m.codePrefix + answer.statusCode, 1);
  events.emit('histogram', m.responseTime, answer.firstByteMs);
}
