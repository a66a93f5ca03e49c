/**
 * A scenario's flow compiled into steps: `loop` (with `whileTrue` or
 * `count`), `think`, `function`, `log` and the HTTP methods, with their
 * hooks resolved and their templates compiled once. Anything else the
 * stock engine knows (capture, match, expect, cookies, forms, parallel,
 * ifTrue expressions) is refused up front with the step it was found in,
 * rather than silently ignored: such a scenario belongs on `engine: http`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointMetrics } from './endpoint-metrics.ts';
import { callCondition, callHook, type Processor, type ProcessorFunction, processorFunction } from './hooks.ts';
import { requestStep, type RequestEnv, type RequestSpec, type Visitor } from './request-step.ts';
import { type ArtilleryTemplate, compileString, compileValue } from './template.ts';
import { thinkMs } from './think-time.ts';

export type Step = (vu: Visitor) => Promise<void> | undefined;

export const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
const REQUEST_KEYS = new Set(['url', 'uri', 'name', 'headers', 'json', 'body', 'beforeRequest', 'afterResponse', 'ifTrue']);
const LOOP_KEYS = new Set(['loop', 'whileTrue', 'count']);

export interface ScenarioHooks {
  beforeRequest: ProcessorFunction[];
  afterResponse: ProcessorFunction[];
  /** metrics-by-endpoint's hooks and namespace when the engine stands in for them on named steps (endpoint-metrics.ts) */
  endpoint?: { prefix: string; hooks: Set<ProcessorFunction> };
}

export interface FlowEnv extends RequestEnv {
  processor: Processor | undefined;
  template: ArtilleryTemplate;
  scenario: ScenarioHooks;
  warn(message: string): void;
}

type Spec = Record<string, unknown>;

const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function methodOf(step: Spec): (typeof METHODS)[number] | undefined {
  return METHODS.find((m) => m in step);
}

/** Why the luneo engine cannot run this flow, one line per problem; empty when it can. */
export function unsupported(flow: unknown, processor: Processor | undefined, where = 'flow'): string[] {
  const problems: string[] = [];
  list(flow).forEach((raw, i) => {
    const at = `${where}[${i}]`;
    if (Array.isArray(raw)) {
      problems.push(...unsupported(raw, processor, at));
      return;
    }
    if (raw === null || typeof raw !== 'object') {
      problems.push(`${at}: not a step`);
      return;
    }
    const step = raw as Spec;
    if ('loop' in step) {
      for (const k of Object.keys(step)) if (!LOOP_KEYS.has(k)) problems.push(`${at}: loop option "${k}" is not supported`);
      if (step.whileTrue !== undefined && processor && !processorFunction(processor, step.whileTrue)) problems.push(`${at}: whileTrue function "${String(step.whileTrue)}" is not in the processor`);
      problems.push(...unsupported(step.loop, processor, `${at}.loop`));
      return;
    }
    if ('think' in step || 'function' in step || 'log' in step) {
      const key = 'think' in step ? 'think' : 'function' in step ? 'function' : 'log';
      for (const k of Object.keys(step)) if (k !== key) problems.push(`${at}: "${k}" next to "${key}" is not supported`);
      return;
    }
    const method = methodOf(step);
    if (!method) {
      problems.push(`${at}: step "${Object.keys(step)[0] ?? ''}" is not supported (supported: loop, think, function, log, ${METHODS.join(', ')})`);
      return;
    }
    const params = (step[method] ?? {}) as Spec;
    for (const k of Object.keys(params)) if (!REQUEST_KEYS.has(k)) problems.push(`${at}.${method}: "${k}" is not supported`);
    if (params.url === undefined && params.uri === undefined) problems.push(`${at}.${method}: no url`);
    if (params.ifTrue !== undefined && processor && !processorFunction(processor, params.ifTrue)) problems.push(`${at}.${method}: ifTrue must name a processor function (expressions are not supported)`);
  });
  return problems;
}

function hooks(names: unknown, env: FlowEnv): ProcessorFunction[] {
  const out: ProcessorFunction[] = [];
  for (const name of list(names)) {
    const fn = processorFunction(env.processor, name);
    if (fn) out.push(fn);
    else env.warn(`WARNING: custom function ${String(name)} could not be found`);
  }
  return out;
}

function compileRequest(method: string, params: Spec, env: FlowEnv): Step {
  const rawUrl = params.url ?? params.uri;
  const rawHeaders = params.headers as Record<string, unknown> | undefined;
  // A named step's metrics-by-endpoint names do not depend on its URL: the engine emits them, without the plugin's hooks.
  const standIn = typeof params.name === 'string' ? env.scenario.endpoint : undefined;
  const scenarioHooks = (list: ProcessorFunction[]) => (standIn ? list.filter((h) => !standIn.hooks.has(h)) : list);
  const spec: RequestSpec = {
    method: method.toUpperCase(),
    rawUrl,
    url: typeof rawUrl === 'string' ? compileString(rawUrl, env.template) : () => rawUrl,
    headers: Object.entries(rawHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), compileValue(v, env.template)]),
    beforeRequest: [...scenarioHooks(env.scenario.beforeRequest), ...hooks(params.beforeRequest, env)],
    scenarioAfterResponse: scenarioHooks(env.scenario.afterResponse),
    afterResponse: hooks(params.afterResponse, env),
  };
  if (standIn) spec.endpoint = endpointMetrics(standIn.prefix, params.name as string);
  if (typeof params.name === 'string') spec.name = params.name;
  if (rawHeaders !== undefined) spec.rawHeaders = rawHeaders;
  if (params.json !== undefined) {
    spec.rawJson = params.json;
    spec.json = compileValue(params.json, env.template);
  }
  if (params.body !== undefined) {
    spec.rawBody = params.body;
    spec.body = compileValue(params.body, env.template);
  }
  const ifTrue = processorFunction(env.processor, params.ifTrue);
  if (ifTrue) spec.ifTrue = ifTrue;
  return requestStep(spec, env);
}

function compileLoop(step: Spec, env: FlowEnv): Step {
  const steps = compileFlow(list(step.loop), env);
  const whileTrue = processorFunction(env.processor, step.whileTrue);
  // Artillery: no count and no whileTrue loops for ever; whileTrue makes count irrelevant.
  const count = whileTrue ? -1 : step.count === undefined ? -1 : Number(step.count);
  return async (vu) => {
    const vars = vu.context.vars;
    let i = 0;
    vars.$loopCount = 0;
    while (whileTrue || count < 0 || i < count) {
      await runSteps(steps, vu);
      i++;
      vars.$loopCount = i;
      if (whileTrue && !(await callCondition(whileTrue, vu.context))) break;
    }
  };
}

function compileThink(step: Spec, env: FlowEnv): Step {
  const value = compileValue(step.think, env.template);
  return (vu) => sleep(thinkMs(value(vu.context)));
}

function compileFunction(step: Spec, env: FlowEnv): Step {
  const name = String(step.function);
  const fn = processorFunction(env.processor, name);
  // Artillery counts a missing function as an error and goes on.
  if (!fn) return (vu) => void vu.events.emit('error', `Undefined function "${name}"`) as undefined;
  return (vu) => callHook(fn, [vu.context, vu.events]);
}

function compileLog(step: Spec, env: FlowEnv): Step {
  const value = compileValue(step.log, env.template);
  return (vu) => {
    console.log(value(vu.context));
    return undefined;
  };
}

export function compileStep(raw: unknown, env: FlowEnv): Step[] {
  if (Array.isArray(raw)) return compileFlow(raw, env);
  const step = raw as Spec;
  if ('loop' in step) return [compileLoop(step, env)];
  if ('think' in step) return [compileThink(step, env)];
  if ('function' in step) return [compileFunction(step, env)];
  if ('log' in step) return [compileLog(step, env)];
  const method = methodOf(step);
  if (!method) throw new Error(`artillery-engine-luneo: unsupported step ${JSON.stringify(step)}`);
  return [compileRequest(method, (step[method] ?? {}) as Spec, env)];
}

export function compileFlow(flow: readonly unknown[], env: FlowEnv): Step[] {
  return flow.flatMap((s) => compileStep(s, env));
}

export async function runSteps(steps: readonly Step[], vu: Visitor): Promise<void> {
  for (const step of steps) {
    const pending = step(vu);
    if (pending) await pending;
  }
}
