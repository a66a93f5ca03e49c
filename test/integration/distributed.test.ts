/**
 * Distributed runs without AWS: the bundle Artillery would upload for each
 * Fargate/Lambda worker, built by Artillery's own createBOM, holds what a
 * worker needs (processors and their imports, the luneo plugin and its
 * imports, payloads, environment files, the dependency manifest) and no
 * secret; and `npm run load` divides the load by the worker count and
 * refuses what would go wrong, checked through --dry-run only.
 *
 * Two createBOMs exist in artillery 2.0.34: the exported
 * lib/create-bom/create-bom.ts, and lib/platform/aws-ecs/legacy/bom.ts,
 * which is the one run-fargate (create-test.ts) and run-lambda
 * (aws-lambda/dependencies.ts) call. Both are checked; the legacy one
 * expands the directories named in config.includeFiles, the exported one
 * lists them as they are, so they are expanded here the same way.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { EnvironmentName, ScenarioName } from '../../src/load/profiles.ts';
import { SCENARIOS } from '../../src/load/profiles.ts';
import { planLoad } from '../../scripts/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DISTRIBUTED_ENVIRONMENTS: EnvironmentName[] = ['ci', 'staging', 'prod'];
const HOSTS: Record<EnvironmentName, string> = { local: '127.0.0.1', ci: 'api.staging.luneo.app', staging: 'api.staging.luneo.app', prod: 'api.luneo.app' };

/** Secrets placed in the environment while the bundles are built: none may end up in a bundled file. */
const SECRETS = {
  API_KEY: `sk-test-${process.pid}-bundle-api-key`,
  LUNEO_EMAIL: `bundle-${process.pid}@secret.example`,
  LUNEO_PASSWORD: `pw-test-${process.pid}-bundle-password`,
  ARTILLERY_CLOUD_API_KEY: `a9_test_${process.pid}_bundle_cloud_key`,
} as const;
/** Variables that would change what a run targets: the tests start without them. */
const AMBIENT = ['BASE_URL', 'WIDGET_URL', 'LUNEO_DIALECT', 'LUNEO_ENVIRONMENTS_DIR', 'LUNEO_CONFIRM_FULL_LOAD', ...Object.keys(SECRETS)];

interface BomFile {
  orig: string;
  noPrefix: string;
}
interface Bom {
  files: BomFile[];
  modules: string[];
  pkgDeps: string[];
  fullyResolvedConfig?: unknown;
  externals?: { name: string; reason: string }[];
}
type CreateBom = (script: string, extraFiles: string[], opts: Record<string, unknown>, cb: (err: Error | null, bom: Bom | null) => void) => void;

async function loadCreateBom(relative: string): Promise<CreateBom> {
  const mod = (await import(pathToFileURL(path.join(ROOT, 'node_modules', 'artillery', 'dist', 'lib', relative)).href)) as { createBOM: CreateBom };
  assert.equal(typeof mod.createBOM, 'function', `${relative} exports createBOM`);
  return mod.createBOM;
}

function build(createBom: CreateBom, script: string, opts: Record<string, unknown>): Promise<Bom> {
  return new Promise((resolve, reject) => {
    createBom(script, [], opts, (err, bom) => (err || !bom ? reject(err ?? new Error('createBOM returned nothing')) : resolve(bom)));
  });
}

/** Bundle path (as uploaded, relative to the bundle root) → local file; directory entries expanded as run-fargate does. */
function bundleFiles(bom: Bom): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of bom.files) {
    if (existsSync(f.orig) && statSync(f.orig).isDirectory()) {
      for (const e of readdirSync(f.orig, { recursive: true, withFileTypes: true })) {
        if (!e.isFile()) continue;
        const abs = path.join(e.parentPath, e.name);
        out.set(path.posix.join(f.noPrefix, path.relative(f.orig, abs).split(path.sep).join('/')), abs);
      }
    } else {
      out.set(f.noPrefix.split(path.sep).join('/'), f.orig);
    }
  }
  return out;
}

const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join('/');

/** Static imports and re-exports, side-effect imports and dynamic import('…'); `import type` / `export type` are erased at run time. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"\n]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

interface ImportClosure {
  /** project-relative paths, the entry included */
  files: Set<string>;
  /** npm packages imported at run time */
  packages: Set<string>;
}

/** Every local file `entry` imports, transitively, read from the import statements themselves. */
function importClosure(entry: string): ImportClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const stack = [path.join(ROOT, entry)];
  while (stack.length) {
    const file = stack.pop() as string;
    if (files.has(rel(file))) continue;
    files.add(rel(file));
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(STATIC_IMPORT)].filter((m) => !m[1]).map((m) => m[2] as string);
    specs.push(...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1] as string));
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const found = [target, `${target}.ts`, path.join(target, 'index.ts')].find((p) => existsSync(p) && statSync(p).isFile());
        assert.ok(found, `${rel(file)} imports ${spec}, which does not exist`);
        stack.push(found);
      } else if (!isBuiltin(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
  }
  return { files, packages };
}

interface PackageJson {
  main?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

const PLUGIN_DIR = 'plugins/artillery-plugin-luneo';
const ENGINE_DIR = 'engines/artillery-engine-luneo';
/** The package's own Artillery packages, installed from the bundle by npm as file: dependencies. */
const LOCAL_PACKAGES = { 'artillery-plugin-luneo': PLUGIN_DIR, 'artillery-engine-luneo': ENGINE_DIR } as const;

/** What a worker of `scenario` needs, and which packages that code imports. */
function expectedFor(scenario: ScenarioName): { files: Set<string>; packages: Set<string> } {
  const processor = importClosure(`processors/${scenario}.ts`);
  const plugin = importClosure(`${PLUGIN_DIR}/${readJson(path.join(ROOT, PLUGIN_DIR, 'package.json')).main ?? 'index.js'}`);
  const engine = importClosure(`${ENGINE_DIR}/${readJson(path.join(ROOT, ENGINE_DIR, 'package.json')).main ?? 'index.js'}`);
  const files = new Set([...processor.files, ...plugin.files, ...engine.files, `${PLUGIN_DIR}/package.json`, `${ENGINE_DIR}/package.json`, 'processors/package.json', `scenarios/${scenario}.yml`]);
  const scenarioFile = path.join(ROOT, 'scenarios', `${scenario}.yml`);
  const config = (parseYaml(readFileSync(scenarioFile, 'utf8')) as { config: { payload?: { path: string } | { path: string }[] } }).config;
  const payloads = config.payload === undefined ? [] : Array.isArray(config.payload) ? config.payload : [config.payload];
  assert.ok(payloads.length > 0, `${scenario} has a payload`);
  for (const p of payloads) {
    const csv = rel(path.resolve(path.dirname(scenarioFile), p.path));
    assert.match(csv, /^data\/.+\.csv$/);
    files.add(csv);
  }
  for (const name of readdirSync(path.join(ROOT, 'environments'))) if (name.endsWith('.yml')) files.add(`environments/${name}`);
  files.add('package.json');
  files.add('package-lock.json');
  return { files, packages: new Set([...processor.packages, ...plugin.packages, ...engine.packages]) };
}

/** .env files, and files holding the value of a secret placed in the environment. */
function secretFindings(files: ReadonlyMap<string, string>): string[] {
  const found = [...files.keys()].filter((f) => /(^|\/)\.env/.test(f)).map((f) => `${f} is a .env file`);
  for (const [name, orig] of files) {
    const text = readFileSync(orig, 'utf8');
    for (const [variable, value] of Object.entries(SECRETS)) if (text.includes(value)) found.push(`${name} contains the value of ${variable}`);
  }
  return found;
}

function assertBundle(what: string, bom: Bom, scenario: ScenarioName, environment: EnvironmentName): Map<string, string> {
  const files = bundleFiles(bom);
  for (const [name, orig] of files) {
    assert.ok(!name.startsWith('/') && !name.startsWith('..'), `${what}: ${name} sits inside the bundle`);
    assert.ok(existsSync(orig) && statSync(orig).isFile(), `${what}: ${name} (${orig}) exists; Artillery silently skips a missing one`);
  }
  // The manifest sits at the bundle's root, where the worker runs npm install.
  assert.equal(files.get('package.json'), path.join(ROOT, 'package.json'), `${what}: the project's package.json is the bundle's dependency manifest`);
  const expected = expectedFor(scenario);
  const missing = [...expected.files].filter((f) => !files.has(f));
  assert.deepEqual(missing, [], `${what}: a worker would miss these files (add them to config.includeFiles in scenarios/${scenario}.yml)`);
  assert.ok(files.has(`environments/${environment}.yml`), `${what}: environments/${environment}.yml`);

  // The luneo plugin is a file: dependency: npm install on the worker needs its directory in the bundle.
  const pkg = readJson(path.join(ROOT, 'package.json'));
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const local = Object.entries(deps).filter(([, spec]) => spec.startsWith('file:'));
  for (const name of Object.keys(LOCAL_PACKAGES)) assert.ok(local.some(([n]) => n === name), `${name} is a file: dependency`);
  for (const [name, spec] of local) {
    const dir = path.posix.normalize(spec.slice('file:'.length));
    assert.ok(files.has(`${dir}/package.json`), `${what}: ${name} (${spec}) is bundled for npm install`);
  }
  // The worker runs `npm install <module>` for each one: a name package.json does not pin would come from the public registry.
  const unpinned = bom.modules.filter((m) => !bom.pkgDeps.includes(m));
  assert.deepEqual(unpinned, [], `${what}: modules not in package.json`);
  assert.deepEqual(bom.externals?.filter((e) => e.reason !== 'not-in-package-json') ?? [], [], `${what}: imports Artillery could not resolve`);
  const undeclared = [...expected.packages].filter((p) => !(p in deps));
  assert.deepEqual(undeclared, [], `${what}: packages the bundled code imports but package.json does not declare`);

  assert.deepEqual(secretFindings(files), [], `${what}: secrets in the bundle`);
  if (bom.fullyResolvedConfig !== undefined) {
    // Sent to every worker with the test's metadata.
    const config = JSON.stringify(bom.fullyResolvedConfig);
    for (const [variable, value] of Object.entries(SECRETS)) assert.ok(!config.includes(value), `${what}: the resolved config contains ${variable}`);
  }
  return files;
}

/** The flags run-fargate would hand createBOM for what `npm run fargate` launches. */
function fargateFlags(scenario: ScenarioName, environment: EnvironmentName, count: number): Record<string, unknown> {
  const plan = planLoad(['--scenario', scenario, '--env', environment, '--platform', 'fargate', '--count', String(count)], { LUNEO_CONFIRM_FULL_LOAD: HOSTS[environment] });
  assert.equal(plan.args[0], 'run-fargate');
  const flags: Record<string, unknown> = { platform: 'aws:ecs', secret: [] as string[] };
  for (let i = 1; i < plan.args.length - 1; i++) {
    const a = plan.args[i] as string;
    const v = plan.args[i + 1] as string;
    if (a === '-e') flags.environment = v;
    else if (a === '--secret') (flags.secret as string[]).push(v);
    else if (a.startsWith('--')) flags[a.slice(2)] = v;
    else continue;
    i++;
  }
  assert.equal(flags.dotenv, undefined);
  return flags;
}

const saved = new Map<string, string | undefined>();
function setEnvironment(): void {
  for (const k of AMBIENT) saved.set(k, process.env[k]);
  for (const k of AMBIENT) delete process.env[k];
  Object.assign(process.env, SECRETS);
}
function restoreEnvironment(): void {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe('the bundle Artillery ships to each distributed worker', () => {
  let exported: CreateBom;
  let legacy: CreateBom;
  before(async () => {
    setEnvironment();
    exported = await loadCreateBom('create-bom/create-bom.js');
    legacy = await loadCreateBom('platform/aws-ecs/legacy/bom.js');
  });
  after(restoreEnvironment);

  for (const scenario of SCENARIOS) {
    for (const environment of DISTRIBUTED_ENVIRONMENTS) {
      test(`${scenario} on ${environment}: processors and their imports, the plugin, the engine, payloads, environments, manifest; no secrets`, async () => {
        const script = path.join(ROOT, 'scenarios', `${scenario}.yml`);
        const flags = fargateFlags(scenario, environment, 10);
        const shipped = await build(legacy, script, { flags, scenarioPath: script });
        assertBundle('run-fargate bundle (legacy createBOM)', shipped, scenario, environment);
        const lambda = await build(legacy, script, { flags: { environment }, scenarioPath: script });
        assertBundle('run-lambda bundle (legacy createBOM)', lambda, scenario, environment);
        const plain = await build(exported, script, {});
        assertBundle('exported createBOM', plain, scenario, environment);
      });
    }

    test(`${scenario}: a worker can load what it is given (bundled processor, plugin and engine via npm's file: links, environment files)`, async () => {
      const script = path.join(ROOT, 'scenarios', `${scenario}.yml`);
      const bom = await build(legacy, script, { flags: fargateFlags(scenario, 'prod', 10), scenarioPath: script });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-worker-'));
      try {
        for (const [name, orig] of bundleFiles(bom)) {
          mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
          copyFileSync(orig, path.join(dir, name));
        }
        // What `npm install` leaves: the registry packages, and a link to the bundled copy of each file: dependency.
        const pkg = readJson(path.join(dir, 'package.json'));
        mkdirSync(path.join(dir, 'node_modules'));
        for (const name of readdirSync(path.join(ROOT, 'node_modules'))) {
          if (name in LOCAL_PACKAGES) continue;
          symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
        }
        for (const name of Object.keys(LOCAL_PACKAGES)) {
          const spec = pkg.dependencies?.[name] ?? '';
          symlinkSync(path.join(dir, spec.slice('file:'.length)), path.join(dir, 'node_modules', name));
        }

        // Artillery bundles a .ts processor with esbuild into <processor dir>/dist and require()s it.
        const requireFromArtillery = createRequire(path.join(ROOT, 'node_modules', 'artillery', 'package.json'));
        const esbuild = requireFromArtillery('esbuild-wasm') as { buildSync(o: Record<string, unknown>): { errors: unknown[] } };
        const out = path.join(dir, 'processors', 'dist', `${scenario}.ts.js`);
        const result = esbuild.buildSync({ entryPoints: [path.join(dir, 'processors', `${scenario}.ts`)], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
        assert.deepEqual(result.errors, []);
        const hooks = createRequire(out)(out) as Record<string, unknown>;
        assert.equal(typeof hooks.prepareRun, 'function', 'the before hook is exported');

        // Artillery loads the plugin by package name from the bundle's node_modules.
        const pluginPath = createRequire(path.join(dir, 'package.json')).resolve('artillery-plugin-luneo');
        assert.ok(pluginPath.startsWith(dir), `the plugin resolves inside the bundle (${pluginPath})`);
        const plugin = (await import(pathToFileURL(pluginPath).href)) as { Plugin?: unknown };
        assert.equal(typeof plugin.Plugin, 'function', 'the plugin exports Plugin');

        // The scenario names `engine: luneo`: Artillery loads artillery-engine-luneo the same way.
        const scenarioSpec = (parseYaml(readFileSync(script, 'utf8')) as { scenarios: { engine?: string }[] }).scenarios;
        assert.ok(scenarioSpec.every((s) => s.engine === 'luneo'), `every scenario of ${scenario}.yml runs on the luneo engine`);
        const enginePath = createRequire(path.join(dir, 'package.json')).resolve('artillery-engine-luneo');
        assert.ok(enginePath.startsWith(dir), `the engine resolves inside the bundle (${enginePath})`);
        const engine = (await import(pathToFileURL(enginePath).href)) as { default?: { prototype?: { createScenario?: unknown } } };
        assert.equal(typeof engine.default?.prototype?.createScenario, 'function', 'the engine exports its class as default');

        // The before hook reads environments/ next to scenarios/ in the bundle.
        const environments = (await import(pathToFileURL(path.join(dir, 'src', 'config', 'environments.ts')).href)) as typeof import('../../src/config/environments.ts');
        for (const environment of DISTRIBUTED_ENVIRONMENTS) {
          const settings = environments.loadSettings(environment, environments.environmentsDir(path.join(dir, 'scenarios', `${scenario}.yml`), {}), {});
          assert.equal(new URL(settings.baseUrl).hostname, HOSTS[environment]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('the secret check would catch a .env file: Artillery bundles one given with --dotenv outside Fargate (hence never --dotenv)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-dotenv-'));
    try {
      const dotenv = path.join(dir, '.env');
      writeFileSync(dotenv, `API_KEY=${SECRETS.API_KEY}\n`);
      const script = path.join(ROOT, 'scenarios', 'embed.yml');
      const bom = await build(legacy, script, { flags: { environment: 'ci', dotenv }, scenarioPath: script });
      assert.ok(bom.files.some((f) => f.orig === dotenv), 'run-lambda would upload the .env file');
      const findings = secretFindings(bundleFiles(bom));
      assert.ok(findings.some((f) => /\.env is a \.env file$/.test(f)), findings.join('; '));
      assert.ok(findings.some((f) => /\.env contains the value of API_KEY$/.test(f)), findings.join('; '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run <script> -- <args>` as an operator types it, with only `env` added to a clean environment. */
function npmRun(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of AMBIENT) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Words of a POSIX shell command line made of plain words and single-quoted ones. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unbalanced quote in ${line}`);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '\\') {
      word += line[i + 1] ?? '';
      i++;
      inWord = true;
    } else if (c === ' ') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function printedCommand(r: CliResult): string[] {
  const line = r.stdout.split('\n').find((l) => l.startsWith('npx artillery '));
  assert.ok(line, `a command line in:\n${r.stdout}${r.stderr}`);
  return shellWords(line);
}

function flagValues(words: readonly string[], flag: string): string[] {
  return words.flatMap((w, i) => (w === flag ? [words[i + 1] as string] : []));
}

interface Overrides {
  config: { phases: { duration?: number; arrivalRate?: number; arrivalCount?: number; pause?: number }[]; variables: { luneoProfile: string; luneoStages: string } };
}

function overridesOf(words: readonly string[]): Overrides {
  const values = flagValues(words, '--overrides');
  assert.equal(values.length, 1, 'one --overrides');
  return JSON.parse(values[0] as string) as Overrides;
}

/** Users the phases create: what one worker sends. */
function arrivals(o: Overrides): number {
  return o.config.phases.reduce((n, p) => n + (p.arrivalCount ?? (p.arrivalRate ?? 0) * (p.duration ?? 0)), 0);
}

function assertRefused(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit 2 expected:\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stdout, /^npx artillery /m, 'no command');
}

function assertNoSecrets(r: CliResult): void {
  for (const [variable, value] of Object.entries(SECRETS)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value), `${variable} printed`);
}

describe('npm run load: distributed runs divide the load and refuse what would go wrong (--dry-run only)', () => {
  test('fargate, 10 workers, embed on prod: 1,000 users per worker, secrets from SSM, no --dotenv', async () => {
    const r = await npmRun('load', ['--scenario', 'embed', '--env', 'prod', '--platform', 'fargate', '--count', '10', '--region', 'eu-west-1', '--dry-run'], {
      ...SECRETS,
      LUNEO_CONFIRM_FULL_LOAD: 'api.luneo.app',
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /10 workers × 1,000 users each = 10,000 users in total/);
    const words = printedCommand(r);
    assert.deepEqual(words.slice(0, 3), ['npx', 'artillery', 'run-fargate']);
    assert.deepEqual(flagValues(words, '--count'), ['10']);
    assert.deepEqual(flagValues(words, '-e'), ['prod']);
    assert.deepEqual(flagValues(words, '--region'), ['eu-west-1']);
    assert.deepEqual(flagValues(words, '--secret').sort(), ['API_KEY', 'LUNEO_EMAIL', 'LUNEO_PASSWORD']);
    assert.ok(!words.some((w) => w.startsWith('--dotenv')), 'no --dotenv');
    assert.equal(words.at(-1), 'scenarios/embed.yml');
    const o = overridesOf(words);
    assert.equal(arrivals(o), 1000, 'the phases bring 1,000 users to each worker');
    assert.equal(Math.max(...o.config.variables.luneoStages.split(' ').map((s) => Number(s.split(':')[1]))), 1000, 'each worker sends its users home by a 1,000-user profile');
    // Each worker's own production guard sees 1,000 users: the confirmation must reach it.
    const launch = JSON.parse(flagValues(words, '--launch-config')[0] ?? '{}') as { environment?: { name: string; value: string }[] };
    assert.deepEqual(launch.environment, [{ name: 'LUNEO_CONFIRM_FULL_LOAD', value: 'api.luneo.app' }]);
    assertNoSecrets(r);
  });

  test('render on prod with 10 workers: 50 users each, and the guard counts all 500', async () => {
    const refused = await npmRun('fargate', ['--scenario', 'render', '--env', 'prod', '--count', '10', '--dry-run']);
    assertRefused(refused, /refusing to send 500 concurrent users to prod \(api\.luneo\.app\) without confirmation.*LUNEO_CONFIRM_FULL_LOAD=api\.luneo\.app/);
    const r = await npmRun('fargate', ['--scenario', 'render', '--env', 'prod', '--count', '10', '--dry-run'], { LUNEO_CONFIRM_FULL_LOAD: 'api.luneo.app' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /10 workers × 50 users each = 500 users in total/);
    assert.equal(arrivals(overridesOf(printedCommand(r))), 50);
  });

  test('fargate and lambda without --count are refused', async () => {
    assertRefused(await npmRun('fargate', ['--scenario', 'embed', '--env', 'staging', '--dry-run']), /--platform fargate needs --count N: every worker runs the whole script/);
    assertRefused(await npmRun('lambda', ['--scenario', 'render', '--env', 'ci', '--dry-run']), /--platform lambda needs --count N/);
  });

  test('more workers than users is refused', async () => {
    assertRefused(await npmRun('fargate', ['--scenario', 'render', '--env', 'ci', '--count', '500', '--dry-run']), /500 workers leave every stage of profile ci-100 with 0 users per worker.*at most 200 workers/);
  });

  test('--dotenv on fargate is refused: secrets go by --secret', async () => {
    assertRefused(await npmRun('fargate', ['--scenario', 'embed', '--env', 'ci', '--count', '2', '--dry-run', '--', '--dotenv', '.env']), /--dotenv on fargate .*--secret/);
  });

  test('--record needs ARTILLERY_CLOUD_API_KEY, and never prints it', async () => {
    assertRefused(await npmRun('load', ['--scenario', 'embed', '--env', 'ci', '--record', '--dry-run']), /--record needs ARTILLERY_CLOUD_API_KEY/);
    const r = await npmRun('load', ['--scenario', 'embed', '--env', 'ci', '--record', '--dry-run'], SECRETS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(printedCommand(r).includes('--record'));
    assertNoSecrets(r);
  });

  test('an unknown scenario, environment or profile is refused', async () => {
    assertRefused(await npmRun('load', ['--scenario', 'checkout', '--env', 'ci', '--dry-run']), /unknown --scenario "checkout": choose one of embed, render/);
    assertRefused(await npmRun('load', ['--scenario', 'embed', '--env', 'qa', '--dry-run']), /unknown --env "qa": choose one of local, ci, staging, prod/);
    assertRefused(await npmRun('load', ['--scenario', 'embed', '--env', 'ci', '--profile', 'huge', '--dry-run']), /unknown --profile "huge"/);
  });

  test('a local run with another environment\'s profile gets it as --overrides, undivided', async () => {
    const r = await npmRun('load', ['--scenario', 'embed', '--env', 'staging', '--profile', 'ci', '--dry-run']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const words = printedCommand(r);
    assert.deepEqual(words.slice(0, 5), ['npx', 'artillery', 'run', '-e', 'staging']);
    const o = overridesOf(words);
    assert.equal(arrivals(o), 1000);
    assert.equal(o.config.variables.luneoProfile, 'ci-1k');
  });
});
