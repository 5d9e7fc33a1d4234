/**
 * package.json's `contributes.configuration.properties`, generated from the one options table
 * (src/engine/options.ts) by `npm run docs:options`; a test checks package.json still equals it. A setting whose
 * default depends on the mode declares `null` as its default ("the mode's default"), so the settings UI never
 * shows, and `get()` never returns, a value the user did not choose.
 */
import { OPTIONS, type OptionSpec } from '../engine/options';
import { optionDefaultText } from '../cli/options-table';

type JsonSchema = Record<string, unknown>;

function valueSchema(s: OptionSpec): JsonSchema {
  switch (s.type) {
    case 'enum':
      return { type: 'string', enum: [...s.values!] };
    case 'numbers':
      return { type: 'array', items: { type: 'number' } };
    case 'path':
      return { type: 'string' };
    default:
      return { type: s.type };
  }
}

export function settingSchema(s: OptionSpec): JsonSchema {
  const base = valueSchema(s);
  const modeDependent = JSON.stringify(s.default.adaptive) !== JSON.stringify(s.default.paper);
  const nullable = modeDependent || s.nullable;
  const out: JsonSchema = { ...base, type: nullable ? [base.type, 'null'] : base.type };
  out.default = s.type === 'path' ? '' : modeDependent ? null : s.default.adaptive;
  if (s.min !== undefined) out[s.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = s.min;
  if (s.max !== undefined) out.maximum = s.max;
  const def = optionDefaultText(s);
  out.description = s.help + (modeDependent ? ` Unset (null): the mode's default (${def}).` : '');
  return out;
}

/** Every setting of the table, keyed `rnp.<setting>`, in table order. */
export function settingsSchema(): Record<string, JsonSchema> {
  return Object.fromEntries(OPTIONS.filter((s) => s.setting).map((s) => [`rnp.${s.setting}`, settingSchema(s)]));
}
