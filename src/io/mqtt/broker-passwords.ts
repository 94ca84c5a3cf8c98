import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The embedded broker's password file: one `user:$scrypt$N=16384,r=8,p=1$<salt>$<hash>` line per
 * user (salt and hash in base64, a fresh 16-byte salt per entry, `#` starts a comment). Create
 * and change entries with `runnel passwd <file> <user>` or `setPassword`.
 */

const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const ENTRY = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

interface Entry {
  readonly params: { readonly N: number; readonly r: number; readonly p: number };
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function scrypt(password: string, salt: Buffer, params: Entry['params']): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCallback(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** A user name the file can hold: not empty, no `:`, whitespace or control characters. */
export function checkUserName(user: string): void {
  if (typeof user !== 'string' || !/^[^\s:\p{Cc}]+$/u.test(user)) {
    throw new TypeError(`user name ${JSON.stringify(user)} is not allowed: use one word without ":", spaces or control characters`);
  }
}

/** The hashed form of `password` for a password-file line (scrypt, fresh random salt). */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password === '') throw new TypeError('password must be a non-empty string');
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, SCRYPT);
  return `$scrypt$N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parseEntry(text: string, where: string): Entry {
  const m = ENTRY.exec(text);
  if (!m) {
    throw new Error(
      `${where}: the password is not in Runnel's format ($scrypt$N=…,r=…,p=…$salt$hash); a file from mosquitto_passwd or htpasswd cannot be read: create entries with "runnel passwd <file> <user>"`,
    );
  }
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a tampered file from asking scrypt for gigabytes at every login.
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new Error(
      `${where}: scrypt parameters N=${N},r=${r},p=${p} are out of range (N a power of 2 up to 2^20, r up to 32, p up to 16): create the entry again with "runnel passwd"`,
    );
  }
  return { params: { N, r, p }, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

function parseLines(text: string, path: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${path}:${i + 1}: expected "user:<hashed password>", got a line without a user name`);
    users.set(line.slice(0, colon), line.slice(colon + 1));
  });
  return users;
}

/** A loaded password file. */
export interface PasswordFile {
  readonly path: string;
  readonly users: ReadonlySet<string>;
  /** True when `user` is in the file and `password` is theirs (an unknown user costs the same time). */
  verify(user: string, password: Buffer | string): Promise<boolean>;
}

/** Reads and checks a password file; errors name the file and line. */
export function readPasswordFile(path: string): PasswordFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the broker's password file ${path}: ${(error as Error).message}. Create it with "runnel passwd ${path} <user>"`, { cause: error });
  }
  const entries = new Map<string, Entry>();
  for (const [user, hashed] of parseLines(text, path)) entries.set(user, parseEntry(hashed, `${path}, user "${user}"`));
  if (entries.size === 0) throw new Error(`the broker's password file ${path} has no users: add one with "runnel passwd ${path} <user>"`);
  const decoy = entries.values().next().value as Entry;
  return {
    path,
    users: new Set(entries.keys()),
    async verify(user, password) {
      const entry = entries.get(user);
      const key = await scrypt(password.toString(), (entry ?? decoy).salt, (entry ?? decoy).params);
      return entry !== undefined && key.length === entry.hash.length && timingSafeEqual(key, entry.hash);
    },
  };
}

/** Adds `user` to the password file at `path` or changes their password (creating the file, mode 0600). */
export async function setPassword(path: string, user: string, password: string): Promise<void> {
  checkUserName(user);
  const hashed = await hashPassword(password);
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split(/\r?\n/) : [];
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const at = lines.findIndex((line) => line.startsWith(`${user}:`));
  if (at >= 0) lines[at] = `${user}:${hashed}`;
  else lines.push(`${user}:${hashed}`);
  // Written beside it and renamed, so a crash never leaves half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
