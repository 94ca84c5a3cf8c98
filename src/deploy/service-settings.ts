/**
 * The runnel service's settings: `/etc/runnel/runnel.env`, the environment systemd gives the
 * service (`EnvironmentFile=` in devices/systemd/runnel.service). `runnel flash` writes it; `runnel
 * run` fills a pipeline's `{{ RUNNEL_MQTT_URL }}` and `{{ RUNNEL_REGISTRY }}` from it, and the
 * registry's credentials are the `AWS_*` variables every AWS tool (and Runnel's S3 registry) reads.
 */

/** Settings of the service on a board. */
export interface ServiceSettings {
  /** The MQTT broker, `RUNNEL_MQTT_URL` (mqtt://, mqtts://, tcp://, ssl://, ws:// or wss://). */
  readonly mqttUrl?: string;
  /** The model registry, `RUNNEL_REGISTRY`: `s3://bucket/prefix` or an absolute folder on the board. */
  readonly registry?: string;
  /** The registry's endpoint and credentials: only the variables in `REGISTRY_VARIABLES`. */
  readonly registryEnv?: Readonly<Record<string, string>>;
}

/** Where the settings live on the board (root's only: they may hold credentials). */
export const SETTINGS_ON_DEVICE = '/etc/runnel/runnel.env';

/** The variables a registry's settings may hold: the S3 endpoint, region and credentials. */
export const REGISTRY_VARIABLES: readonly string[] = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'];
const S3_REGISTRY = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/**
 * The settings as an environment file (`KEY="value"` lines, systemd's syntax), after checking them;
 * a bad value throws an `Error` that names the option and what it must be.
 */
export function serviceSettingsFile(settings: ServiceSettings, profile: string): string {
  const lines: [string, string][] = [];
  if (settings.mqttUrl !== undefined) lines.push(['RUNNEL_MQTT_URL', checkMqttUrl(settings.mqttUrl)]);
  if (settings.registry !== undefined) {
    if (!S3_REGISTRY.test(settings.registry) && !settings.registry.startsWith('/')) {
      throw new Error(`registry "${settings.registry}": give s3://<bucket>/<prefix> or an absolute folder on the board, e.g. /var/lib/runnel/registry`);
    }
    lines.push(['RUNNEL_REGISTRY', settings.registry]);
  }
  const env = Object.entries(settings.registryEnv ?? {});
  if (env.length > 0 && settings.registry === undefined) throw new Error('registry credentials without a registry: give the registry too (s3://<bucket>/<prefix>)');
  for (const [name, value] of env) {
    if (!REGISTRY_VARIABLES.includes(name)) throw new Error(`registry settings: ${name} is not one of ${REGISTRY_VARIABLES.join(', ')}`);
    lines.push([name, value]);
  }
  for (const [name, value] of lines) {
    if ([...value].some((ch) => ch < ' ' || ch === '\x7f')) throw new Error(`${name}: the value holds a line break or another control character`);
  }
  return [
    `# Written by runnel flash for the device profile ${profile}: the runnel service's environment`,
    `# (EnvironmentFile= of runnel.service). It may hold credentials: keep it root's only (mode 0600).`,
    ...lines.map(([name, value]) => `${name}="${value.replace(/["\\]/g, '\\$&')}"`),
    '',
  ].join('\n');
}

/**
 * Reads an environment file: `NAME=value` lines, the value bare or in double quotes (with `\"` and
 * `\\`), blank lines and `#` comments skipped. Used for `runnel flash --registry-env` and to read a
 * settings file back; a line of another form throws, naming `file` and the line.
 */
export function parseEnvironmentFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: expected NAME=value or NAME="value", got ${JSON.stringify(line.slice(0, 40))}`);
    values[match[1]!] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
  });
  return values;
}

function checkMqttUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`MQTT URL "${url}" is not a URL: give e.g. mqtt://broker.plant.local:1883`);
  }
  if (!MQTT_SCHEMES.includes(parsed.protocol) || parsed.hostname === '') {
    throw new Error(`MQTT URL "${url}": give a broker as ${MQTT_SCHEMES.map((s) => `${s}//`).join(', ')} followed by host[:port]`);
  }
  return url;
}
