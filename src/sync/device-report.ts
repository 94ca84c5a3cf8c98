/**
 * A device report: what one device runs and has learnt from, pushed through the sync queue to
 * `devices/<deviceId>/report.json` in the fleet's bucket (the newest replaces the last), so
 * whoever runs the fleet sees every device's versions, their metrics and its sample counts in one
 * listing without reaching the devices.
 */
import type { ModelManifest } from './manifest.js';
import { checkName } from './verified-registry.js';

/** One model as a device reports it. */
export interface ReportedModel {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What `devices/<deviceId>/report.json` holds. */
export interface DeviceReport {
  readonly deviceId: string;
  /** ISO 8601, when the report was made. */
  readonly at: string;
  /** The version of each model the device serves. */
  readonly models: readonly ReportedModel[];
  /** Training samples held per model. */
  readonly samples: Readonly<Record<string, number>>;
}

/** The report of `deviceId` serving `models`, holding `samples` per model, made at `at` (ms). */
export function deviceReport(deviceId: string, models: readonly ModelManifest[], samples: Readonly<Record<string, number>>, at: number): DeviceReport {
  checkName(deviceId, 'device id');
  return {
    deviceId,
    at: new Date(at).toISOString(),
    models: models.map((m) => ({ name: m.name, version: m.version, sha256: m.sha256, createdAt: m.createdAt, metrics: m.metrics })),
    samples,
  };
}
