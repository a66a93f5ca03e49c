/**
 * The one rate-limit gate of a generator process. Artillery's local workers
 * are worker threads of the process that also runs the before hook, the
 * preflight and the platform-metrics sampler (main thread), and they all
 * share the platform's per-address limit; so they share one gate: its
 * storage is a SharedArrayBuffer owned by the main thread and handed to each
 * worker over a BroadcastChannel, on which any thread can ask for it.
 */
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { GATE_CELLS, RateLimitGate } from './rate-limit-gate.ts';

const CHANNEL = 'luneo-load-tests.rate-limit-gate';
/** The main thread's storage, one per process even when several bundles of this module are loaded there. */
const STORAGE = Symbol.for('luneo-load-tests.rate-limit-gate.storage');
/** A worker that hears nothing by then goes on with a gate of its own and says so once. */
const HANDOVER_TIMEOUT_MS = 5_000;

type Message = { kind: 'ask' } | { kind: 'storage'; cells: BigInt64Array };

let gate: RateLimitGate | undefined;

function mainStorage(): BigInt64Array {
  const g = globalThis as Record<symbol, BigInt64Array | undefined>;
  return (g[STORAGE] ??= new BigInt64Array(new SharedArrayBuffer(GATE_CELLS * BigInt64Array.BYTES_PER_ELEMENT)));
}

/** The gate of this process; the first call in a thread joins it to the others. */
export function processGate(): RateLimitGate {
  if (gate) return gate;
  const channel = new BroadcastChannel(CHANNEL);
  // The channel must never be what keeps a finished run alive.
  channel.unref();
  if (isMainThread) {
    const cells = mainStorage();
    gate = new RateLimitGate({ cells });
    channel.onmessage = (e: unknown) => {
      if ((e as { data?: Message }).data?.kind === 'ask') channel.postMessage({ kind: 'storage', cells } satisfies Message);
    };
    // Workers that asked before this thread listened get it anyway.
    channel.postMessage({ kind: 'storage', cells } satisfies Message);
    return gate;
  }
  const own = new RateLimitGate();
  gate = own;
  own.waitUntilReady(
    new Promise<void>((resolve) => {
      const ask = setInterval(() => channel.postMessage({ kind: 'ask' } satisfies Message), 100);
      ask.unref();
      const giveUp = setTimeout(() => {
        clearInterval(ask);
        console.error('luneo-load-tests: this worker could not join the process-wide rate-limit gate; it honours Retry-After on its own');
        resolve();
      }, HANDOVER_TIMEOUT_MS);
      giveUp.unref();
      channel.onmessage = (e: unknown) => {
        const m = (e as { data?: Message }).data;
        if (m?.kind !== 'storage') return;
        own.adopt(m.cells);
        clearInterval(ask);
        clearTimeout(giveUp);
        channel.onmessage = () => {};
        resolve();
      };
      channel.postMessage({ kind: 'ask' } satisfies Message);
    }),
  );
  return own;
}
