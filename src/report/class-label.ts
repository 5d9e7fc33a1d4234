/**
 * How a class label is written for people: "3 (dress)" when the scan knew the classes' names
 * (engine/data/class-names.ts), else "3". Shared by the panel, the Markdown report and the CLI summary.
 */
export function labelText(label: number, names?: readonly string[] | Readonly<Record<number, string>> | null): string {
  const name = names?.[label];
  return name ? `${label} (${name})` : String(label);
}
