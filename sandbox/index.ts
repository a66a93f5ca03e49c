import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApiServer } from './api-server.ts';
import { resolveOptions } from './options.ts';
import { SandboxState } from './state.ts';
import type { Faults, FaultsPatch, SandboxOptions, SandboxOptionsInput, SandboxStats } from './types.ts';
import { createWidgetServer } from './widget-server.ts';

export type * from './types.ts';
export { ROUTE_NAMES } from './types.ts';
export { FaultsError, defaultFaults } from './faults.ts';
export { CLI_API_PORT, CLI_WIDGET_PORT, DEFAULTS } from './options.ts';

export interface Sandbox {
  /** e.g. http://127.0.0.1:4010 (no trailing slash) */
  apiUrl: string;
  /** e.g. http://127.0.0.1:4011 (no trailing slash) */
  widgetUrl: string;
  options: SandboxOptions;
  /** shallow merge per key, as PATCH /__admin/faults (a route entry set to null is removed); throws FaultsError on a bad shape */
  setFaults(f: Partial<Faults> | FaultsPatch): void;
  stats(): SandboxStats;
  /** as POST /__admin/reset */
  reset(): void;
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the API host and the widget host; rejects (with both closed) when a port cannot be bound. */
export async function startSandbox(options: SandboxOptionsInput = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const state = new SandboxState(resolved);
  if (resolved.backed) {
    // Loaded only when asked for: the in-memory sandbox needs no driver.
    const { Backing } = await import('./backing.ts');
    const b = resolved.backed;
    state.backing = await Backing.start({ ...b, workerConcurrency: resolved.render.workerConcurrency }, resolved.activeShops, state.queue);
  }
  const api = createApiServer(state);
  const widget = createWidgetServer(state);
  const stop = async (): Promise<void> => {
    state.stop();
    await Promise.all([close(api), close(widget)]);
    await state.backing?.stop();
  };
  try {
    const apiPort = await listen(api, resolved.apiPort, resolved.host);
    const widgetPort = await listen(widget, resolved.widgetPort, resolved.host);
    state.apiUrl = urlFor(resolved.host, apiPort);
    state.widgetUrl = urlFor(resolved.host, widgetPort);
    resolved.apiPort = apiPort;
    resolved.widgetPort = widgetPort;
  } catch (err) {
    await stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    apiUrl: state.apiUrl,
    widgetUrl: state.widgetUrl,
    options: resolved,
    setFaults: (f) => {
      state.patchFaults(f);
    },
    stats: () => state.snapshot(),
    reset: () => state.reset(),
    stop: () => (stopping ??= stop()),
  };
}
