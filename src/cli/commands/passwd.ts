import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkUserName, setPassword } from '../../io/mqtt/broker-passwords.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage: runnel passwd <file> <user>

Adds a user to the embedded broker's password file, or changes their password, creating the
file (mode 0600) if needed. Pass the file to the broker as startEmbeddedBroker({ passwordFile }).

The password is asked twice on a terminal (not shown), or read from the first line of standard
input when that is not a terminal:
  printf '%s\\n' "$SENSOR_PASSWORD" | runnel passwd broker.passwd sensor-7

Each entry is stored as a salted scrypt hash (N=16384, r=8, p=1, a random 16-byte salt per
entry); the password itself is never written. User names are one word without ":".

Options:
  -h, --help  show this help`;

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 2) throw new UsageError(`expected a password file and a user name, got ${positionals.length} argument(s)`);
  const [file, user] = positionals as [string, string];
  try {
    checkUserName(user);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const password = process.stdin.isTTY ? await askTwice() : await firstLineOfStdin();
  if (password === '') throw new UsageError('the password is empty');
  const path = resolve(file);
  await setPassword(path, user, password);
  console.log(`${user}: password set in ${path}`);
}

async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function askTwice(): Promise<string> {
  const first = await askHidden('Password: ');
  if ((await askHidden('Same password again: ')) !== first) throw new UsageError('the two passwords differ; nothing was changed');
  return first;
}

/** Reads a line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return (finish(), resolve(text));
        if (ch === '\u0003' || ch === '\u0004') return (finish(), reject(new UsageError('cancelled; nothing was changed')));
        text = ch === '\u007f' || ch === '\b' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}

export const passwdCommand: Command = { name: 'passwd', summary: "add a user to the embedded broker's password file, or change their password", help: HELP, run };
