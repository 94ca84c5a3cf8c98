/**
 * Runnel's operational log: pino, JSON lines (one object per line, for journald, Loki or jq) when
 * the output is not a terminal, and pino-pretty's readable lines on a terminal. Both write
 * synchronously in this process (no worker thread: a 512 MB board has no memory to spare for
 * one). Secrets are never written: fields named like one are censored wherever they sit up to
 * three levels deep, and messages are scrubbed of URL passwords, `token=…`-style pairs and any
 * secret value the caller names (such as RUNNEL_HTTP_TOKEN's).
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

/** Levels from the most to the least severe; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names whose values are censored (case as written; pino matches names exactly). */
export const SECRET_FIELDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'sessionToken',
  'apiKey',
  'privateKey',
  'secretKey',
  'signingKey',
  'secretAccessKey',
  'authorization',
  'Authorization',
  'cookie',
  'credentials',
] as const;

const CENSOR = '[redacted]';

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** The least severe level written (default `info`). */
  readonly level?: LogLevel;
  /** The program, as the `name` field (e.g. `runnel run`). */
  readonly name?: string;
  /** Secret values that must never appear, such as a token read from the environment: replaced in messages. */
  readonly secrets?: readonly (string | undefined)[];
  /** Where lines go (default stderr: stdout may carry a pipeline's output). */
  readonly destination?: DestinationStream;
  /** Readable lines instead of JSON (default: whether stderr is a terminal). */
  readonly pretty?: boolean;
}

/** Whether `text` names a level. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/** `text` with URL passwords, `password=…`/`token: …` values and the given secrets replaced. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, `$1${CENSOR}@`)
    .replace(/\b(password|passwd|passphrase|secret|token|api[_-]?key|authorization)(["']?\s*[=:]\s*(?:bearer\s+)?["']?)[^\s"'&,;]+/gi, `$1$2${CENSOR}`);
  for (const secret of secrets) out = out.split(secret).join(CENSOR);
  return out;
}

/** A logger as the module comment describes. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const prettyOutput = options.pretty ?? process.stderr.isTTY === true;
  // pino-pretty is loaded only for a terminal: a service writing JSON never pays for it.
  const destination = prettyOutput
    ? (createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty)({
        destination: options.destination ?? 2,
        sync: true,
        colorize: options.destination === undefined,
        ignore: 'pid,hostname',
        translateTime: 'HH:MM:ss.l',
      })
    : (options.destination ?? pino.destination({ dest: 2, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]), censor: CENSOR },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? scrub(a, secrets) : a)) as Parameters<typeof method>);
        },
      },
      serializers: { err: (error: Error) => ({ ...pino.stdSerializers.err(error), message: scrub(error.message, secrets), stack: scrub(error.stack ?? '', secrets) }) },
    },
    destination,
  );
}

/** The level from `--log-level`, else RUNNEL_LOG_LEVEL, else `info`; or why the one given is not a level. */
export function logLevelFrom(option: string | undefined, env = process.env.RUNNEL_LOG_LEVEL): { level: LogLevel } | { error: string } {
  const [given, from] = option !== undefined ? [option, '--log-level'] : env !== undefined && env !== '' ? [env, 'RUNNEL_LOG_LEVEL'] : ['info', ''];
  return isLogLevel(given) ? { level: given } : { error: `${from}: expected one of ${LOG_LEVELS.join(', ')}, got "${given}"` };
}
