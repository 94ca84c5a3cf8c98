/** examples/data/machine-temps.csv as rows: two machines' temperature and load every 10 s for 20 minutes (seeded). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One reading: machine, epoch ms, °C, load 0–1. */
export interface Reading {
  readonly machine: string;
  readonly t: number;
  readonly temp: number;
  readonly load: number;
}

/** Every reading of the file, in its order (by time, then machine). */
export const MACHINE_TEMPS: readonly Reading[] = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'data', 'machine-temps.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [machine, t, temp, load] = line.split(',');
    return { machine: machine!, t: Number(t), temp: Number(temp), load: Number(load) };
  });
