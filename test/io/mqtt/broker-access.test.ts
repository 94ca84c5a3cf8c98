/**
 * Who may use the embedded broker, checked with Mosquitto's own clients (`mosquitto_pub`,
 * `mosquitto_sub`, MQTT 3.1.1) as child processes: passwords from a file made by `runnel passwd`
 * (the compiled CLI; npm test builds dist/ first), per-topic ACLs for publish and subscribe,
 * TLS with client certificates, and the refusal to run an open broker on the network.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterCovers, parseAclFile } from '../../../src/io/mqtt/broker-acl.js';
import { readPasswordFile } from '../../../src/io/mqtt/broker-passwords.js';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../src/io/mqtt/embedded-broker.js';
import { Store } from '../../../src/store/store.js';
import { seededRandom } from '../../../src/testing/index.js';
import { generateCertificates, type TestCertificates } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

const CLI = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'cli', 'main.js');
const haveClients = existsSync('/usr/bin/mosquitto_pub') && existsSync('/usr/bin/mosquitto_sub');
/** `describe`, or one skipped line saying why when Mosquitto's clients are missing (`.ci/run` installs them). */
function describeWithClients(name: string, body: () => void): void {
  if (haveClients) describe(name, body);
  else describe.skip(`${name} (skipped: mosquitto_pub/mosquitto_sub are not installed; apt-get install mosquitto-clients)`, body);
}

const random = seededRandom(SEED);
/** A password of 12 to 27 printable characters, from the run's seed. */
const password = (): string => Array.from({ length: 12 + Math.floor(random() * 16) }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');

const dir = mkdtempSync(join(tmpdir(), 'runnel-broker-access-'));
const logs: string[] = [];
const brokers: EmbeddedBroker[] = [];
const stores: Store[] = [];

async function start(options: Partial<EmbeddedBrokerOptions>): Promise<EmbeddedBroker> {
  const store = Store.open(':memory:');
  stores.push(store);
  const broker = await startEmbeddedBroker({ store, name: 'sensors', topics: 'sensors/#', port: 0, dedupe: 'none', log: (m) => logs.push(m), ...options });
  brokers.push(broker);
  return broker;
}

afterAll(async () => {
  for (const broker of brokers) await broker.close();
  for (const store of stores) store.close();
});

/** Stored inbox payloads, oldest first. */
const stored = (broker: EmbeddedBroker): string[] => broker.inbox.read(0, 1000).map((row) => row.payload.toString());

/** Runs `mosquitto_pub` (QoS 1, MQTT 3.1.1) and gives its exit code and stderr. */
async function pub(port: number, topic: string, message: string, extra: string[] = []): Promise<{ code: number; stderr: string }> {
  const args = ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', message, ...extra];
  return new Promise((resolve) => {
    execFile('mosquitto_pub', args, { timeout: 10_000 }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }));
  });
}

/** A running `mosquitto_sub -v -d`: the messages it printed (`topic payload`) and the SUBACK's return code (128: refused). */
interface Subscriber {
  readonly messages: string[];
  readonly granted: number | undefined;
  stop(): void;
}

async function sub(port: number, filter: string, extra: string[] = []): Promise<Subscriber> {
  // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe.
  const child: ChildProcess = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(port), '-t', filter, '-v', '-d', ...extra]);
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const subscriber = {
    // -d prints the client's own traffic as "Client … sending/received …"; the rest are messages.
    get messages() {
      return lines.filter((l) => !l.startsWith('Client ') && !l.startsWith('Subscribed (mid'));
    },
    get granted() {
      const line = lines.find((l) => l.startsWith('Subscribed (mid'));
      return line === undefined ? undefined : Number(line.split(': ').at(-1));
    },
    stop: () => void child.kill(),
  };
  await until(() => subscriber.granted !== undefined, `mosquitto_sub on ${filter} to get its SUBACK`);
  return subscriber;
}

/** Adds `user` to the password file at `file` through the compiled `runnel passwd`, the password on stdin. */
async function runnelPasswd(file: string, user: string, secret: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'passwd', file, user], (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
    child.stdin!.end(`${secret}\n`);
  });
}

describe('ACL file and filter coverage', () => {
  it('reads user sections and topic lines, and names the line it cannot read', () => {
    const acl = parseAclFile('# comment\ntopic read public/#\nuser alice\ntopic write sensors/alice/#\ntopic alerts/+\n', 'acl');
    expect(acl).toEqual({ anonymous: { read: ['public/#'], write: [] }, users: { alice: { read: ['alerts/+'], write: ['sensors/alice/#', 'alerts/+'] } } });
    expect(() => parseAclFile('user bob\npattern read %u/#\n', '/etc/runnel.acl')).toThrow(/\/etc\/runnel\.acl:2: expected "user <name>".*pattern/);
    expect(() => parseAclFile('topic read a/#/b\n', 'acl')).toThrow(/# may only be the last level/);
  });

  it('a grant covers a subscription only when it matches everything the subscription matches; $SYS only by name', () => {
    const cases: [string, string, boolean][] = [
      ['#', 'a/b', true],
      ['#', '#', true],
      ['#', '$SYS/#', false],
      ['+/#', '$SYS/x', false],
      ['$SYS/#', '$SYS/broker/x', true],
      ['a/#', 'a', true],
      ['a/#', '#', false],
      ['a/+', 'a/#', false],
      ['a/+', 'a/+', true],
      ['a/+', 'a/b/c', false],
      ['a/b', 'a/+', false],
      ['+/b', 'x/b', true],
    ];
    for (const [grant, filter, covers] of cases) expect(filterCovers(grant, filter), `${grant} covers ${filter}`).toBe(covers);
  });
});

describe('password file', () => {
  it('says what to do with a file it cannot read, e.g. one made by mosquitto_passwd', () => {
    const file = join(dir, 'mosquitto.passwd');
    writeFileSync(file, 'alice:$7$101$c2FsdA==$aGFzaA==\n');
    expect(() => readPasswordFile(file)).toThrow(/mosquitto.passwd, user "alice": .*runnel passwd/);
    expect(() => readPasswordFile(join(dir, 'absent'))).toThrow(/cannot read the broker's password file .*absent.*runnel passwd/);
  });

  it('runnel passwd adds users, changes a password in place, and never writes the password itself', async () => {
    const file = join(dir, 'change.passwd');
    const [first, second, other] = [password(), password(), password()];
    await runnelPasswd(file, 'alice', first);
    await runnelPasswd(file, 'bob', other);
    await runnelPasswd(file, 'alice', second);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').map((line) => line.split(':')[0])).toEqual(['alice', 'bob', '']);
    for (const secret of [first, second, other]) expect(text).not.toContain(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const loaded = readPasswordFile(file);
    expect(await Promise.all([loaded.verify('alice', second), loaded.verify('alice', first), loaded.verify('bob', other), loaded.verify('carol', other)])).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('runnel passwd --help says how to give the password', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'passwd', '--help']);
    expect(stdout).toMatch(/Usage: runnel passwd <file> <user>[\s\S]*standard\s+input/);
  });
});

describeWithClients('embedded broker with passwords and an ACL file, with mosquitto_pub/mosquitto_sub', () => {
  const secrets = { alice: password(), bob: password(), admin: password() };
  let broker: EmbeddedBroker;
  let port: number;
  const as = (user: keyof typeof secrets): string[] => ['-u', user, '-P', secrets[user]];

  beforeAll(async () => {
    const passwd = join(dir, 'broker.passwd');
    for (const [user, secret] of Object.entries(secrets)) expect(await runnelPasswd(passwd, user, secret)).toContain(`${user}: password set in`);
    const acl = join(dir, 'broker.acl');
    writeFileSync(
      acl,
      [
        'user alice',
        'topic write sensors/alice/#',
        'topic read alerts/#',
        'user bob',
        'topic readwrite sensors/#',
        'user admin',
        'topic read #',
        'topic read $SYS/#',
        'topic write alerts/#',
      ].join('\n'),
    );
    broker = await start({ passwordFile: passwd, acl });
    port = broker.port;
  }, 30_000);

  it('refuses a wrong password and a missing one, and stores what a right password publishes', async () => {
    const wrong = await pub(port, 'sensors/alice/t', '{"n":1}', ['-u', 'alice', '-P', `${secrets.alice}x`]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/not authori[sz]ed|bad user name or password/i);
    expect((await pub(port, 'sensors/alice/t', '{"n":2}', ['-u', 'nobody', '-P', secrets.alice])).code).not.toBe(0);
    expect((await pub(port, 'sensors/alice/t', '{"n":3}')).code).not.toBe(0);
    expect(stored(broker)).toEqual([]);
    expect(await pub(port, 'sensors/alice/t', '{"n":4}', as('alice'))).toEqual({ code: 0, stderr: '' });
    expect(stored(broker)).toEqual(['{"n":4}']);
  });

  it('does not store a publish outside the ACL (aedes closes that connection), and stores one inside it', async () => {
    const before = stored(broker).length;
    expect((await pub(port, 'sensors/bob/t', '{"forged":true}', as('alice'))).code).not.toBe(0);
    expect((await pub(port, '$SYS/fake', 'x', as('bob'))).code).not.toBe(0);
    expect(stored(broker).slice(before)).toEqual([]);
    expect((await pub(port, 'sensors/bob/t', '{"n":5}', as('bob'))).code).toBe(0);
    expect(stored(broker).slice(before)).toEqual(['{"n":5}']);
  });

  it('gives a user who may not read # or $SYS/# nothing there, while a user granted them gets messages', async () => {
    const aliceAll = await sub(port, '#', as('alice'));
    const aliceSys = await sub(port, '$SYS/#', as('alice'));
    const aliceAlerts = await sub(port, 'alerts/#', as('alice'));
    const adminAll = await sub(port, '#', as('admin'));
    const adminSys = await sub(port, '$SYS/#', as('admin'));
    try {
      expect((await pub(port, 'sensors/bob/t', '{"n":6}', as('bob'))).code).toBe(0);
      expect((await pub(port, 'alerts/fire', 'hot', as('admin'))).code).toBe(0);
      // Each publisher's connect makes aedes publish $SYS/<id>/new/clients.
      await until(() => adminAll.messages.length >= 2 && adminSys.messages.length >= 1 && aliceAlerts.messages.length >= 1, 'the granted subscribers to get their messages');
      expect(adminAll.messages).toEqual(['sensors/bob/t {"n":6}', 'alerts/fire hot']);
      expect(adminSys.messages.every((m) => m.startsWith('$SYS/'))).toBe(true);
      expect(aliceAlerts.messages).toEqual(['alerts/fire hot']);
      expect([aliceAll.granted, aliceSys.granted, aliceAlerts.granted, adminAll.granted, adminSys.granted]).toEqual([128, 128, 0, 0, 0]);
      expect(aliceAll.messages).toEqual([]);
      expect(aliceSys.messages).toEqual([]);
    } finally {
      for (const s of [aliceAll, aliceSys, aliceAlerts, adminAll, adminSys]) s.stop();
    }
  });

  it('never writes a password into its log', () => {
    const text = logs.join('\n');
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });
});

describeWithClients('embedded broker without an ACL', () => {
  it('lets anonymous loopback clients use every topic but $SYS', async () => {
    const broker = await start({});
    const all = await sub(broker.port, '#');
    const sys = await sub(broker.port, '$SYS/#');
    try {
      expect((await pub(broker.port, 'sensors/a', '{"n":1}')).code).toBe(0);
      await until(() => all.messages.length === 1, 'the # subscriber to get the message');
      expect(stored(broker)).toEqual(['{"n":1}']);
      expect([all.granted, sys.granted]).toEqual([0, 128]);
      expect(sys.messages).toEqual([]);
    } finally {
      all.stop();
      sys.stop();
    }
  });
});

describeWithClients('embedded broker over TLS, with mosquitto_pub', () => {
  let certificates: TestCertificates;
  beforeAll(() => {
    certificates = generateCertificates();
  });
  const caFile = (): string[] => ['--cafile', join(certificates.dir, 'ca.crt')];
  const clientCert = (): string[] => ['--cert', join(certificates.dir, 'client.crt'), '--key', join(certificates.dir, 'client.key')];

  it('stores a publish from a client with a certificate signed by the CA, and refuses one without a certificate', async () => {
    const { serverKey: key, serverCert: cert, ca } = certificates;
    const broker = await start({ tls: { key, cert, ca, requireClientCert: true } });
    expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.port}`);
    expect((await pub(broker.port, 'sensors/a', '{"n":1}', caFile())).code).not.toBe(0);
    expect((await pub(broker.port, 'sensors/a', '{"n":2}')).code).not.toBe(0); // plain MQTT on the TLS port
    expect(stored(broker)).toEqual([]);
    expect(await pub(broker.port, 'sensors/a', '{"n":3}', [...caFile(), ...clientCert()])).toEqual({ code: 0, stderr: '' });
    expect(stored(broker)).toEqual(['{"n":3}']);
  });

  it('serves TLS without client certificates when they are not required, passwords on top', async () => {
    const { serverKey: key, serverCert: cert } = certificates;
    const passwd = join(dir, 'tls.passwd');
    const secret = password();
    await runnelPasswd(passwd, 'sensor', secret);
    const broker = await start({ tls: { key, cert }, passwordFile: passwd });
    expect((await pub(broker.port, 'sensors/a', '{"n":1}', [...caFile(), '-u', 'sensor', '-P', `${secret}!`])).code).not.toBe(0);
    expect((await pub(broker.port, 'sensors/a', '{"n":2}', [...caFile(), '-u', 'sensor', '-P', secret])).code).toBe(0);
    expect(stored(broker)).toEqual(['{"n":2}']);
  });

  it('checks TLS options before opening anything', async () => {
    const { serverKey: key, serverCert: cert } = certificates;
    await expect(start({ tls: { key, cert, requireClientCert: true } })).rejects.toThrow(/tls.requireClientCert needs tls.ca/);
  });
});

describe('embedded broker on a network address', () => {
  it('refuses to listen beyond loopback with nobody checked, unless allowAnonymousOnNetwork is set, and then warns', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/host "0.0.0.0" lets other devices connect.*passwordFile.*runnel passwd.*allowAnonymousOnNetwork: true/);
    const warned = logs.length;
    await start({ host: '0.0.0.0', allowAnonymousOnNetwork: true });
    expect(logs.slice(warned).join('\n')).toMatch(/warning: .*host "0.0.0.0".*anyone on the network can publish/);
  });

  it('listens beyond loopback with a password file, without a warning', async () => {
    const passwd = join(dir, 'network.passwd');
    await runnelPasswd(passwd, 'sensor', password());
    const warned = logs.length;
    await start({ host: '0.0.0.0', passwordFile: passwd });
    expect(logs.slice(warned).filter((m) => m.includes('warning'))).toEqual([]);
  });
});
