/**
 * Names from a model file (node, tensor, value names, external data locations) as they may appear in an error
 * message. They are untrusted bytes: control characters (terminal escape sequences), bidi overrides and
 * megabyte-long names are escaped or cut, so a crafted model cannot garble the CLI's output or the UI.
 */

const MAX_SHOWN = 120;

export function show(name: string): string {
  const escaped = name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/g, (c) =>
    c === '\ufffd' ? '?' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > MAX_SHOWN ? `${escaped.slice(0, MAX_SHOWN)}…` : escaped;
}
