/**
 * Event time is a number of milliseconds since the Unix epoch. The bounds are the range of
 * a JavaScript Date, so every timestamp is finite and stores exactly in SQLite.
 */
export const MIN_TIMESTAMP = -8_640_000_000_000_000;

/** The largest timestamp; a watermark at MAX_TIMESTAMP means "no more data, ever". */
export const MAX_TIMESTAMP = 8_640_000_000_000_000;

/** The end of the global window: a day before MAX_TIMESTAMP, as in Beam, so it can still fire. */
export const END_OF_GLOBAL_WINDOW = MAX_TIMESTAMP - 86_400_000;
