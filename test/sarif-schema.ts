/**
 * The official SARIF 2.1.0 JSON schema (test/schemas/sarif-2.1.0-rtm.5.json: the 2.1.0 "rtm.5" schema that
 * became the OASIS standard, as shipped in the npm package @microsoft/jest-sarif@1.0.0-beta.0,
 * lib/schemas/sarif-2.1.0-rtm.5.json, sha256 2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8;
 * copied unchanged) compiled with ajv's draft-04 class (the schema is draft-04) and ajv-formats. `unicodeRegExp:
 * false`: one pattern of the official schema (`language`) is not a valid Unicode-mode regular expression.
 */
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const SARIF_SCHEMA_PATH = path.join(__dirname, 'schemas', 'sarif-2.1.0-rtm.5.json');

let validator: ReturnType<Ajv['compile']> | undefined;

/** The schema's complaints about `log` ([] when it is valid SARIF 2.1.0). */
export function sarifErrors(log: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_PATH, 'utf8')));
  }
  return validator(log) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}
