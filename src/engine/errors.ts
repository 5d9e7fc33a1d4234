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
  | 'OUTPUT_INVALID' // an output path that must not or cannot be written (an input, a symlink, not a folder, read-only)
  | 'CANCELLED'
  | 'IO';

/** Longest name (node, tensor, value, array, file name from a data set) quoted in a message, after escaping. */
export const MAX_NAME_CHARS = 120;
/** Most names one message lists (a cycle, a list of inputs); the rest are counted. */
export const MAX_NAMES_LISTED = 8;
/** A message longer than this (after escaping) is cut: one line, never megabytes. */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * C0 and C1 controls (terminal escape sequences, newlines), bidi embeddings/overrides/isolates (U+202A–U+202E,
 * U+2066–U+2069) and marks (U+200E, U+200F), the line/paragraph separators, and U+FFFD (what undecodable bytes
 * became).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/g;

/** `text` with every unsafe character written as `\uXXXX` (U+FFFD as '?'); nothing else changes. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\ufffd' ? '?' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * An untrusted name as it may appear in a message: escaped (escapeUnsafe) and cut to MAX_NAME_CHARS with '…'.
 * Every user- or file-controlled name that enters a message goes through this (onnx/display-name.ts re-exports it
 * as `show`).
 */
export function showName(name: string, maxChars = MAX_NAME_CHARS): string {
  // Cut before escaping too, so a 100 MB name costs no 100 MB regex pass.
  const escaped = escapeUnsafe(name.length > maxChars * 8 ? name.slice(0, maxChars * 8) : name);
  return escaped.length > maxChars ? `${escaped.slice(0, maxChars)}…` : escaped;
}

/**
 * Names for a list in a message: each through showName and wrapped by `quote`, at most `max` of them, then
 * "…and K more". Joined with `separator`.
 */
export function showNames(
  names: readonly string[],
  { separator = ', ', max = MAX_NAMES_LISTED, quote = (s: string) => `'${s}'` }: { separator?: string; max?: number; quote?: (s: string) => string } = {},
): string {
  const shown = names.slice(0, max).map((n) => quote(showName(n)));
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(separator)}${separator}…and ${rest} more` : shown.join(separator);
}

/** A message as it is stored: unsafe characters escaped, at most MAX_MESSAGE_CHARS. */
function safeMessage(message: string): string {
  return showName(message, MAX_MESSAGE_CHARS);
}

export class InputError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The file (or folder) the problem is in; null when it is an option. */
    readonly file: string | null,
    message: string,
  ) {
    // A last line of defence: whatever a message quotes, it stays one short line without control characters.
    super(safeMessage(message));
    this.name = 'InputError';
  }

  /** `FILE: message`, the one line the CLI prints (the path escaped like a name, uncut). */
  describe(): string {
    return this.file ? `${escapeUnsafe(this.file)}: ${this.message}` : this.message;
  }
}

export class CancelledError extends Error {
  readonly code = 'CANCELLED' as const;
  constructor() {
    super('scan cancelled');
    this.name = 'CancelledError';
  }
}
