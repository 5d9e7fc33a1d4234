// `npm run docs:options`: writes package.json's settings and the README's options section from the one options
// table (src/engine/options.ts). test/engine/options.test.ts fails when either is stale. `--check` only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsSchema } from '../src/extension/settings-schema';
import { readmeWithOptions } from '../src/cli/options-table';

const check = process.argv.includes('--check');
const pkgText = readFileSync('package.json', 'utf8');
const pkg = JSON.parse(pkgText);
pkg.contributes.configuration.properties = settingsSchema();
const newPkg = JSON.stringify(pkg, null, 2) + '\n';
const readme = readFileSync('README.md', 'utf8');
let newReadme = readme;
try {
  newReadme = readmeWithOptions(readme);
} catch (e) {
  console.error(`README.md: ${(e as Error).message}`);
  process.exitCode = 1;
}
if (check) {
  const stale = [newPkg !== pkgText && 'package.json', newReadme !== readme && 'README.md'].filter(Boolean);
  if (stale.length) {
    console.error(`stale: ${stale.join(', ')} (run npm run docs:options)`);
    process.exit(1);
  }
} else {
  writeFileSync('package.json', newPkg);
  writeFileSync('README.md', newReadme);
}
