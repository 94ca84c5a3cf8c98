/**
 * `fftBands`: per key and window, the energy of each feature's spectrum in frequency bands
 * (vibration features): the pane's last `size` samples, windowed (Hann by default), one real FFT
 * and one band-energy kernel call per feature.
 */
import type { FftWindow } from '../kernels/fft-plan.js';
import { typed, type FeatureRecord } from './records.js';
import { windowTransform, type PaneFeature, type PaneOptions, type WindowFeatureTransform } from './window-features.js';

/** The spectrum settings of `fftBands` (and of `windowStats`' `fft` option). */
export interface FftBandsSpec {
  /** Transform size, a power of two ≥ 4; a pane with fewer samples is zero-padded at the end, a longer one uses its last `size`. */
  readonly size: number;
  /** Sample rate in Hz (the rows of a pane are taken as evenly spaced at this rate). */
  readonly sampleRate: number;
  /** Band edges in Hz, ascending (nb + 1 edges for nb bands); a bin counts when lo ≤ f < hi. */
  readonly bands: readonly number[];
  /** Window function (default `'hann'`). */
  readonly window?: FftWindow;
}

/** Options of `fftBands`. */
export interface FftBandsOptions<R = FeatureRecord> extends PaneOptions<R>, FftBandsSpec {}

/** The output names of `fftBands`: `${feature}_band_${lo}_${hi}`. */
export function fftBandNames(features: readonly string[], bands: readonly number[]): string[] {
  return features.flatMap((f) => bands.slice(1).map((hi, b) => `${f}_band_${bands[b]}_${hi}`));
}

/** Band energies as a per-window feature family (checks the spec, throwing as `transform`). */
export function bandsFeature(transform: string, features: readonly string[], spec: FftBandsSpec): PaneFeature {
  const { size, sampleRate, bands } = spec;
  if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`${transform}: the FFT size must be a power of two >= 4, got ${size}`);
  if (!(sampleRate > 0)) throw new RangeError(`${transform}: sampleRate must be a positive number of Hz, got ${sampleRate}`);
  if (!Array.isArray(bands) || bands.length < 2 || bands.some((e, i) => typeof e !== 'number' || (i > 0 && !(e > bands[i - 1]!)))) {
    throw new RangeError(`${transform}: bands must be at least two ascending edges in Hz, got ${JSON.stringify(bands)}`);
  }
  const window = spec.window ?? 'hann';
  if (!['rect', 'hann', 'hamming'].includes(window)) throw new TypeError(`${transform}: window must be 'rect', 'hann' or 'hamming', got ${JSON.stringify(window)}`);
  const nb = bands.length - 1;
  const names = fftBandNames(features, bands);
  return {
    names,
    into(record, pane, ws) {
      const plan = ws.fftPlan(size, window);
      const k = ws.k.exports;
      const edges = ws.f64Of('edges', bands);
      const energies = ws.f64('energies', nb);
      const first = Math.max(0, pane.n - size);
      const frame = pane.view;
      for (let c = 0; c < pane.d; c++) {
        const input = plan.input.view;
        input.fill(0);
        for (let i = first; i < pane.n; i++) input[i - first] = frame[i * pane.d + c]!;
        plan.transform();
        k.bandEnergies(plan.spectrum.ptr, size, sampleRate, edges.ptr, nb, energies.ptr);
        const e = energies.view;
        for (let b = 0; b < nb; b++) record[names[c * nb + b]!] = e[b];
      }
    },
  };
}

/** Per key and window, band energies Σ|X[k]|² of each feature: one record per pane. */
export function fftBands<R extends object = FeatureRecord>(options: FftBandsOptions<R>): WindowFeatureTransform<R> {
  return typed(windowTransform(`fftBands(${options.size})`, options as PaneOptions, [bandsFeature('fftBands', options.features, options)]));
}
