/**
 * Real datasets for the trainer tests, read from `test/fixtures/datasets/` (origin and licence in
 * the README there): rows of numbers with the class index in the last column.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { frameFromRows } from './data.js';
import type { FrameLike } from '../../../src/kernels/frame.js';

/** A labelled dataset: the frame (float32, as trainers see it) and integer class labels. */
export interface Dataset {
  frame: FrameLike;
  labels: number[];
  classes: number;
}

const DIR = new URL('../../fixtures/datasets/', import.meta.url);

function parse(text: string, skipHeader: boolean): Dataset {
  const lines = text
    .trim()
    .split('\n')
    .slice(skipHeader ? 1 : 0)
    .map((l) => l.split(',').map(Number));
  const labels = lines.map((l) => l.at(-1)!);
  return { frame: frameFromRows(lines.map((l) => l.slice(0, -1))), labels, classes: new Set(labels).size };
}

/** UCI wine: 178 rows × 13 chemical measurements on very different scales (proline ~10³, hue ~1), 3 cultivars. */
export function wine(): Dataset {
  return parse(readFileSync(new URL('wine.csv', DIR), 'utf8'), true);
}

/** UCI optical digits (scikit-learn's 8 × 8 version): 1797 rows × 64 pixel counts 0–16, 10 classes. */
export function digits(): Dataset {
  return parse(gunzipSync(readFileSync(new URL('digits.csv.gz', DIR))).toString('utf8'), false);
}
