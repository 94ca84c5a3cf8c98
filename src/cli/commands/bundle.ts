import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeviceProfile } from '../../config/device-profile.js';
import { createBundle } from '../../deploy/bundle.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes } from '../table.js';

const HELP = `Usage: runnel bundle --device <profile> --pipeline <file.yaml> [--out <file.tgz>]

Packs what a device needs to run a pipeline as a service into one .tgz: the compiled code and
the WebAssembly kernels (build them first: npm run build), the device profile, the pipeline,
the systemd unit rendered for the profile (its heap limits and memory limits), package.json
and package-lock.json, and install.sh. On the device (Node.js 20 and npm installed):

  tar xzf runnel-<profile>.tgz && cd runnel && sudo ./install.sh

install.sh installs the locked production dependencies (npm ci --omit=dev) into /opt/runnel,
puts the pipeline in /etc/runnel, creates the user runnel and enables runnel.service.

Options:
  --device <profile>   a name in devices/ (raspberry-pi-4, raspberry-pi-zero-2w, …) or a path
                       to a profile's JSON file
  --pipeline <file>    the pipeline the service runs
  --out <file>         the bundle to write (default runnel-<profile>.tgz)
  -h, --help           show this help`;

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { device: { type: 'string' }, pipeline: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.device === undefined) throw new UsageError('--device is required: the board the bundle is for (see devices/)');
  if (values.pipeline === undefined) throw new UsageError('--pipeline is required: the pipeline file the service runs');
  let profile;
  try {
    profile = loadDeviceProfile(values.device);
  } catch (error) {
    throw new UsageError(`--device: ${(error as Error).message}`);
  }
  const out = resolve(values.out ?? `runnel-${profile.name}.tgz`);
  const report = await createBundle({ profile, pipeline: resolve(values.pipeline), out });
  console.log(`runnel bundle: wrote ${out} (${formatBytes(report.bytes)}, ${report.entries.length} files, without node_modules: the device installs them)`);
}

export const bundleCommand: Command = { name: 'bundle', summary: 'pack a pipeline, the runtime and a device profile for installing on a board', help: HELP, run };
