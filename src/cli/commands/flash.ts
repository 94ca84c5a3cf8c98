import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeviceProfile } from '../../config/device-profile.js';
import { flashBootPartition } from '../../deploy/flash.js';
import { parseEnvironmentFile, REGISTRY_VARIABLES } from '../../deploy/service-settings.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage: runnel flash --device <profile> --boot <dir> --bundle <file.tgz> --hostname <name>
                    --user <name> --ssh-key <file.pub> [Wi-Fi options] [service settings]
                    [--init <format>]

Prepares a freshly written Raspberry Pi OS SD card to come up running Runnel: writes onto its
mounted boot partition the hostname, a user who logs in with your SSH key (no password), optional
Wi-Fi, and the bundle (runnel bundle), which the first boot with a network installs (Node.js and
npm from Debian, then the bundle's install.sh: the runnel service starts). Write the image first
(Raspberry Pi Imager without its customisation, or dd), then mount the boot partition (bootfs).

It uses the mechanisms Raspberry Pi Imager writes: cloud-init's user-data, meta-data and
network-config on images based on Debian 13 (Trixie), which ship those files on the boot
partition; a firstrun.sh named on cmdline.txt (systemd.run=) on images based on Debian 12
(Bookworm). Which one is detected from the boot partition; --init chooses.

Options:
  --device <profile>          the board's profile (devices/ name or JSON file)
  --boot <dir>                the mounted boot partition (it must hold config.txt and cmdline.txt)
  --bundle <file.tgz>         the bundle to install (runnel bundle --device … --pipeline …)
  --hostname <name>           the board's host name
  --user <name>               the login user
  --ssh-key <file.pub>        the public key that user logs in with
  --wifi-ssid <name>          Wi-Fi network (with --wifi-password-file and --wifi-country)
  --wifi-password-file <file> a file whose first line is the Wi-Fi password (not on the command
                              line, where other users could read it)
  --wifi-country <CC>         two-letter regulatory country, e.g. DE
  --mqtt-url <url>            the MQTT broker, RUNNEL_MQTT_URL on the board: runnel run fills a
                              pipeline's {{ RUNNEL_MQTT_URL }} with it (mqtt://host:1883, mqtts://…)
  --registry <where>          the model registry, RUNNEL_REGISTRY: s3://bucket/prefix or an
                              absolute folder on the board
  --registry-env <file>       the registry's endpoint and credentials as NAME=value lines, from
                              ${REGISTRY_VARIABLES.join(', ')}
                              (a file, not the command line, where other users could read them)
  --init <cloud-init|firstrun>  the first-boot mechanism, when detection is not what you want
  -h, --help                  show this help`;

/** The NAME=value lines of `--registry-env`. */
function readEnvironment(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`--registry-env: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseEnvironmentFile(text, file);
  } catch (error) {
    throw new UsageError(`--registry-env: ${(error as Error).message}`);
  }
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      device: { type: 'string' },
      boot: { type: 'string' },
      bundle: { type: 'string' },
      hostname: { type: 'string' },
      user: { type: 'string' },
      'ssh-key': { type: 'string' },
      'wifi-ssid': { type: 'string' },
      'wifi-password-file': { type: 'string' },
      'wifi-country': { type: 'string' },
      'mqtt-url': { type: 'string' },
      registry: { type: 'string' },
      'registry-env': { type: 'string' },
      init: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const required = (name: 'device' | 'boot' | 'bundle' | 'hostname' | 'user' | 'ssh-key'): string => {
    const value = values[name];
    if (value === undefined) throw new UsageError(`--${name} is required`);
    return value;
  };
  const wifiGiven = [values['wifi-ssid'], values['wifi-password-file'], values['wifi-country']].filter((v) => v !== undefined).length;
  if (wifiGiven !== 0 && wifiGiven !== 3) throw new UsageError('Wi-Fi needs all three of --wifi-ssid, --wifi-password-file and --wifi-country');
  if (values.init !== undefined && values.init !== 'cloud-init' && values.init !== 'firstrun') throw new UsageError(`--init must be cloud-init or firstrun, got "${values.init}"`);
  let profile;
  try {
    profile = loadDeviceProfile(required('device'));
  } catch (error) {
    throw new UsageError(`--device: ${(error as Error).message}`);
  }
  const firstLine = (file: string, what: string): string => {
    try {
      return readFileSync(resolve(file), 'utf8').split('\n')[0]!.trim();
    } catch (error) {
      throw new UsageError(`${what}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const registryEnv = values['registry-env'] === undefined ? undefined : readEnvironment(values['registry-env']);
  const settings = {
    ...(values['mqtt-url'] === undefined ? {} : { mqttUrl: values['mqtt-url'] }),
    ...(values.registry === undefined ? {} : { registry: values.registry }),
    ...(registryEnv === undefined ? {} : { registryEnv }),
  };
  const report = flashBootPartition({
    boot: resolve(required('boot')),
    profile,
    bundle: resolve(required('bundle')),
    hostname: required('hostname'),
    user: required('user'),
    sshKey: firstLine(required('ssh-key'), '--ssh-key'),
    ...(wifiGiven === 3
      ? { wifi: { ssid: values['wifi-ssid']!, password: firstLine(values['wifi-password-file']!, '--wifi-password-file'), country: values['wifi-country']! } }
      : {}),
    ...(Object.keys(settings).length === 0 ? {} : { settings }),
    ...(values.init === undefined ? {} : { init: values.init }),
  });
  console.log(`runnel flash: wrote ${report.files.join(', ')} (${report.init}); put the card in the board and power it on`);
}

/** `runnel flash`. */
export const flashCommand: Command = { name: 'flash', summary: 'prepare a Raspberry Pi OS boot partition to install and run Runnel on first boot', help: HELP, run };
