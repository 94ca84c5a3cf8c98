/**
 * `runnel flash` against fake boot partitions of both Raspberry Pi OS kinds: what it writes is
 * read back (the cloud-init YAML parsed, cmdline.txt one line, firstrun.sh checked by bash), and a
 * folder that is not a boot partition is refused.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devicesDirectory, loadDeviceProfile } from '../../src/config/device-profile.js';
import { BUNDLE_ON_BOOT, detectInitFormat, flashBootPartition, SETTINGS_ON_BOOT, type FlashOptions } from '../../src/deploy/flash.js';
import { parseEnvironmentFile } from '../../src/deploy/service-settings.js';

const exec = promisify(execFile);
const CLI = join(devicesDirectory(), '..', 'dist', 'src', 'cli', 'main.js');
const CMDLINE = 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJx3oR5m6Xl1qk7b2cF9t0yZ7m2uJc2w8p0x9aQ1bC3 me@laptop';
const WIFI = { ssid: 'Plant "North" Wi-Fi', password: `it's a "secret" $HOME`, country: 'DE' };
const SETTINGS = {
  mqttUrl: 'mqtts://broker.plant.local:8883',
  registry: 's3://models/fleet-a',
  registryEnv: { AWS_ENDPOINT_URL: 'https://s3.plant.local', AWS_ACCESS_KEY_ID: 'AKIDPLANT', AWS_SECRET_ACCESS_KEY: `s3cr"et\\with $HOME` },
};
/** The settings as the service reads them: NAME=value per variable. */
const SETTINGS_ENV = { RUNNEL_MQTT_URL: SETTINGS.mqttUrl, RUNNEL_REGISTRY: SETTINGS.registry, ...SETTINGS.registryEnv };
const INSTALL_SETTINGS = `install -D -m 600 -o root -g root /boot/firmware/${SETTINGS_ON_BOOT} /etc/runnel/runnel.env`;

/** A boot partition as the image leaves it: Trixie images carry cloud-init's seed files, commented out. */
function fakeBoot(kind: 'trixie' | 'bookworm'): string {
  const boot = mkdtempSync(join(tmpdir(), `runnel-boot-${kind}-`));
  writeFileSync(join(boot, 'config.txt'), 'arm_64bit=1\n');
  writeFileSync(join(boot, 'cmdline.txt'), `${CMDLINE}\n`);
  if (kind === 'trixie') for (const file of ['user-data', 'meta-data', 'network-config']) writeFileSync(join(boot, file), '# commented out by the image\n', { mode: 0o644 });
  return boot;
}

function options(boot: string, extra: Partial<FlashOptions> = {}): FlashOptions {
  const bundle = join(mkdtempSync(join(tmpdir(), 'runnel-bundle-')), 'b.tgz');
  writeFileSync(bundle, 'bundle bytes');
  return { boot, profile: loadDeviceProfile('raspberry-pi-zero-2w'), bundle, hostname: 'press-7', user: 'ops', sshKey: SSH_KEY, wifi: WIFI, ...extra };
}

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('runnel flash', () => {
  it('Trixie: cloud-init user-data, meta-data and network-config, owner-only, the bundle beside them, cmdline.txt untouched', () => {
    const boot = fakeBoot('trixie');
    expect(detectInitFormat(boot)).toBe('cloud-init');
    const report = flashBootPartition(options(boot));
    expect(report).toEqual({ init: 'cloud-init', files: [BUNDLE_ON_BOOT, 'user-data', 'meta-data', 'network-config'] });
    const userData = readFileSync(join(boot, 'user-data'), 'utf8');
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    const config = parse(userData) as { hostname: string; users: { name: string; lock_passwd: boolean; ssh_authorized_keys: string[] }[]; ssh_pwauth: boolean; runcmd: string[] };
    expect(config.hostname).toBe('press-7');
    expect(config.users).toMatchObject([{ name: 'ops', lock_passwd: true, ssh_authorized_keys: [SSH_KEY] }]);
    expect(config.ssh_pwauth).toBe(false);
    expect(config.runcmd).toContain('/var/tmp/runnel/runnel/install.sh');
    expect(config.runcmd.some((command) => command.includes(`tar xzf /boot/firmware/${BUNDLE_ON_BOOT}`))).toBe(true);
    const network = parse(readFileSync(join(boot, 'network-config'), 'utf8')) as {
      network: { wifis: { wlan0: { 'regulatory-domain': string; 'access-points': Record<string, { password: string }> } } };
    };
    expect(network.network.wifis.wlan0['regulatory-domain']).toBe('DE');
    expect(network.network.wifis.wlan0['access-points'][WIFI.ssid]).toEqual({ password: WIFI.password });
    expect(parse(readFileSync(join(boot, 'meta-data'), 'utf8'))).toEqual({ 'instance-id': 'runnel-press-7', 'local-hostname': 'press-7' });
    for (const file of ['user-data', 'meta-data', 'network-config']) expect(mode(join(boot, file)), file).toBe(0o600);
    expect(readFileSync(join(boot, BUNDLE_ON_BOOT), 'utf8')).toBe('bundle bytes');
    expect(readFileSync(join(boot, 'cmdline.txt'), 'utf8')).toBe(`${CMDLINE}\n`);
  });

  it('Bookworm: firstrun.sh that bash accepts and that passes every value through its quoting, run once from a one-line cmdline.txt', async () => {
    const boot = fakeBoot('bookworm');
    expect(detectInitFormat(boot)).toBe('firstrun');
    flashBootPartition(options(boot));
    flashBootPartition(options(boot)); // a second flash does not add a second systemd.run
    const cmdline = readFileSync(join(boot, 'cmdline.txt'), 'utf8');
    expect(cmdline).toBe(`${CMDLINE} systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`);
    const script = readFileSync(join(boot, 'firstrun.sh'), 'utf8');
    expect(mode(join(boot, 'firstrun.sh'))).toBe(0o600);
    await exec('bash', ['-n', join(boot, 'firstrun.sh')]);
    // The Wi-Fi line, with its command swapped for printf, prints the three values exactly.
    const wifiLine = script.split('\n').find((line) => line.includes('set_wlan'))!;
    const { stdout } = await exec('bash', ['-c', wifiLine.replace('/usr/lib/raspberrypi-sys-mods/imager_custom set_wlan', "printf '%s\\n'")]);
    expect(stdout).toBe(`${WIFI.ssid}\n${WIFI.password}\n${WIFI.country}\n`);
    expect(script).toContain(`set_hostname 'press-7'`);
    expect(script).toContain(`enable_ssh -k '${SSH_KEY}'`);
    expect(script).toMatch(/systemctl enable runnel-install\.service/);
    expect(script).toMatch(/rm -f \/boot\/firstrun\.sh/);
  });

  it('Trixie with service settings: runnel.env (owner-only) parsed back to the MQTT URL, registry and credentials, moved to /etc/runnel before the install', () => {
    const boot = fakeBoot('trixie');
    const report = flashBootPartition(options(boot, { settings: SETTINGS }));
    expect(report.files).toEqual([BUNDLE_ON_BOOT, SETTINGS_ON_BOOT, 'user-data', 'meta-data', 'network-config']);
    const file = join(boot, SETTINGS_ON_BOOT);
    expect(mode(file)).toBe(0o600);
    expect(parseEnvironmentFile(readFileSync(file, 'utf8'), file)).toEqual(SETTINGS_ENV);
    expect(readFileSync(file, 'utf8')).toContain(`AWS_SECRET_ACCESS_KEY="s3cr\\"et\\\\with $HOME"\n`);
    const { runcmd } = parse(readFileSync(join(boot, 'user-data'), 'utf8')) as { runcmd: string[] };
    const moved = runcmd.indexOf(INSTALL_SETTINGS);
    const removed = runcmd.indexOf(`rm -f /boot/firmware/${SETTINGS_ON_BOOT}`);
    const installed = runcmd.indexOf('/var/tmp/runnel/runnel/install.sh');
    expect(moved).toBeGreaterThan(-1);
    expect(removed).toBeGreaterThan(moved);
    expect(installed).toBeGreaterThan(removed); // the service starts with its settings in place
    expect(readFileSync(join(boot, 'user-data'), 'utf8')).not.toContain('AKIDPLANT'); // secrets stay in runnel.env
  });

  it('Bookworm with service settings: runnel.env beside firstrun.sh, moved by the one-time install service', () => {
    const boot = fakeBoot('bookworm');
    const report = flashBootPartition(options(boot, { settings: { mqttUrl: 'mqtt://10.0.0.5:1883' } }));
    expect(report.files).toEqual([BUNDLE_ON_BOOT, SETTINGS_ON_BOOT, 'firstrun.sh', 'cmdline.txt']);
    const file = join(boot, SETTINGS_ON_BOOT);
    expect(parseEnvironmentFile(readFileSync(file, 'utf8'), file)).toEqual({ RUNNEL_MQTT_URL: 'mqtt://10.0.0.5:1883' });
    expect(mode(file)).toBe(0o600);
    const execStart = readFileSync(join(boot, 'firstrun.sh'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('ExecStart='))!;
    expect(execStart.indexOf(INSTALL_SETTINGS)).toBeGreaterThan(-1);
    expect(execStart.indexOf(INSTALL_SETTINGS)).toBeLessThan(execStart.indexOf('install.sh'));
  });

  it('refuses bad service settings before writing anything, saying what to give', () => {
    const refused: [FlashOptions['settings'], RegExp][] = [
      [{ mqttUrl: 'broker:1883' }, /MQTT URL "broker:1883": give a broker as mqtt:\/\/, .* followed by host\[:port\]/],
      [{ mqttUrl: 'http://broker' }, /MQTT URL "http:\/\/broker"/],
      [{ registry: 'models/fleet' }, /registry "models\/fleet": give s3:\/\/<bucket>\/<prefix> or an absolute folder/],
      [{ registry: 's3://models', registryEnv: { HOME: '/root' } }, /HOME is not one of AWS_ENDPOINT_URL/],
      [{ registryEnv: { AWS_REGION: 'eu-west-1' } }, /registry credentials without a registry/],
      [{ registry: 's3://models', registryEnv: { AWS_SECRET_ACCESS_KEY: 'a\nRUNNEL_MQTT_URL=mqtt://evil' } }, /AWS_SECRET_ACCESS_KEY: the value holds a line break/],
    ];
    for (const [settings, message] of refused) {
      const boot = fakeBoot('trixie');
      expect(() => flashBootPartition(options(boot, { settings }))).toThrow(message);
      expect(existsSync(join(boot, BUNDLE_ON_BOOT)), 'nothing written').toBe(false);
    }
  });

  it('refuses a folder that is not a boot partition, a private key, and a bad host name, saying what to give', () => {
    const notBoot = mkdtempSync(join(tmpdir(), 'runnel-not-boot-'));
    expect(() => flashBootPartition(options(notBoot))).toThrow(/is not a Raspberry Pi OS boot partition \(no config\.txt or cmdline\.txt\)/);
    expect(() => flashBootPartition(options(fakeBoot('trixie'), { sshKey: '-----BEGIN OPENSSH PRIVATE KEY-----' }))).toThrow(/not a public key line.*never the private key/);
    expect(() => flashBootPartition(options(fakeBoot('trixie'), { hostname: 'bad_name' }))).toThrow(/hostname "bad_name"/);
  });

  it('the command: --help, Wi-Fi options all or none (exit 2), a flash reported with what it wrote', async () => {
    expect((await exec('node', [CLI, 'flash', '--help'])).stdout).toMatch(/^Usage: runnel flash --device <profile> --boot <dir>/);
    const boot = fakeBoot('trixie');
    const dir = mkdtempSync(join(tmpdir(), 'runnel-flash-cli-'));
    writeFileSync(join(dir, 'key.pub'), `${SSH_KEY}\n`);
    writeFileSync(join(dir, 'b.tgz'), 'bundle');
    const base = [
      'flash',
      '--device',
      'raspberry-pi-4',
      '--boot',
      boot,
      '--bundle',
      join(dir, 'b.tgz'),
      '--hostname',
      'press-8',
      '--user',
      'ops',
      '--ssh-key',
      join(dir, 'key.pub'),
    ];
    await expect(exec('node', [CLI, ...base, '--wifi-ssid', 'x'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/Wi-Fi needs all three/) as unknown });
    const { stdout } = await exec('node', [CLI, ...base]);
    expect(stdout).toBe(`runnel flash: wrote ${BUNDLE_ON_BOOT}, user-data, meta-data (cloud-init); put the card in the board and power it on\n`);
    // The service settings: credentials from a file, read back from what was written.
    writeFileSync(join(dir, 'registry.env'), `# the plant's object store\nAWS_ENDPOINT_URL=https://s3.plant.local\nAWS_SECRET_ACCESS_KEY="s3cr\\"et"\n`);
    const settings = ['--mqtt-url', SETTINGS.mqttUrl, '--registry', SETTINGS.registry, '--registry-env', join(dir, 'registry.env')];
    expect((await exec('node', [CLI, ...base, ...settings])).stdout).toContain(`wrote ${BUNDLE_ON_BOOT}, ${SETTINGS_ON_BOOT}, user-data`);
    const env = join(boot, SETTINGS_ON_BOOT);
    expect(parseEnvironmentFile(readFileSync(env, 'utf8'), env)).toEqual({
      RUNNEL_MQTT_URL: SETTINGS.mqttUrl,
      RUNNEL_REGISTRY: SETTINGS.registry,
      AWS_ENDPOINT_URL: 'https://s3.plant.local',
      AWS_SECRET_ACCESS_KEY: 's3cr"et',
    });
    writeFileSync(join(dir, 'bad.env'), 'AWS_REGION eu-west-1\n');
    await expect(exec('node', [CLI, ...base, '--registry', 's3://models', '--registry-env', join(dir, 'bad.env')])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--registry-env: .*bad\.env:1: expected NAME=value/) as unknown,
    });
  });
});
