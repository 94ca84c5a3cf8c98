import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectStore, openForInspect, type StoreReport } from '../../store/inspect.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes, formatDuration, formatTable } from '../table.js';

const HELP = `Usage: runnel inspect <db> [options]

Summarises a Runnel database (read-only; safe while Runnel runs):
  inbox        buffered MQTT messages per source: depth, bytes, age of the oldest,
               rows dropped by a dropOldest cap, redeliveries stored once
  dead letters rejected input grouped by stage and code (BAD_JSON, LATE, …),
               largest groups first, with the latest reason of each
  outbox       outputs waiting for a sink, per stage, and how long the oldest has waited
  offsets      where each source of a durable run stands

Options:
  --reasons <n>  dead-letter groups to list (default 20)
  --json         print the figures as JSON instead of tables
  -h, --help     show this help`;

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { reasons: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one database file, got ${positionals.length}`);
  const maxReasons = values.reasons === undefined ? 20 : Number(values.reasons);
  if (!Number.isSafeInteger(maxReasons) || maxReasons < 1) throw new UsageError(`--reasons must be a positive integer, got "${values.reasons}"`);
  const path = resolve(positionals[0]!);
  const db = openForInspect(path);
  try {
    const report = inspectStore(db, { maxReasons });
    const width = process.stdout.isTTY ? process.stdout.columns : 160;
    console.log(values.json ? JSON.stringify(report, null, 2) : render(path, report, Date.now(), width));
  } finally {
    db.close();
  }
}

/** The report as tables, one section each; reasons are shortened (at a word) to fit `width`. */
export function render(path: string, r: StoreReport, now = Date.now(), width = 160): string {
  const age = (ms: number | null): string => (ms === null ? '-' : formatDuration(ms));
  const section = (title: string, empty: string, header: string[], rows: (string | number)[][]): string =>
    `${title}\n${rows.length === 0 ? `  ${empty}` : formatTable(header, rows, { width })}`;
  const inboxRows = r.inbox.reduce((n, s) => n + s.rows, 0);
  const outboxRows = r.outbox.reduce((n, s) => n + s.rows, 0);
  return [
    `${path}  (schema version ${r.schemaVersion}, ${r.committedSteps.toLocaleString('en-US')} steps committed)`,
    section(
      `Inbox: ${inboxRows.toLocaleString('en-US')} messages`,
      'no MQTT source has buffered anything',
      ['source', 'messages', 'size', 'oldest', 'dropped', 'duplicates'],
      r.inbox.map((s) => [s.source, s.rows, formatBytes(s.bytes), age(s.oldestAgeMs), s.dropped, s.duplicates]),
    ),
    section(
      `Dead letters: ${r.deadLetters.total.toLocaleString('en-US')}${deadLetterTitle(r)}`,
      'none',
      ['count', 'stage', 'code', 'last', 'latest reason'],
      r.deadLetters.groups.map((g) => [g.count, g.stage, g.code ?? '-', `${age(now - g.lastAt)} ago`, g.reason]),
    ),
    section(
      `Outbox: ${outboxRows.toLocaleString('en-US')} outputs waiting`,
      'empty: every output was delivered',
      ['stage', 'outputs', 'oldest'],
      r.outbox.map((s) => [s.stage, s.rows, age(s.oldestAgeMs)]),
    ),
    section(
      'Offsets',
      'no durable run has committed yet',
      ['source', 'updated', 'checkpoint'],
      r.offsets.map((o) => [o.source, `${age(now - o.updatedAt)} ago`, o.checkpoint]),
    ),
  ].join('\n\n');
}

/** What the dead-letter table is grouped by; a dash in the code column needs saying. */
function deadLetterTitle(r: StoreReport): string {
  const groups = r.deadLetters.groups;
  if (groups.length === 0) return '';
  return `, by stage and code${groups.some((g) => g.code === null) ? ' (code -: written before codes, grouped by reason)' : ''}`;
}

/** `runnel inspect <db>`. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'summarise a Runnel database: inbox, dead letters, outbox, offsets',
  help: HELP,
  run,
};
