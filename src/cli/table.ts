/**
 * A plain-text table with a header row and columns padded to width; numbers right-aligned. With
 * `width`, text in the last column is shortened at a word boundary so lines fit (it keeps at
 * least 30 characters).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], options: { width?: number } = {}): string {
  let cells = rows.map((row) => row.map((v) => (typeof v === 'number' ? v.toLocaleString('en-US') : v)));
  if (options.width !== undefined && header.length > 0) {
    const last = header.length - 1;
    const before = header.slice(0, last).reduce((sum, h, c) => sum + Math.max(h.length, ...cells.map((row) => row[c]?.length ?? 0)) + 2, 0);
    const room = Math.max(30, options.width - before);
    cells = cells.map((row) => row.map((v, c) => (c === last ? shorten(v, room) : v)));
  }
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]?.length ?? 0)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number'));
  const line = (row: readonly string[]): string =>
    row
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/**
 * `text` on one line (whitespace runs become one space) in at most `max` characters: cut at the
 * last word boundary that fits, with `…`, never in the middle of a word unless it is one long word.
 */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const room = flat.slice(0, max); // max - 1 characters and the ellipsis, or a word boundary before
  const space = room.lastIndexOf(' ');
  const cut = space >= max / 2 ? room.slice(0, space) : room.slice(0, max - 1);
  return `${cut.replace(/[\s,;:(]+$/, '')}…`;
}

/** A duration for people: `850 ms`, `42 s`, `3 min 5 s`, `2 h 10 min`, `4 d 3 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A byte count for people: `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
