/**
 * A first pipeline: per-sensor statistics from a CSV of readings.
 * Run it with: npx tsx examples/sensor-summary.ts <readings.csv> [summary.jsonl]
 */
import { Pipeline, allOf, count, kv, max, mean, readCsv, writeJsonl, run, type PipelineResult } from '../src/index.js';

/** Builds and runs the pipeline; returns the run's result (dead letters included). */
export async function summarise(csvPath: string, outPath: string): Promise<PipelineResult> {
  const p = new Pipeline();
  p.apply(readCsv(csvPath, { schema: { sensor: 'string', temp: 'number' } })) // typed rows; bad rows → dead letters
    .filter((r) => r.temp > -40 && r.temp < 85, 'plausible')
    .map((r) => kv(r.sensor, r.temp))
    .combinePerKey(allOf({ n: count(), mean: mean(), max: max() }), 'stats')
    .apply(writeJsonl(outPath));
  return run(p);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [csv, out = 'summary.jsonl'] = process.argv.slice(2);
  if (!csv) throw new Error('usage: sensor-summary <readings.csv> [summary.jsonl]');
  const result = await summarise(csv, out);
  console.log(`wrote ${out}; ${result.deadLetterCount} rows rejected`);
  for (const d of result.deadLetters.slice(0, 5)) console.log(`  ${d.stage}: ${d.reason}`);
}
