import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pipeline } from '../../core/pipeline.js';
import { kv } from '../../core/element.js';
import { readCsv } from '../../io/csv.js';
import { writeJsonl } from '../../io/jsonl.js';
import { collect } from '../../io/collect.js';
import { kernels } from '../../kernels/module.js';
import { allOf, count, max, mean, min, toList } from '../../transforms/combiners.js';
import type { DeadLetter } from '../../runner/types.js';
import { UsageError, type Command } from '../command.js';
import { ProgressBar } from '../progress.js';
import { writeSimulatedReadings } from '../simulated-sensors.js';

const HELP = `Usage: runnel demo [options]

Runs the demo job on embedded defaults: simulates temperature sensors into a CSV file, then
runs a pipeline over it (parse and type-check each row, reject implausible readings, compute
per-sensor statistics) and sums the readings in a WebAssembly kernel as a cross-check.
Rejected rows go to a dead-letter file with the reason.

This is the foundation-stage demo; the full loop (MQTT ingest, SQLite buffer, ONNX inference,
retraining, model sync) joins it as those parts land.

Options:
  --rows <n>      readings to simulate (default 200000)
  --sensors <n>   number of sensors (default 50)
  --out <dir>     where to write readings.csv, summary.jsonl, dead-letters.jsonl
                  (default ./runnel-demo)
  -h, --help      show this help`;

const RANGE = { min: -40, max: 85 }; // a typical industrial temperature sensor's range, °C

interface Reading {
  sensor: string;
  at: number;
  temp: number;
  humidity: number;
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

function checkRange(r: Reading): Reading {
  if (!(r.temp >= RANGE.min && r.temp <= RANGE.max)) {
    throw new RangeError(`temperature ${r.temp} °C is outside the sensor's range ${RANGE.min}…${RANGE.max} °C`);
  }
  return r;
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { rows: { type: 'string' }, sensors: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const rows = positiveInteger('rows', values.rows, 200_000);
  const sensors = positiveInteger('sensors', values.sensors, 50);
  const outDir = resolve(values.out ?? 'runnel-demo');
  const csvPath = join(outDir, 'readings.csv');

  const generating = new ProgressBar('simulating sensors ', rows);
  writeSimulatedReadings(csvPath, { rows, sensors, onProgress: (n) => generating.update(n, `${n.toLocaleString('en-US')} rows`) });
  generating.finish(`${rows.toLocaleString('en-US')} rows → ${csvPath}`);

  const p = new Pipeline();
  const readings = p
    .apply(readCsv(csvPath, { schema: { sensor: 'string', at: 'timestamp', temp: 'number', humidity: 'number' } }))
    .map(checkRange, 'checkRange');
  const summary = collect<{ key: string; value: { n: number; mean: number; min: number; max: number } }>();
  const perSensor = readings.map((r) => kv(r.sensor, r.temp), 'temperatureBySensor').combinePerKey(allOf({ n: count(), mean: mean(), min: min(), max: max() }), 'sensorStats');
  perSensor.apply(summary);
  perSensor.apply(writeJsonl(join(outDir, 'summary.jsonl')));
  const temperatures = collect<number[]>();
  readings.map((r) => r.temp, 'temperature').combineGlobally(toList<number>(), 'allTemperatures').apply(temperatures);

  const deadLetters: DeadLetter[] = [];
  const processing = new ProgressBar('running pipeline   ', rows);
  const result = await p.run({
    bundleSize: 2000,
    onDeadLetter: (d) => deadLetters.push(d),
    onProgress: ({ elementsRead, deadLetters: rejected }) => processing.update(elementsRead, `${elementsRead.toLocaleString('en-US')} rows, ${rejected} rejected`),
  });
  processing.finish(`${rows.toLocaleString('en-US')} rows in ${(result.elapsedMs / 1000).toFixed(2)} s (${Math.round(rows / (result.elapsedMs / 1000)).toLocaleString('en-US')} rows/s)`);
  writeFileSync(join(outDir, 'dead-letters.jsonl'), deadLetters.map((d) => JSON.stringify(d)).join('\n') + (deadLetters.length ? '\n' : ''));

  printSummary(summary.values, deadLetters, temperatures.values[0] ?? [], outDir);
}

function printSummary(
  stats: { key: string; value: { n: number; mean: number; min: number; max: number } }[],
  deadLetters: DeadLetter[],
  temperatures: number[],
  outDir: string,
): void {
  const hottest = [...stats].sort((a, b) => b.value.mean - a.value.mean).slice(0, 5);
  console.log('\nWarmest sensors (mean °C):');
  console.log('  sensor       readings    mean     min     max');
  for (const { key, value } of hottest) {
    console.log(`  ${key.padEnd(12)} ${String(value.n).padStart(8)} ${value.mean.toFixed(2).padStart(7)} ${value.min.toFixed(2).padStart(7)} ${value.max.toFixed(2).padStart(7)}`);
  }

  const { exports, arena } = kernels();
  const block = arena.allocF32(temperatures.length);
  block.view.set(temperatures);
  const wasmMean = exports.meanF32(block.ptr, temperatures.length);
  arena.free(block);
  const jsMean = temperatures.reduce((a, b) => a + b, 0) / temperatures.length;
  console.log(`\nMean of ${temperatures.length.toLocaleString('en-US')} readings: ${wasmMean.toFixed(4)} °C (WASM kernel), ${jsMean.toFixed(4)} °C (JavaScript)`);

  const reasons = new Map<string, number>();
  for (const d of deadLetters) {
    const reason = d.reason.replace(/^line \d+: /, '').replace(/-?\d+(\.\d+)?/g, 'N');
    reasons.set(`${d.stage}: ${reason}`, (reasons.get(`${d.stage}: ${reason}`) ?? 0) + 1);
  }
  console.log(`\n${deadLetters.length} rows rejected (details in ${join(outDir, 'dead-letters.jsonl')}):`);
  for (const [reason, n] of reasons) console.log(`  ${String(n).padStart(5)} × ${reason}`);
  console.log(`\nPer-sensor statistics: ${join(outDir, 'summary.jsonl')}`);
}

/** `runnel demo`: the job `npm start` runs. */
export const demoCommand: Command = { name: 'demo', summary: 'run the demo job on simulated sensors', help: HELP, run };
