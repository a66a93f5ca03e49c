/**
 * The sandbox in a process of its own, for the bench: measured CPU and
 * memory of the load generator must not include the target's. Prints
 * `{"apiUrl", "widgetUrl", "pid"}` as one JSON line on stdout once both
 * hosts listen, and stops on SIGTERM or SIGINT.
 *
 * It also stops when its stdin closes or after --max-seconds: if the bench
 * dies without its cleanup running, the sandbox must not outlive it.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from '../sandbox/index.ts';

const { values } = parseArgs({ options: { 'max-seconds': { type: 'string', default: '900' } }, strict: true });
const maxSeconds = Number(values['max-seconds']);
if (!Number.isFinite(maxSeconds) || maxSeconds <= 0) {
  process.stderr.write(`--max-seconds must be a positive number, got ${values['max-seconds']}\n`);
  process.exit(2);
}

// Loopback only, free ports: the bench may run next to a developer's sandbox on 4010/4011.
const sandbox = await startSandbox({ host: '127.0.0.1', apiPort: 0, widgetPort: 0, render: { timeFactor: 0.02 } });

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearTimeout(lifetime);
  await sandbox.stop();
  process.exit(code);
}

const lifetime = setTimeout(() => {
  process.stderr.write(`sandbox-process: stopping after --max-seconds ${maxSeconds}\n`);
  void stop(1);
}, maxSeconds * 1000);
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.on('error', () => void stop(0));
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ apiUrl: sandbox.apiUrl, widgetUrl: sandbox.widgetUrl, pid: process.pid })}\n`);
