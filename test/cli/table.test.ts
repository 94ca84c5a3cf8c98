import { describe, expect, it } from 'vitest';
import { formatTable, shorten } from '../../src/cli/table.js';

describe('shorten', () => {
  it('keeps text that fits, on one line', () => {
    expect(shorten('a  reason\nover\tlines', 40)).toBe('a reason over lines');
  });

  it('cuts at the last word boundary that fits, never in the middle of a word', () => {
    const reason = 'json payload rejected: payload is not valid JSON (Unexpected token)';
    for (let max = 20; max < reason.length; max++) {
      const short = shorten(reason, max);
      expect(short.length).toBeLessThanOrEqual(max);
      expect(short.endsWith('…')).toBe(true);
      const kept = short.slice(0, -1);
      expect(reason.startsWith(kept)).toBe(true);
      expect(reason[kept.length], short).toMatch(/[\s,;:(]/); // the cut falls between words
    }
    expect(shorten('line 3: unterminated quoted field in the record', 30)).toBe('line 3: unterminated quoted…');
  });

  it('cuts one long word where it must', () => {
    expect(shorten('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('formatTable with a width', () => {
  it('shortens the last column so lines fit', () => {
    const table = formatTable(['count', 'reason'], [[3, 'late: window [0, 60000) is closed because its on-time pane has fired and the trigger has no late firings']], {
      width: 60,
    });
    const lines = table.split('\n');
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    expect(lines[2]).toBe('    3  late: window [0, 60000) is closed because its…');
  });
});
