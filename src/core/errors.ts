/** Error codes are stable strings: the UI, stats and tests match on them, never on message text. */
export type RelightErrorCode =
  | 'invalid-settings'
  | 'invalid-hdr'
  | 'unsupported'
  | 'worker-failed'
  | 'worker-timeout'
  | 'segmenter-failed'
  | 'geometry-failed'
  | 'gpu-failed'
  | 'gpu-lost'
  | 'stage-failed'
  | 'protocol'
  | 'disposed';

export class RelightError extends Error {
  readonly code: RelightErrorCode;
  constructor(code: RelightErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'RelightError';
  }
}

/** A message fit for a status line, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
