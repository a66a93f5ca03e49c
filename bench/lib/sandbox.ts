/**
 * Starts bench/sandbox-process.ts and waits for the URLs it prints. The
 * sandbox's CPU is then the kernel's business, not the generator's.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type Bounded, spawnBounded, stopChild } from './children.ts';

export interface SandboxProcess {
  apiUrl: string;
  widgetUrl: string;
  pid: number;
  stop(): Promise<void>;
}

interface Announcement {
  apiUrl: string;
  widgetUrl: string;
  pid: number;
}

function isAnnouncement(v: unknown): v is Announcement {
  const a = v as Partial<Announcement> | null;
  return typeof a?.apiUrl === 'string' && typeof a.widgetUrl === 'string' && typeof a.pid === 'number';
}

export async function startSandboxProcess(root: string, lifetimeSeconds: number, env: NodeJS.ProcessEnv): Promise<SandboxProcess> {
  const script = path.join(root, 'bench', 'sandbox-process.ts');
  // The process-level deadline is a little longer than --max-seconds: the sandbox stops itself first.
  const run: Bounded = spawnBounded(
    process.execPath,
    [script, '--max-seconds', String(lifetimeSeconds)],
    // stdin stays an open pipe: when the bench dies, it closes and the sandbox stops.
    { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] },
    (lifetimeSeconds + 30) * 1000,
  );
  const stdout = run.child.stdout;
  if (!stdout) throw new Error('sandbox process has no stdout');
  const lines = createInterface({ input: stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox did not start within 30 s')), 30_000);
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void run.exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox process exited before listening (code ${e.code}, signal ${e.signal})`));
    });
  }).catch(async (err: unknown) => {
    await stopChild(run.child);
    throw err;
  });
  const parsed: unknown = JSON.parse(first);
  if (!isAnnouncement(parsed)) {
    await stopChild(run.child);
    throw new Error(`unexpected sandbox announcement: ${first}`);
  }
  // Anything else it prints is drained, so that a full pipe never blocks it.
  lines.on('line', () => undefined);
  for (const u of [parsed.apiUrl, parsed.widgetUrl]) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(u)) {
      await stopChild(run.child);
      throw new Error(`the sandbox must listen on loopback only, it announced ${u}`);
    }
  }
  return {
    apiUrl: parsed.apiUrl,
    widgetUrl: parsed.widgetUrl,
    pid: parsed.pid,
    stop: async () => {
      await stopChild(run.child);
      await run.exited;
    },
  };
}
