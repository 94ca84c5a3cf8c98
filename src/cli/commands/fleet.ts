import { parseArgs } from 'node:util';
import { mergeFleet } from '../../ml/fleet/merge.js';
import { loadSigningKey, loadTrustSet } from '../../sync/keys.js';
import { openRegistry } from '../../sync/open-registry.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage: runnel fleet merge --registry <dir | s3://bucket/prefix> --model <name> --key <file> --trust <path>... [options]

Fleet learning without moving raw data. Each device publishes the sufficient statistics of its
training rows for a model (linear/ridge regression: XᵀX, Xᵀy, n; Gaussian naive Bayes: per-class
counts, means and variances) to fleet/<model>/<device>.json in the registry, signed with its key.
"merge" reads every device's statistics, keeps those signed by a trusted device key, fits the
model a single fit on all their rows would give, and pushes it as the next version of <model>,
signed with --key. Documents left out are listed with the reason. Run it on any machine that
can reach the registry. See docs/models.md, "Fleet learning".

Options:
  --registry <where>     the registry the devices publish to: a folder, or s3://bucket/prefix
                         (endpoint and credentials from AWS_ENDPOINT_URL, AWS_REGION,
                         AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; see docs/models.md)
  --model <name>         the model to merge
  --key <file>           the publisher's private key (.key) to sign the merged version
  --trust <path>         a device public key (.pub) or a folder of them; repeat for more
  --l2 <λ>               ridge penalty for linear regression (default 0: OLS)
  --var-smoothing <v>    naive Bayes variance smoothing (default 1e-9)
  -h, --help             show this help

Exit codes: 0 merged and pushed; 1 nothing usable to merge, or the registry failed; 2 bad usage.`;

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number ≥ 0, got "${text}"`);
  return value;
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      registry: { type: 'string' },
      model: { type: 'string' },
      key: { type: 'string' },
      trust: { type: 'string', multiple: true },
      l2: { type: 'string' },
      'var-smoothing': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'merge')
    throw new UsageError(`expected the subcommand "merge", got ${positionals.length ? `"${positionals.join(' ')}"` : 'none'}`);
  for (const flag of ['registry', 'model', 'key'] as const) if (values[flag] === undefined) throw new UsageError(`--${flag} is required`);
  if (!values.trust?.length) throw new UsageError("--trust is required: the device keys whose statistics count (an unsigned merge would take anyone's rows)");
  const fit = { l2: number(values.l2, '--l2'), varSmoothing: number(values['var-smoothing'], '--var-smoothing') };
  const { registry, documents, close } = await openRegistry(values.registry!, { signingKey: loadSigningKey(values.key!) });
  let result;
  try {
    result = await mergeFleet({ documents, registry, model: values.model!, trust: loadTrustSet(values.trust), fit });
  } finally {
    close();
  }
  const rows = result.devices.reduce((sum, d) => sum + d.rows, 0);
  console.log(
    `pushed ${result.manifest.name} v${result.manifest.version}: fitted on ${rows} rows from ${result.devices.length} devices (${result.devices.map((d) => `${d.device} ${d.rows}`).join(', ')})`,
  );
  for (const left of result.leftOut) console.log(`  left out ${left.device}: ${left.reason}`);
}

export const fleetCommand: Command = { name: 'fleet', summary: "merge the fleet's training statistics into one model (fleet learning)", help: HELP, run };
