import { chmodSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DeviceProfile } from '../config/device-profile.js';
import { serviceSettingsFile, SETTINGS_ON_DEVICE, type ServiceSettings } from './service-settings.js';

/** How a Raspberry Pi OS image customises itself on first boot (Raspberry Pi Imager's `init_format`). */
export type InitFormat = 'cloud-init' | 'firstrun';

/** Wi-Fi for the board's first boot. */
export interface WifiSettings {
  readonly ssid: string;
  readonly password: string;
  /** Two-letter regulatory country, e.g. `DE`. */
  readonly country: string;
}

/** Options of `flashBootPartition`. */
export interface FlashOptions {
  /** The mounted boot partition of a freshly written Raspberry Pi OS image. */
  readonly boot: string;
  readonly profile: DeviceProfile;
  /** The `runnel bundle` to install on first boot. */
  readonly bundle: string;
  readonly hostname: string;
  /** The login user, created with the SSH key and no password (SSH keys only). */
  readonly user: string;
  /** The public SSH key (`ssh-ed25519 AAAA… comment`). */
  readonly sshKey: string;
  readonly wifi?: WifiSettings;
  /** The service's settings: the MQTT URL, the model registry and its credentials (`/etc/runnel/runnel.env` on the board). */
  readonly settings?: ServiceSettings;
  /** Which first-boot mechanism to write (default: detected from the boot partition). */
  readonly init?: InitFormat;
}

/** What `flashBootPartition` wrote. */
export interface FlashReport {
  readonly init: InitFormat;
  /** Files written or changed on the boot partition. */
  readonly files: readonly string[];
}

/** The bundle's name on the boot partition, where the first boot finds it. */
export const BUNDLE_ON_BOOT = 'runnel-bundle.tgz';
/** The service's settings on the boot partition, until the first boot moves them to /etc/runnel. */
export const SETTINGS_ON_BOOT = 'runnel.env';
const CLOUD_INIT_FILES = ['user-data', 'meta-data', 'network-config'];
const HOSTNAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

/**
 * Which mechanism a boot partition supports. Raspberry Pi OS images based on Debian 13 (Trixie)
 * ship cloud-init's seed files (`user-data`, `meta-data`, `network-config`, commented out) on the
 * boot partition and read them on first boot; the Debian 12 (Bookworm) images run a `firstrun.sh`
 * named on `cmdline.txt` (`systemd.run=`). Raspberry Pi Imager records the same choice per image as
 * `init_format` (`cloudinit-rpi` or `systemd`).
 */
export function detectInitFormat(boot: string): InitFormat {
  return CLOUD_INIT_FILES.some((file) => existsSync(join(boot, file))) ? 'cloud-init' : 'firstrun';
}

/**
 * Writes what a Raspberry Pi OS boot partition needs to come up running Runnel on first boot:
 * hostname, the user with the SSH key, optional Wi-Fi, and the bundle with a one-time install of
 * Node.js, npm and the bundle once the network is up — through cloud-init (Trixie images) or a
 * `firstrun.sh` run from `cmdline.txt` (Bookworm images), as Raspberry Pi Imager does. Refuses a
 * folder that is not a boot partition. Files holding secrets are written mode 0600 (a FAT boot
 * partition shows the mount's modes instead; its first boot deletes `firstrun.sh`, and the install
 * removes the Wi-Fi password from `network-config`).
 */
export function flashBootPartition(options: FlashOptions): FlashReport {
  const { boot } = options;
  checkBootPartition(boot);
  checkSettings(options);
  const init = options.init ?? detectInitFormat(boot);
  // The settings first: their validation can refuse them before anything is written.
  const settings = options.settings ? serviceSettingsFile(options.settings, options.profile.name) : undefined;
  copyFileSync(options.bundle, join(boot, BUNDLE_ON_BOOT));
  const written = settings === undefined ? [] : [put(boot, SETTINGS_ON_BOOT, settings)];
  const files = init === 'cloud-init' ? writeCloudInit(options) : writeFirstrun(options);
  return { init, files: [BUNDLE_ON_BOOT, ...written, ...files] };
}

function checkBootPartition(boot: string): void {
  if (!existsSync(boot) || !statSync(boot).isDirectory()) throw new Error(`${boot} is not a folder: give the mounted boot partition of the SD card (e.g. /media/$USER/bootfs)`);
  const missing = ['config.txt', 'cmdline.txt'].filter((file) => !existsSync(join(boot, file)));
  if (missing.length > 0) {
    throw new Error(
      `${boot} is not a Raspberry Pi OS boot partition (no ${missing.join(' or ')}): write the image first (Raspberry Pi Imager or dd), then give the mounted boot partition, the small FAT one (bootfs)`,
    );
  }
}

function checkSettings(options: FlashOptions): void {
  if (!HOSTNAME.test(options.hostname)) throw new Error(`hostname "${options.hostname}": letters, digits and -, at most 63, not starting or ending with -`);
  if (!USER.test(options.user)) throw new Error(`user "${options.user}": a lower-case letter or _, then lower-case letters, digits, _ or -, at most 32`);
  if (!SSH_KEY.test(options.sshKey.trim())) throw new Error('the SSH key is not a public key line (ssh-ed25519 AAAA… or ssh-rsa AAAA…): give the .pub file, never the private key');
  if (options.wifi && !/^[A-Z]{2}$/.test(options.wifi.country)) throw new Error(`Wi-Fi country "${options.wifi.country}": a two-letter code such as DE or GB`);
  if (!existsSync(options.bundle))
    throw new Error(`the bundle ${options.bundle} does not exist: make one with runnel bundle --device ${options.profile.name} --pipeline <file.yaml>`);
}

/**
 * The first-boot install, run once the network is up: Node.js and the build tools from Debian,
 * the service's settings moved to /etc/runnel (root's only: the service reads them before it drops
 * to its user), then the bundle's installer, which starts the service.
 */
function installCommands(options: FlashOptions): string[] {
  const bundle = `/boot/firmware/${BUNDLE_ON_BOOT}`;
  const settings = `/boot/firmware/${SETTINGS_ON_BOOT}`;
  return [
    'apt-get update',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm build-essential python3',
    ...(options.settings ? [`install -D -m 600 -o root -g root ${settings} ${SETTINGS_ON_DEVICE}`, `rm -f ${settings}`] : []),
    `mkdir -p /var/tmp/runnel && tar xzf ${bundle} -C /var/tmp/runnel`,
    '/var/tmp/runnel/runnel/install.sh',
    `rm -f ${bundle}`,
  ];
}

function writeCloudInit(options: FlashOptions): string[] {
  const userData = {
    hostname: options.hostname,
    manage_etc_hosts: true,
    users: [
      {
        name: options.user,
        groups: 'users,adm,dialout,sudo,netdev',
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: [options.sshKey.trim()],
      },
    ],
    ssh_pwauth: false,
    runcmd: [...installCommands(options), ...(options.wifi ? ["sed -i '/password:/d' /boot/firmware/network-config"] : [])],
  };
  const written = [
    put(options.boot, 'user-data', `#cloud-config\n# Written by runnel flash for the device profile ${options.profile.name}.\n${stringify(userData)}`),
    put(options.boot, 'meta-data', `instance-id: runnel-${options.hostname}\nlocal-hostname: ${options.hostname}\n`),
  ];
  if (options.wifi) {
    const network = {
      network: {
        version: 2,
        wifis: { wlan0: { dhcp4: true, 'regulatory-domain': options.wifi.country, optional: true, 'access-points': { [options.wifi.ssid]: { password: options.wifi.password } } } },
      },
    };
    written.push(put(options.boot, 'network-config', stringify(network)));
  }
  return written;
}

function writeFirstrun(options: FlashOptions): string[] {
  const bundle = `/boot/firmware/${BUNDLE_ON_BOOT}`;
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  const wifi = options.wifi
    ? [`/usr/lib/raspberrypi-sys-mods/imager_custom set_wlan ${quote(options.wifi.ssid)} ${quote(options.wifi.password)} ${quote(options.wifi.country)}`]
    : [];
  const service = [
    '[Unit]',
    'Description=Install Runnel once, on the first boot with a network',
    'Wants=network-online.target',
    'After=network-online.target',
    `ConditionPathExists=${bundle}`,
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh -c ${quote(installCommands(options).join(' && '))}`,
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n');
  const script = [
    '#!/bin/bash',
    `# Written by runnel flash for the device profile ${options.profile.name}: runs once, on the first`,
    '# boot (systemd.run= on cmdline.txt, as Raspberry Pi Imager does), then removes itself.',
    'set +e',
    `/usr/lib/raspberrypi-sys-mods/imager_custom set_hostname ${quote(options.hostname)}`,
    `/usr/lib/userconf-pi/userconf ${quote(options.user)} '*'`,
    `/usr/lib/raspberrypi-sys-mods/imager_custom enable_ssh -k ${quote(options.sshKey.trim())}`,
    ...wifi,
    `cat > /etc/systemd/system/runnel-install.service <<'UNIT'\n${service}\nUNIT`,
    'systemctl enable runnel-install.service',
    'rm -f /boot/firstrun.sh /boot/firmware/firstrun.sh',
    "sed -i 's| systemd.run.*||g' /boot/firmware/cmdline.txt /boot/cmdline.txt 2>/dev/null",
    'exit 0',
    '',
  ].join('\n');
  const cmdlinePath = join(options.boot, 'cmdline.txt');
  const cmdline = readFileSync(cmdlinePath, 'utf8')
    .split('\n')[0]!
    .replace(/ systemd\.run.*$/, '')
    .trim();
  writeFileSync(cmdlinePath, `${cmdline} systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`);
  return [put(options.boot, 'firstrun.sh', script), 'cmdline.txt'];
}

/** Writes a file readable by its owner only (it may hold a Wi-Fi password); returns its name. */
function put(boot: string, name: string, content: string): string {
  writeFileSync(join(boot, name), content, { mode: 0o600 });
  chmodSync(join(boot, name), 0o600); // an existing file keeps its mode through writeFileSync
  return name;
}
