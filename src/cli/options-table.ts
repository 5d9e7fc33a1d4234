/**
 * The options table (src/engine/options.ts) as users read it: `rnp-scan options` (text), `rnp-scan options --json`
 * (for tools) and the README's generated options section (markdown, `npm run docs:options`). One rendering of each
 * entry's type, range and per-mode default, so the three cannot drift apart.
 */
import { OPTIONS, booleanFlags, rangeWords, type OptionSpec } from '../engine/options';

const show = (v: unknown): string => (v === null ? 'unset' : Array.isArray(v) ? (v.length ? v.join(',') : '[]') : String(v));

/** "0.2", or "adaptive: chosen from clean data; paper: 0.2" when the modes differ; '' for a value with no default. */
export function optionDefaultText(s: OptionSpec): string {
  const { adaptive, paper } = s.default;
  if ((s.kind === 'input' && s.type === 'path') || ((s.type === 'path' || s.type === 'string') && adaptive === null)) return '';
  if (JSON.stringify(adaptive) === JSON.stringify(paper)) return `default ${show(adaptive)}`;
  const a = s.name === 'pruneThreshold' && adaptive === null ? 'chosen from clean data' : show(adaptive);
  return `adaptive: ${a}; paper: ${show(paper)}`;
}

/** The value's type and range in words: "number in [0, 1]", "adaptive | paper". */
export function optionTypeText(s: OptionSpec): string {
  switch (s.type) {
    case 'enum':
      return s.values!.join(' \\| ');
    case 'integer':
    case 'number':
      return (s.min !== undefined || s.max !== undefined ? rangeWords(s) : s.type) + (s.nullable ? ' or unset' : '');
    case 'numbers':
      return 'list of numbers';
    case 'string':
      return s.arg ?? 'text';
    default:
      return s.type;
  }
}

export interface OptionsJson {
  options: { name: string; kind: string; flag: string | null; setting: string | null; type: string; values?: readonly string[]; min?: number; max?: number; exclusiveMin?: boolean; nullable?: boolean; default: { adaptive: unknown; paper: unknown }; help: string }[];
}

export function optionsJson(): OptionsJson {
  return {
    options: OPTIONS.map((s) => ({
      name: s.name,
      kind: s.kind,
      flag: s.flag ? `--${s.flag}` : null,
      setting: s.setting ? `rnp.${s.setting}` : null,
      type: s.type,
      ...(s.values ? { values: s.values } : {}),
      ...(s.min !== undefined ? { min: s.min } : {}),
      ...(s.max !== undefined ? { max: s.max } : {}),
      ...(s.exclusiveMin ? { exclusiveMin: true } : {}),
      ...(s.nullable ? { nullable: true } : {}),
      default: s.default,
      help: s.help,
    })),
  };
}

/** `rnp-scan options`: one block per option. */
export function optionsText(): string {
  return OPTIONS.map((s) => {
    const where = [s.flag && `--${s.flag}`, s.setting && `setting rnp.${s.setting}`].filter(Boolean).join(', ');
    const def = optionDefaultText(s);
    return `${s.name}  (${where}; ${optionTypeText(s).replace(/\\\|/g, '|')}${def ? `; ${def}` : ''})\n    ${s.help}`;
  }).join('\n');
}

/** The README's options section: a markdown table. */
export function optionsMarkdown(): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\\\\\|/g, '\\|');
  const rows = OPTIONS.map((s) => {
    const flag = s.flag ? (s.type === 'boolean' ? booleanFlags(s).map((f) => `\`${f}\``).join(' / ') : `\`--${s.flag}\``) : '';
    const setting = s.setting ? `\`rnp.${s.setting}\`` : '';
    return `| ${flag} | ${setting} | ${optionTypeText(s)} | ${cell(optionDefaultText(s).replace(/^default /, ''))} | ${cell(s.help)} |`;
  });
  return ['| flag | setting | type | default | what it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

const BEGIN = /<!-- options:begin[^>]*-->/;
const END = '<!-- options:end -->';

/** `readme` with the table between its `<!-- options:begin … -->` and `<!-- options:end -->` markers replaced. */
export function readmeWithOptions(readme: string): string {
  const m = BEGIN.exec(readme);
  const end = readme.indexOf(END);
  if (!m || end < 0 || end < m.index) throw new Error('README.md has no <!-- options:begin --> … <!-- options:end --> markers');
  return readme.slice(0, m.index + m[0].length) + '\n' + optionsMarkdown() + '\n' + readme.slice(end);
}
