import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { readAclFile, TopicAccess, type BrokerAcl } from './broker-acl.js';
import { readPasswordFile } from './broker-passwords.js';

/** Who may connect to the embedded broker and what they may do there. */
export interface BrokerAccessOptions {
  /** Password file (`runnel passwd <file> <user>` makes one); clients without a listed user and password are refused. Default: no passwords. */
  readonly passwordFile?: string;
  /** Per-topic grants, or the path of a Mosquitto-style ACL file. Default: every topic but `$SYS/…` open to every client. */
  readonly acl?: BrokerAcl | string;
}

/** The aedes hooks that enforce `BrokerAccessOptions`, and the publish check the broker's own `authorizePublish` calls first. */
export interface BrokerAccess {
  /** True when clients must give a user name and password. */
  readonly passwords: boolean;
  readonly hooks: Pick<AedesOptions, 'authenticate' | 'authorizeSubscribe' | 'authorizeForward'>;
  /** Undefined when `client` may publish to `topic`, else the error that refuses it (aedes then closes the connection). */
  refusePublish(client: Client | null, topic: string): Error | undefined;
}

function authError(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/** Loads the password and ACL files (errors name them) and builds the hooks. */
export function brokerAccess(options: BrokerAccessOptions, where: string): BrokerAccess {
  const passwords = options.passwordFile === undefined ? undefined : readPasswordFile(options.passwordFile);
  const topics = new TopicAccess(typeof options.acl === 'string' ? readAclFile(options.acl) : options.acl, where);
  // The user each client authenticated as; absent means anonymous.
  const users = new WeakMap<Client, string>();
  const userOf = (client: Client | null): string | undefined => (client === null ? undefined : users.get(client));

  return {
    passwords: passwords !== undefined,
    hooks: {
      authenticate(client, username, password, done) {
        if (passwords === undefined) return done(null, true);
        if (username === undefined || password === undefined) return done(authError('this broker needs a user name and password', 5), false);
        passwords.verify(username, password).then(
          (ok) => {
            if (!ok) return done(authError('bad user name or password', 4), false);
            users.set(client, username);
            done(null, true);
          },
          (error: Error) => done(authError(`password check failed: ${error.message}`, 5), false),
        );
      },
      authorizeSubscribe(client, subscription, done) {
        // A refused filter gets return code 0x80 in the SUBACK; the client stays connected.
        done(null, topics.canSubscribe(userOf(client), subscription.topic) ? subscription : null);
      },
      // Checked per message too, so a grant narrower than a subscription never leaks.
      authorizeForward: (client, packet) => (topics.canRead(userOf(client), packet.topic) ? packet : null),
    },
    refusePublish(client, topic) {
      if (topics.canWrite(userOf(client), topic)) return undefined;
      const who = userOf(client);
      return new Error(`not allowed to publish to "${topic}" (${who === undefined ? 'anonymous client' : `user "${who}"`}): grant it in the broker's ACL`);
    },
  };
}

/** Addresses only this device can reach: 127.0.0.0/8, ::1, localhost. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

/** True for an address only this device can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Refuses (TypeError) to listen beyond loopback when nothing checks who connects (no password
 * file, no required client certificate), unless `allowAnonymousOnNetwork`; then logs a warning.
 */
export function checkExposure(
  listen: { host: string; passwords: boolean; clientCertificates: boolean; allowAnonymousOnNetwork: boolean },
  where: string,
  log: (message: string) => void,
): void {
  if (isLoopback(listen.host) || listen.passwords || listen.clientCertificates) return;
  const open = `${where}: host "${listen.host}" lets other devices connect, and no password file or client certificate checks who they are`;
  if (!listen.allowAnonymousOnNetwork) {
    throw new TypeError(
      `${open}: set passwordFile (make one with "runnel passwd <file> <user>") or tls with requireClientCert, or allowAnonymousOnNetwork: true to run an open broker on purpose`,
    );
  }
  log(`[runnel] warning: ${open}: anyone on the network can publish readings and read every topic (allowAnonymousOnNetwork is set)`);
}
