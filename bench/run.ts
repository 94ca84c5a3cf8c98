/**
 * `npm run bench`: runs every benchmark suite (or those named on the command line) and prints
 * Markdown tables. Suites live in bench/*.bench.ts and export `run(): Promise<void>`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineLine } from './harness.js';

const HELP = `Usage: npm run bench [-- <suite> ...]

Runs the benchmark suites in bench/ (all of them by default) and prints Markdown tables
of medians and ratios against a baseline measured in the same run.
Suites: ${listSuites().join(', ')}`;

function listSuites(): string[] {
  const dir = dirname(fileURLToPath(import.meta.url));
  return readdirSync(dir)
    .filter((f) => /\.bench\.(js|ts)$/.test(f))
    .map((f) => f.replace(/\.bench\.(js|ts)$/, ''))
    .sort();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return;
  }
  const all = listSuites();
  const unknown = args.filter((a) => !all.includes(a));
  if (unknown.length > 0) throw new Error(`Unknown suite(s): ${unknown.join(', ')}. Known: ${all.join(', ')}`);
  const chosen = args.length > 0 ? args : all;
  console.log(`# Runnel benchmarks\n\n${machineLine()}`);
  const dir = dirname(fileURLToPath(import.meta.url));
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  for (const name of chosen) {
    console.log(`\n## ${name}`);
    const suite = (await import(pathToFileURL(join(dir, `${name}.bench.${ext}`)).href)) as { run(): Promise<void> };
    await suite.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
