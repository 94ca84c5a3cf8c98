import { describe, expect, it } from 'vitest';
import { parseFitted } from '../../src/index.js';
import { vibrationExample } from '../../examples/vibration-features.js';

describe('examples/vibration-features', () => {
  it('per-second stats and FFT bands tell faulty from healthy on unseen machines', async () => {
    const r = await vibrationExample();
    expect(r.featureNames).toEqual(['ax_rms', 'ax_ptp', 'ax_kurtosis', 'ax_band_0_40', 'ax_band_40_80', 'ax_band_80_160', 'ax_band_160_500']);
    expect([r.trainRows, r.testRows]).toEqual([120, 40]); // 20 one-second windows per machine
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.95);
    const scaler = parseFitted(r.scalerJson);
    expect(scaler.featureNames).toEqual(r.featureNames);
    expect(scaler.fittedOn.rows).toBe(120);
  });
});
