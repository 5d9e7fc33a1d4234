/**
 * Whether a .gitignore already keeps `.rnp-scan/` (reports and a repaired model copy beside each scanned model) out
 * of the repository, and the line to add when it does not. Free of the `vscode` module, tested under plain Node;
 * ignore-hint.ts asks the user.
 */

export const IGNORE_LINE = '.rnp-scan/';

/** True when a line of `gitignore` ignores every `.rnp-scan` folder (the common spellings; negations undo it). */
export function ignoresScanFolders(gitignore: string): boolean {
  let ignored = false;
  for (const raw of gitignore.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\*\*\//, '');
    if (['.rnp-scan', '.rnp-scan/', '.rnp-scan/*', '.rnp-scan/**'].includes(pattern)) ignored = !negated;
  }
  return ignored;
}

/** `gitignore` with the line appended (on a line of its own, with a comment saying what it is). */
export function withIgnoreLine(gitignore: string): string {
  const sep = gitignore === '' || gitignore.endsWith('\n') ? '' : '\n';
  return `${gitignore}${sep}# RNP Backdoor Scan: scan reports and repaired model copies\n${IGNORE_LINE}\n`;
}
