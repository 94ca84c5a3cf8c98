import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { create as createTar } from 'tar';
import { devicesDirectory, type DeviceProfile } from '../config/device-profile.js';
import { renderSystemdUnit } from './systemd-unit.js';

/** Options of `createBundle`. */
export interface BundleOptions {
  readonly profile: DeviceProfile;
  /** The pipeline the service runs (`/etc/runnel/pipeline.yaml` on the device). */
  readonly pipeline: string;
  /** The `.tgz` to write. */
  readonly out: string;
  /** The Runnel package to bundle: its `dist/`, `build/`, `package.json` and lock file (default: this one). */
  readonly root?: string;
}

/** What `createBundle` wrote. */
export interface BundleReport {
  readonly file: string;
  /** Size of the `.tgz`. */
  readonly bytes: number;
  /** Paths inside the bundle, sorted. */
  readonly entries: readonly string[];
}

/**
 * Writes a bundle for one device: `runnel/` with the compiled code (`dist/src`, no source maps or
 * declarations), the release kernels (`build/kernels.wasm`), the profile (`devices/`), the
 * pipeline, the systemd unit rendered for the profile, `package.json` and `package-lock.json`
 * (so the device installs exactly the locked production dependencies with `npm ci --omit=dev`),
 * and `install.sh`. Nothing in it needs a dev dependency at run time.
 */
export async function createBundle(options: BundleOptions): Promise<BundleReport> {
  const root = options.root ?? dirname(devicesDirectory());
  const required = [join(root, 'dist', 'src', 'cli', 'main.js'), join(root, 'build', 'kernels.wasm'), join(root, 'package-lock.json')];
  const missing = required.filter((path) => !existsSync(path));
  if (missing.length > 0)
    throw new Error(`cannot bundle: ${missing.join(', ')} missing. Run npm run build in ${root} first (it compiles the TypeScript and the WebAssembly kernels)`);
  if (!existsSync(options.pipeline)) throw new Error(`cannot bundle: the pipeline ${options.pipeline} does not exist`);

  const staging = mkdtempSync(join(tmpdir(), 'runnel-bundle-'));
  try {
    const into = join(staging, 'runnel');
    const put = (to: string, content: string | Buffer, mode?: number): void => {
      mkdirSync(dirname(join(into, to)), { recursive: true });
      writeFileSync(join(into, to), content, mode === undefined ? undefined : { mode });
    };
    for (const file of compiledFiles(join(root, 'dist', 'src'))) put(join('dist', 'src', file), readFileSync(join(root, 'dist', 'src', file)));
    put('build/kernels.wasm', readFileSync(join(root, 'build', 'kernels.wasm')));
    put(`devices/${options.profile.name}.json`, `${JSON.stringify(options.profile, null, 2)}\n`);
    put('pipeline.yaml', readFileSync(options.pipeline));
    put('runnel.service', renderSystemdUnit(options.profile));
    put('package.json', `${JSON.stringify(devicePackageJson(root), null, 2)}\n`);
    copyFileSync(join(root, 'package-lock.json'), join(into, 'package-lock.json'));
    put('install.sh', installScript(options.profile, basename(options.out)), 0o755);
    put('trim-runtime.sh', TRIM_RUNTIME, 0o755);

    mkdirSync(dirname(options.out), { recursive: true });
    await createTar({ gzip: true, file: options.out, cwd: staging, portable: true }, ['runnel']);
    const entries = listFiles(into).map((file) => `runnel/${file}`);
    return { file: options.out, bytes: statSync(options.out).size, entries };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The package's compiled modules: `.js` only (source maps and declarations stay behind). */
function compiledFiles(dir: string): string[] {
  return listFiles(dir).filter((file) => file.endsWith('.js'));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The package's manifest with only `npm start` of its scripts (the others build from sources the bundle does not carry). */
function devicePackageJson(root: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { scripts, files: _files, ...kept } = manifest;
  const start = (scripts as Record<string, string> | undefined)?.['start'];
  return start === undefined ? kept : { ...kept, scripts: { start } };
}

/**
 * Run in the installed folder after `npm ci`: onnxruntime-web ships its builds for every backend
 * and browser (136 MB); under Node it loads `ort.node.min.*` and the SIMD-threaded WebAssembly
 * build only, so the rest goes (195 MB of node_modules become 56 MB).
 */
const TRIM_RUNTIME = `#!/bin/sh
# Keeps only the onnxruntime-web files Node loads (ort.node.min.* and the SIMD-threaded build).
set -eu
dist=node_modules/onnxruntime-web/dist
[ -d "$dist" ] || exit 0
find "$dist" -type f ! -name 'ort.node.min.mjs' ! -name 'ort.node.min.js' ! -name 'ort-wasm-simd-threaded.wasm' ! -name 'ort-wasm-simd-threaded.mjs' -delete
`;

/**
 * The device's installer, run as root from the unpacked `runnel/` folder: installs the locked
 * production dependencies, puts the code in /opt/runnel, the pipeline in /etc/runnel (kept if one
 * is there), creates the unprivileged `runnel` user and enables the service.
 */
function installScript(profile: DeviceProfile, bundleName: string): string {
  return `#!/bin/sh
# Installs Runnel for the device profile ${profile.name}. Run as root from the unpacked bundle:
#   tar xzf ${bundleName} && cd runnel && sudo ./install.sh
# Needs Node.js 20 at /usr/bin/node and npm (Debian: apt-get install nodejs npm), and the build
# tools better-sqlite3 compiles with when no prebuilt binary can be downloaded (build-essential, python3).
set -eu
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run it as root (sudo ./install.sh)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
node -e 'const [major] = process.versions.node.split("."); if (major < 20 || major > 22) { console.error("install.sh: Runnel needs Node.js 20 to 22, found " + process.version); process.exit(1); }'
mkdir -p /opt/runnel /etc/runnel
cp -R "$here/dist" "$here/build" "$here/devices" "$here/package.json" "$here/package-lock.json" /opt/runnel/
(cd /opt/runnel && npm ci --omit=dev --no-audit --no-fund && sh "$here/trim-runtime.sh")
[ -e /etc/runnel/pipeline.yaml ] || cp "$here/pipeline.yaml" /etc/runnel/pipeline.yaml
id runnel >/dev/null 2>&1 || useradd --system --home-dir /var/lib/runnel --shell /usr/sbin/nologin runnel
cp "$here/runnel.service" /etc/systemd/system/runnel.service
systemctl daemon-reload
systemctl enable --now runnel.service
echo "Runnel is installed and running: systemctl status runnel; journalctl -u runnel -f"
`;
}
