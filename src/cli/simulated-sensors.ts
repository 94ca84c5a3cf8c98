import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { seededRandom } from '../testing/random.js';

/** Options of `writeSimulatedReadings`. */
export interface SimulationOptions {
  rows: number;
  sensors: number;
  seed?: number;
  /** Fraction of rows written malformed, to show dead letters (default 0.005). */
  malformedFraction?: number;
  onProgress?: (rowsWritten: number) => void;
}

/**
 * Writes a CSV of temperature readings (`sensor,at,temp,humidity`): a daily cycle per sensor
 * plus noise, with a few malformed rows of the kinds real loggers produce.
 */
export function writeSimulatedReadings(path: string, options: SimulationOptions): void {
  const random = seededRandom(options.seed ?? 42);
  const malformed = options.malformedFraction ?? 0.005;
  const start = Date.UTC(2026, 0, 1);
  const offsets = Array.from({ length: options.sensors }, () => 15 + random() * 10);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, 'sensor,at,temp,humidity\n');
    let chunk: string[] = [];
    for (let i = 0; i < options.rows; i++) {
      const sensor = i % options.sensors;
      const at = start + Math.floor(i / options.sensors) * 10_000;
      const daily = 4 * Math.sin((2 * Math.PI * (at % 86_400_000)) / 86_400_000);
      const temp = (offsets[sensor]! + daily + (random() - 0.5)).toFixed(2);
      const humidity = (55 + 10 * random()).toFixed(1);
      const row = random() < malformed ? malformedRow(random, sensor, at) : `sensor-${sensor},${new Date(at).toISOString()},${temp},${humidity}`;
      chunk.push(row);
      if (chunk.length === 10_000 || i === options.rows - 1) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
        options.onProgress?.(i + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function malformedRow(random: () => number, sensor: number, at: number): string {
  const kinds = [
    `sensor-${sensor},${new Date(at).toISOString()},ERR,50.0`, // a logger's error marker
    `sensor-${sensor},${new Date(at).toISOString()}`, // truncated line
    `sensor-${sensor},${new Date(at).toISOString()},999.0,50.0`, // out of physical range
  ];
  return kinds[Math.floor(random() * kinds.length)]!;
}
