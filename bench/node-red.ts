/**
 * Node-RED as a peer in the forward-job benchmark: installed from the npm registry into a temp
 * folder (kept between runs), run headless (no editor, no HTTP server) with a flow written here:
 * mqtt in → json → function (keep temperature > 50, topic alerts/<device>) → mqtt out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Node-RED 5 needs Node 22; 4.x runs on Node 20. */
const SPEC = 'node-red@4';
/** Where Node-RED is installed, reused by later runs. */
export const NODE_RED_HOME = join(tmpdir(), 'runnel-bench-node-red');

/** Installs Node-RED into `NODE_RED_HOME` unless it is there; returns its version. */
export function installNodeRed(): string {
  const manifest = join(NODE_RED_HOME, 'node_modules', 'node-red', 'package.json');
  if (!existsSync(manifest)) {
    console.log(`(installing ${SPEC} into ${NODE_RED_HOME}: once, kept for later runs)`);
    mkdirSync(NODE_RED_HOME, { recursive: true });
    execFileSync('npm', ['install', '--prefix', NODE_RED_HOME, '--no-audit', '--no-fund', SPEC], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Writes a settings file and the forward flow for a broker at `url` and QoS `qos` into `dir`;
 * returns the arguments that start Node-RED on them (after `node`).
 */
export function nodeRedArgs(dir: string, url: string, qos: 0 | 1): string[] {
  const { hostname, port } = new URL(url);
  const broker = {
    id: 'broker',
    type: 'mqtt-broker',
    name: 'bench',
    broker: hostname,
    port,
    clientid: 'bench-node-red',
    autoConnect: true,
    usetls: false,
    protocolVersion: '5',
    keepalive: '60',
    cleansession: true,
  };
  const keepHot = "if (msg.payload.temperature > 50) { msg.topic = 'alerts/' + msg.payload.device; return msg; }\nreturn null;";
  const flow = [
    { id: 'tab', type: 'tab', label: 'forward' },
    broker,
    // x and y make them flow nodes: Node-RED takes a node without a position for a config node.
    {
      id: 'in',
      type: 'mqtt in',
      z: 'tab',
      x: 100,
      y: 100,
      topic: 'sensors/#',
      qos: String(qos),
      datatype: 'utf8',
      broker: 'broker',
      nl: false,
      rap: false,
      inputs: 0,
      wires: [['json']],
    },
    { id: 'json', type: 'json', z: 'tab', x: 300, y: 100, property: 'payload', action: 'obj', pretty: false, wires: [['keep-hot']] },
    { id: 'keep-hot', type: 'function', z: 'tab', x: 500, y: 100, func: keepHot, outputs: 1, wires: [['out']] },
    { id: 'out', type: 'mqtt out', z: 'tab', x: 700, y: 100, topic: '', qos: String(qos), retain: 'false', broker: 'broker', wires: [] },
  ];
  const flowFile = join(dir, 'flows.json');
  writeFileSync(flowFile, JSON.stringify(flow));
  const settings = {
    flowFile,
    userDir: dir,
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    externalModules: { autoInstall: false },
  };
  const settingsFile = join(dir, 'settings.js');
  writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  return [join(NODE_RED_HOME, 'node_modules', 'node-red', 'red.js'), '--settings', settingsFile, '--userDir', dir, flowFile];
}
