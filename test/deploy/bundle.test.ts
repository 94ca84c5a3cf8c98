/**
 * `runnel bundle`: what goes into a device's bundle, read back from the .tgz (npm test builds
 * dist/ and build/ first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { list } from 'tar';
import { describe, expect, it } from 'vitest';
import { devicesDirectory, loadDeviceProfile } from '../../src/config/device-profile.js';
import { createBundle } from '../../src/deploy/bundle.js';
import { renderSystemdUnit } from '../../src/deploy/systemd-unit.js';

const run = promisify(execFile);
const ROOT = join(devicesDirectory(), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const PIPELINE = 'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config:\n        elements: [1, 2, 3]\n    - type: LogForTesting\n';

/** Each file in the .tgz with its mode and contents. */
async function readBundle(file: string): Promise<Map<string, { mode: number; text: string }>> {
  const files = new Map<string, { mode: number; text: string }>();
  await list({
    file,
    onReadEntry: (entry) => {
      if (entry.type !== 'File') return entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => files.set(entry.path, { mode: entry.mode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    },
  });
  return files;
}

describe('runnel bundle', () => {
  it('packs the compiled code, the kernels, the profile, the pipeline, the rendered unit, the locked manifest and the installer, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-bundle-test-'));
    const pipeline = join(dir, 'p.yaml');
    writeFileSync(pipeline, PIPELINE);
    const profile = loadDeviceProfile('raspberry-pi-4');
    const report = await createBundle({ profile, pipeline, out: join(dir, 'out', 'runnel-pi4.tgz') });
    const files = await readBundle(report.file);

    expect([...files.keys()].sort()).toEqual([...report.entries]);
    // The status page's script is compiled into dist/src with the rest (uPlot comes with the dependencies).
    for (const path of ['runnel/dist/src/cli/main.js', 'runnel/dist/src/index.js', 'runnel/dist/src/observe/page/status.js', 'runnel/build/kernels.wasm', 'runnel/install.sh'])
      expect(files.has(path), path).toBe(true);
    expect(
      [...files.keys()].filter(
        (path) =>
          !/^runnel\/(dist\/src\/.+\.js|build\/kernels\.wasm|devices\/raspberry-pi-4\.json|pipeline\.yaml|runnel\.service|package(-lock)?\.json|install\.sh|trim-runtime\.sh)$/.test(
            path,
          ),
      ),
    ).toEqual([]);
    expect(files.get('runnel/pipeline.yaml')!.text).toBe(PIPELINE);
    expect(JSON.parse(files.get('runnel/devices/raspberry-pi-4.json')!.text)).toEqual(profile);
    expect(files.get('runnel/runnel.service')!.text).toBe(renderSystemdUnit(profile));
    // The device installs exactly the locked production dependencies; no script needs the sources.
    expect(files.get('runnel/package-lock.json')!.text).toBe(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const manifest = JSON.parse(files.get('runnel/package.json')!.text) as Record<string, unknown>;
    const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['scripts']).toEqual({ start: (rootManifest['scripts'] as Record<string, string>)['start'] }); // no pre-step that builds
    expect(manifest['dependencies']).toEqual(rootManifest['dependencies']);
    expect(files.get('runnel/install.sh')!.mode & 0o111).toBe(0o111);
    writeFileSync(join(dir, 'install.sh'), files.get('runnel/install.sh')!.text);
    await run('sh', ['-n', join(dir, 'install.sh')]); // parses as a POSIX shell script
    expect(report.bytes).toBeLessThan(15 * 2 ** 20);
  });

  it('says what to build when the compiled code is missing, and refuses a pipeline that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-bundle-test-'));
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    const profile = loadDeviceProfile('raspberry-pi-zero-2w');
    await expect(createBundle({ profile, pipeline: join(dir, 'none.yaml'), out: join(dir, 'b.tgz'), root: dir })).rejects.toThrow(
      /dist\/src\/cli\/main\.js.*missing\. Run npm run build/,
    );
    await expect(createBundle({ profile, pipeline: join(dir, 'none.yaml'), out: join(dir, 'b.tgz') })).rejects.toThrow(/the pipeline .*none\.yaml does not exist/);
  });

  it('the command: --help, a missing option exits 2, a bundle is written and reported with its size', async () => {
    const help = await run('node', [CLI, 'bundle', '--help']);
    for (const option of ['--device <profile>', '--pipeline <file>', '--out <file>']) expect(help.stdout).toContain(option);
    await expect(run('node', [CLI, 'bundle', '--pipeline', 'p.yaml'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--device is required/) as unknown });
    const dir = mkdtempSync(join(tmpdir(), 'runnel-bundle-test-'));
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    const { stdout } = await run('node', [CLI, 'bundle', '--device', 'raspberry-pi-zero-2w', '--pipeline', join(dir, 'p.yaml')], { cwd: dir });
    expect(stdout).toMatch(new RegExp(`wrote ${join(dir, 'runnel-raspberry-pi-zero-2w.tgz')} \\([\\d.]+ [KM]iB, \\d+ files`));
  });
});
