/**
 * The suite's runner: Node's test runner with the given arguments, and
 * TMPDIR set to one fresh directory removed when the runner ends. Every
 * load run writes its results, environment copies, databases and
 * processor bundles under os.tmpdir(); without this a suite left about
 * 12 MB and 200 directories in /tmp each time (3,600 of them after a
 * week on one machine).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = mkdtempSync(path.join(os.tmpdir(), 'luneo-tests-'));
// PostgreSQL runs as its own user under it when the suite runs as root (test/support/services.ts).
chmodSync(root, 0o755);
const child = spawn(process.execPath, ['--test', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TMPDIR: root } });
const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('close', (code, signal) => {
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 143);
});
