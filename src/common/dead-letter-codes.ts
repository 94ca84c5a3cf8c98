import { RunnelError, type RunnelErrorCode } from './errors.js';

/**
 * The stable codes of dead letters, each with what it means. A dead letter keeps its code beside
 * the reason (`dead_letters.code`), and `runnel inspect` groups by stage and code: a reason's text
 * varies with the input (V8's JSON messages quote it), so one cause made hundreds of groups.
 * Codes are never renamed; new ones may be added.
 */
export const DEAD_LETTER_CODES = {
  BAD_JSON: 'not valid JSON',
  BAD_CSV: 'a CSV record that cannot be parsed (an unterminated or malformed quote)',
  BAD_UTF8: 'a payload that is not UTF-8 text',
  BAD_FLOAT32: 'a float32 payload of the wrong length',
  FIELD_COUNT: 'a CSV record with the wrong number of fields',
  NOT_A_RECORD: 'a JSON value that is not an object where a record is needed',
  SCHEMA_MISSING: 'a field the schema requires is missing, empty or null',
  SCHEMA_TYPE: 'a field is not of its schema type (or not a finite decimal number)',
  JSON_LIMIT: 'JSON nested deeper than maxDepth or holding more than maxValues values',
  LINE_TOO_LONG: 'a line of a file longer than maxLineBytes (its first 1 KiB is kept)',
  PAYLOAD_TOO_LARGE: 'an MQTT payload larger than maxPayloadBytes (its first 1 KiB is kept)',
  QUARANTINED: 'a message the process died on twice, set aside',
  LATE: 'an element behind the watermark, for a window already closed',
  NOT_KEYED: 'an element that is not a key-value pair, given to a keyed transform',
  UNWRITABLE: 'a value a file sink cannot write (undefined as JSON, say)',
  UNDELIVERABLE: 'an output the sink could not deliver (the broker refused it)',
  USER_CODE: 'user code threw (a DoFn, a map, a combine) or rejected the element',
} as const;

/** A dead letter's code: one of `DEAD_LETTER_CODES`, or the code of a `RunnelError` that rejected it. */
export type DeadLetterCode = keyof typeof DEAD_LETTER_CODES | RunnelErrorCode;

/** Bad input, thrown by a decoder or a schema check: the error's message is the reason, `code` the dead letter's code. */
export class RejectedInput extends Error {
  override readonly name = 'RejectedInput';

  constructor(
    readonly code: DeadLetterCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The code a dead letter for `error` gets: a `RejectedInput`'s or a `RunnelError`'s own, else `fallback`. */
export function deadLetterCodeOf(error: unknown, fallback: DeadLetterCode): DeadLetterCode {
  return error instanceof RejectedInput || error instanceof RunnelError ? error.code : fallback;
}
