/**
 * Runs scenarios on the luneo engine without Artillery around it: a fake
 * event sink that records what the engine emits, Artillery's own template
 * function, and small loopback servers to talk to.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VUContext } from 'artillery';
import LuneoEngine, { type EngineHelpers, type EngineScript } from '../../../engines/artillery-engine-luneo/index.ts';

const require = createRequire(import.meta.url);
const artilleryDir = path.dirname(require.resolve('artillery/package.json'));
/** Artillery's engine_util, as the runner hands it to engines. */
export const artilleryUtil = (await import(pathToFileURL(path.join(artilleryDir, 'dist', 'lib', 'commons', 'engine_util.js')).href)) as EngineHelpers;

export class Recorder {
  readonly events: [string, ...unknown[]][] = [];
  emit(event: string, ...args: unknown[]): boolean {
    this.events.push([event, ...args]);
    return true;
  }
  counter(name: string): number {
    return this.events.filter((e) => e[0] === 'counter' && e[1] === name).reduce((n, e) => n + Number(e[2]), 0);
  }
  histogram(name: string): number[] {
    return this.events.filter((e) => e[0] === 'histogram' && e[1] === name).map((e) => Number(e[2]));
  }
  errors(): string[] {
    return this.events.filter((e) => e[0] === 'error').map((e) => String(e[1]));
  }
  names(kind: string): Set<string> {
    return new Set(this.events.filter((e) => e[0] === kind).map((e) => String(e[1])));
  }
}

export interface Run {
  err: Error | null;
  context: VUContext;
  events: Recorder;
}

/** Runs `visitors` visitors of the script's first scenario to the end. */
export async function runScenario(script: EngineScript, vars: Record<string, unknown> = {}, visitors = 1): Promise<Run[]> {
  const events = new Recorder();
  const engine = new LuneoEngine(script, events, artilleryUtil);
  const [scenario] = script.scenarios ?? [];
  if (!scenario) throw new Error('no scenario');
  const run = engine.createScenario(scenario, events);
  return Promise.all(
    Array.from({ length: visitors }, (_, i) => new Promise<Run>((resolve) => {
      const context = { vars: { target: script.config.target, visitor: i, ...vars } } as VUContext;
      run(context, (err, ctx) => resolve({ err, context: ctx, events }));
    })),
  );
}

export interface TestServer {
  url: string;
  origin: string;
  port: number;
  /** connections accepted so far, and those closed */
  connections: number;
  closed: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(server: Server, scheme: 'http' | 'https', handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    url: '',
    origin: '',
    port: 0,
    connections: 0,
    closed: 0,
    requests: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      state.closed++;
      sockets.delete(socket);
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.origin = `${scheme}://127.0.0.1:${state.port}`;
  state.url = state.origin;
  return state;
}

export function httpServer(handler: Handler): Promise<TestServer> {
  return serve(createServer({ keepAliveTimeout: 30_000 }), 'http', handler);
}

export function httpsServer(handler: Handler, tls: { key: string; cert: string }): Promise<TestServer> {
  return serve(createTlsServer({ ...tls, keepAliveTimeout: 30_000 }) as unknown as Server, 'https', handler);
}

/** A JSON echo of what the server received. */
export const echo: Handler = (req, res, body) => {
  res.setHeader('content-type', 'application/json');
  res.setHeader('x-seen', 'yes');
  res.end(JSON.stringify({ method: req.method, url: req.url, body }));
};
