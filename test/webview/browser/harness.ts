/** A tiny in-page test harness: specs register named checks, the Node side runs them all and reports each one. */

export interface SpecOutcome {
  name: string;
  error: string | null;
}

const specs: { name: string; fn: () => void | Promise<void> }[] = [];

export function spec(name: string, fn: () => void | Promise<void>): void {
  specs.push({ name, fn });
}

export function ok(cond: unknown, msg: string): void {
  if (!cond) throw new Error(msg);
}

export function equal<T>(actual: T, expected: T, msg = ''): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg} expected ${e}, got ${a}`);
}

export async function runSpecs(): Promise<SpecOutcome[]> {
  const out: SpecOutcome[] = [];
  for (const s of specs) {
    try {
      await s.fn();
      out.push({ name: s.name, error: null });
    } catch (e) {
      out.push({ name: s.name, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  }
  return out;
}
