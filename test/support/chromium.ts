/**
 * Headless Chromium for the browser tests: Debian's `chromium` package,
 * driven by playwright-core with `executablePath` (playwright's own browser
 * downloads are not used). When the package is missing the helper installs
 * it with apt-get, as CI machines of this kind allow; when that fails it
 * throws one message that says what to do, so the test fails, not skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { APT_LOCK } from './services.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL = 'apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium';

/** Chromium's flags for a quiet, isolated run: nothing may reach the network on its own either. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  // One install at a time across the test files, as test/support/services.ts does.
  const r = spawnSync('flock', [APT_LOCK, 'sh', '-c', INSTALL], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(CHROMIUM_PATH)) {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    throw new Error(
      `Chromium is needed at ${CHROMIUM_PATH} for the report's browser test and could not be installed (${why}). ` +
        `Install Debian's package as root: ${INSTALL}`,
    );
  }
  return CHROMIUM_PATH;
}

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium on a fresh profile directory, removed again on close.
 * playwright-core refuses `--user-data-dir` among the args: the persistent
 * launch is how it passes that flag.
 */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<LaunchedChromium> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'luneo-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true, viewport });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
