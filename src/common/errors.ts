/** Codes carried by `RunnelError`: stable strings callers can switch on. */
export type RunnelErrorCode =
  | 'USER_CODE_FAILED'
  | 'BAD_INPUT'
  | 'BAD_PAYLOAD'
  | 'BUFFER_FULL'
  | 'CONNECT_FAILED'
  | 'DISK_FULL'
  | 'KERNELS_INVALID'
  | 'KERNELS_MISSING'
  | 'MODEL_REJECTED'
  | 'PIPELINE_CHANGED'
  | 'PIPELINE_INVALID'
  | 'SOURCE_FAILED'
  | 'SINK_FAILED'
  | 'STORE_CANNOT_OPEN'
  | 'STORE_CORRUPT'
  | 'STORE_LOCKED'
  | 'STORE_NOT_A_DATABASE'
  | 'STORE_READ_ONLY';

/** A runtime failure with a string `code`, the stage it happened in, and its cause. */
export class RunnelError extends Error {
  override readonly name = 'RunnelError';

  constructor(
    readonly code: RunnelErrorCode,
    message: string,
    options: { stage?: string; cause?: unknown } = {},
  ) {
    super(options.stage ? `[${options.stage}] ${message}` : message, { cause: options.cause });
    this.stage = options.stage;
  }

  /** Name of the pipeline stage where the failure happened, when there is one. */
  readonly stage: string | undefined;
}

/** The message of any thrown value, for dead letters and logs. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
