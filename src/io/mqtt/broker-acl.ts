import { readFileSync } from 'node:fs';
import { parseTopicFilter, topicMatches } from './topic-filter.js';

/** Topic filters a client may publish to (`write`) and subscribe to and receive (`read`). */
export interface TopicGrants {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
}

/**
 * Who may use which topics on the embedded broker. Anything not granted is denied; a `+` or `#`
 * at the first level never grants a `$` topic (`$SYS/…`): grant `$SYS/#` by name.
 */
export interface BrokerAcl {
  /** Grants of clients that connect without a (checked) user name. */
  readonly anonymous?: TopicGrants;
  /** Grants per user name of the password file. */
  readonly users?: Readonly<Record<string, TopicGrants>>;
}

/** Every topic except `$` ones, to everybody: the broker's rule when no ACL is given. */
const OPEN: TopicGrants = { read: ['#'], write: ['#'] };

/**
 * Reads the Mosquitto-style ACL file subset: `user <name>` starts a user's section (lines before
 * the first one are for anonymous clients), `topic [read|write|readwrite] <filter>` grants a
 * filter (readwrite when the access is left out), `#` starts a comment. Errors name the line.
 */
export function parseAclFile(text: string, path: string): BrokerAcl {
  const anonymous = { read: [] as string[], write: [] as string[] };
  const users: Record<string, { read: string[]; write: string[] }> = {};
  let current = anonymous;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${path}:${i + 1}`;
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword === 'user' && rest.length > 0) {
      const name = line.slice('user'.length).trim();
      current = users[name] ??= { read: [], write: [] };
      return;
    }
    if (keyword === 'topic' && rest.length > 0) {
      const access = ['read', 'write', 'readwrite'].includes(rest[0]!) && rest.length > 1 ? rest.shift()! : 'readwrite';
      const filter = rest.join(' ');
      checkGrant(filter, where);
      if (access !== 'write') current.read.push(filter);
      if (access !== 'read') current.write.push(filter);
      return;
    }
    throw new Error(
      `${where}: expected "user <name>" or "topic [read|write|readwrite] <filter>", got "${line.slice(0, 60)}" (Mosquitto's "pattern" and "deny" lines are not supported: write the topics per user)`,
    );
  });
  return { anonymous, users };
}

/** Reads an ACL file (see `parseAclFile`). */
export function readAclFile(path: string): BrokerAcl {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the broker's ACL file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseAclFile(text, path);
}

function checkGrant(filter: string, where: string): void {
  const parsed = parseTopicFilter(filter);
  if (parsed.filter !== filter) throw new TypeError(`${where}: "${filter}" is not a plain MQTT filter (named wildcards like +name are for sources, not ACLs)`);
}

/** True when every topic `filter` matches is matched by `grant` too (so subscribing to `filter` reveals nothing beyond it). */
export function filterCovers(grant: string, filter: string): boolean {
  const g = grant.split('/');
  const f = filter.split('/');
  if (f[0]!.startsWith('$') && (g[0] === '+' || g[0] === '#')) return false;
  for (let i = 0; i < g.length; i++) {
    if (g[i] === '#') return true;
    if (i >= f.length || f[i] === '#') return false;
    if (g[i] !== '+' && g[i] !== f[i]) return false;
  }
  return g.length === f.length;
}

/** Answers the broker's access questions for a client known by user name (undefined: anonymous). */
export class TopicAccess {
  private readonly acl: BrokerAcl | undefined;

  /** `acl` undefined: every topic but `$` ones is open to every client. */
  constructor(acl: BrokerAcl | undefined, where: string) {
    if (acl !== undefined) {
      const sections: [string, TopicGrants | undefined][] = [
        ['anonymous', acl.anonymous],
        ...Object.entries(acl.users ?? {}).map(([u, g]): [string, TopicGrants] => [`user "${u}"`, g]),
      ];
      for (const [who, grants] of sections) for (const filter of [...(grants?.read ?? []), ...(grants?.write ?? [])]) checkGrant(filter, `${where}: acl, ${who}`);
    }
    this.acl = acl;
  }

  private grants(user: string | undefined): TopicGrants {
    if (this.acl === undefined) return OPEN;
    return (user === undefined ? this.acl.anonymous : Object.hasOwn(this.acl.users ?? {}, user) ? this.acl.users![user] : undefined) ?? {};
  }

  /** May `user` publish to `topic`? */
  canWrite(user: string | undefined, topic: string): boolean {
    return (this.grants(user).write ?? []).some((grant) => topicMatches(grant, topic));
  }

  /** May `user` receive a message on `topic`? */
  canRead(user: string | undefined, topic: string): boolean {
    return (this.grants(user).read ?? []).some((grant) => topicMatches(grant, topic));
  }

  /** May `user` subscribe to `filter` (only when a read grant covers all it matches)? */
  canSubscribe(user: string | undefined, filter: string): boolean {
    return (this.grants(user).read ?? []).some((grant) => filterCovers(grant, filter));
  }
}
