/**
 * Typed errors for everything a user can get wrong or a file can do wrong. The CLI maps `InputError` to exit 2
 * with one line naming the file and the problem; the worker sends `code` to the extension so it can say what
 * went wrong and where.
 */

export type ErrorCode =
  | 'MODEL_INVALID' // corrupt or malformed ONNX
  | 'MODEL_UNSUPPORTED' // valid ONNX we cannot run (op, dtype, attribute)
  | 'DATA_INVALID' // corrupt or malformed data file / folder
  | 'DATA_MISMATCH' // data does not fit the model (shape, labels)
  | 'LIMIT_EXCEEDED' // a configured safety cap was hit
  | 'OPTION_INVALID' // bad command-line or settings value
  | 'CANCELLED'
  | 'IO';

export class InputError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The file (or folder) the problem is in; null when it is an option. */
    readonly file: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** `FILE: message`, the one line the CLI prints. */
  describe(): string {
    return this.file ? `${this.file}: ${this.message}` : this.message;
  }
}

export class CancelledError extends Error {
  readonly code = 'CANCELLED' as const;
  constructor() {
    super('scan cancelled');
    this.name = 'CancelledError';
  }
}
