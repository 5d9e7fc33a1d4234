/**
 * A parser for the tiny subset of Python literal syntax that .npy headers use (numpy writes them with `repr`):
 * dicts, tuples, lists, quoted strings, integers, True/False/None. Anything else is a syntax error, so a malformed
 * header can never be "evaluated" into something surprising.
 */

export type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

export class PyLiteralError extends Error {}

/**
 * Deepest nesting of dicts, tuples and lists accepted: numpy's headers nest two deep (a dict holding a shape tuple);
 * a crafted header of 200 000 '[' must be a clear error, not a stack overflow.
 */
export const MAX_NESTING = 32;

export function parsePythonLiteral(text: string): PyValue {
  let pos = 0;
  let depth = 0;

  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at character ${pos}`);
  };
  const expect = (ch: string): void => {
    skipSpace();
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  const parseString = (): string => {
    const quote = text[pos]!;
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') {
        pos++;
        const esc = text[pos];
        if (esc === undefined) break;
        out += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc;
      } else {
        out += text[pos];
      }
      pos++;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return out;
  };

  // Items of a dict/tuple/list until `close`, allowing Python's trailing comma.
  const parseSequence = (close: string, item: () => void): number => {
    let count = 0;
    skipSpace();
    while (text[pos] !== close) {
      if (pos >= text.length) fail(`expected '${close}'`);
      item();
      count++;
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        skipSpace();
      } else if (text[pos] !== close) {
        fail(`expected ',' or '${close}'`);
      }
    }
    pos++;
    return count;
  };

  const parseValue = (): PyValue => {
    skipSpace();
    const ch = text[pos];
    if (ch === undefined) return fail('unexpected end');
    if (ch === "'" || ch === '"') return parseString();
    if ((ch === '{' || ch === '(' || ch === '[') && ++depth > MAX_NESTING) {
      fail(`nested more than ${MAX_NESTING} deep`);
    }
    if (ch === '{') {
      pos++;
      const dict = new Map<string, PyValue>();
      parseSequence('}', () => {
        skipSpace();
        const key = parseValue();
        if (typeof key !== 'string') fail('dict key is not a string');
        expect(':');
        dict.set(key as string, parseValue());
      });
      depth--;
      return dict;
    }
    if (ch === '(' || ch === '[') {
      pos++;
      const items: PyValue[] = [];
      parseSequence(ch === '(' ? ')' : ']', () => items.push(parseValue()));
      depth--;
      return items;
    }
    const token = /(-?\d+)L?|(True|False|None)\b/y;
    token.lastIndex = pos;
    const word = token.exec(text);
    if (!word) return fail('unexpected character');
    pos += word[0].length;
    if (word[2] === 'True') return true;
    if (word[2] === 'False') return false;
    if (word[2] === 'None') return null;
    // Integers beyond 2^53 lose precision here; callers reject non-safe integers, which is what we want.
    return Number(word[1]);
  };

  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('unexpected trailing text');
  return value;
}
