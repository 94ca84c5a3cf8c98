import { parseArgs } from 'node:util';
import { generateKeyPair } from '../../sync/keys.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage: runnel keys generate --out <dir> [--name <name>]

Makes an Ed25519 key pair for signing model versions: <dir>/<name>.key, the private key (PEM,
mode 0600: keep it on the publisher, never copy it), and <dir>/<name>.pub, the public key to copy
into the trust folder of every device that should accept this publisher's models. Prints the key
id (the first 16 hex digits of the SHA-256 of the public key), which manifest.sig names.
Existing files are never overwritten. See docs/models.md, "Trust: signatures".

Options:
  --out <dir>    folder for the two files (created, mode 0700, if missing)
  --name <name>  file name without extension (default: device)
  -h, --help     show this help`;

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, name: { type: 'string', default: 'device' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'generate')
    throw new UsageError(`expected the subcommand "generate", got ${positionals.length ? `"${positionals.join(' ')}"` : 'none'}`);
  if (values.out === undefined) throw new UsageError('--out <dir> is required: the folder to write the key pair to');
  let pair;
  try {
    pair = generateKeyPair(values.out, values.name);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  console.log(
    `key id ${pair.keyId}\n  private ${pair.privateKeyFile} (mode 0600: keep it here)\n  public  ${pair.publicKeyFile} (copy it to the devices that trust this publisher)`,
  );
}

export const keysCommand: Command = { name: 'keys', summary: 'make an Ed25519 key pair for signing model versions', help: HELP, run };
