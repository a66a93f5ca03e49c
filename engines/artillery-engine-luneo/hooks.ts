/**
 * Calling processor functions the way Artillery does: an `async function`
 * is awaited; any other function is handed a `done` callback as its last
 * argument (artillery-notes: a plain function returning a promise never
 * calls done, so the caller would hang; that stays the processor's bug).
 */

/** A function of the processor module: user code, called only from here. */
export type ProcessorFunction = (...args: unknown[]) => unknown;

export type Processor = Record<string, unknown>;

export function isCallbackStyle(fn: ProcessorFunction): boolean {
  return fn.constructor.name === 'Function';
}

/** Runs one hook with `args`, then `done` if it is callback style. Rejects with the hook's error. */
export function callHook(fn: ProcessorFunction, args: readonly unknown[]): Promise<void> {
  if (!isCallbackStyle(fn)) return Promise.resolve(fn(...args)).then(noop);
  return new Promise<void>((resolve, reject) => {
    fn(...args, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

/** A `whileTrue` function: `(context, next)`, answered by `next(boolean)` in either style, as Artillery waits for it. */
export function callCondition(fn: ProcessorFunction, context: unknown): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const r = fn(context, (go: unknown) => resolve(Boolean(go)));
    if (r instanceof Promise) r.catch(reject);
  });
}

/** The named processor function, or undefined. */
export function processorFunction(processor: Processor | undefined, name: unknown): ProcessorFunction | undefined {
  if (typeof name !== 'string' || !processor) return undefined;
  const f = processor[name];
  return typeof f === 'function' ? (f as ProcessorFunction) : undefined;
}

function noop(): void {}
