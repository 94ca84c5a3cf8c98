const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/**
 * A Beam YAML duration in milliseconds: a number of seconds (`60`) or a number with a unit
 * (`500ms`, `10s`, `1m`, `2h`, `1d`). Returns undefined for anything else or for zero.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  return ms > 0 ? ms : undefined;
}

/** What a duration looks like, for error messages. */
export const DURATION_HINT = 'a duration like "10s", "500ms", "1m", "2h" or a number of seconds';
