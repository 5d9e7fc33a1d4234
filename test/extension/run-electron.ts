/**
 * Runs the same integration suite (suite/index.ts) in desktop VS Code through @vscode/test-electron.
 * NOT part of CI here: test-electron downloads VS Code from update.code.visualstudio.com, which this project's
 * machines cannot reach (it fails with `getaddrinfo ENOTFOUND update.code.visualstudio.com`). Where VS Code can be
 * downloaded (or VSCODE_EXECUTABLE points at an installed one):
 *   npm run build && npx esbuild test/extension/suite/index.ts --bundle --platform=node --format=cjs \
 *     --external:vscode --outfile=out/test/suite.js && npx tsx test/extension/run-electron.ts
 * The runner prepares the same workspace as test/e2e/run.sh (demo model and data, settings presetting the data).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'rnp-electron-'));
  for (const f of ['model.onnx', 'defense.npz', 'clean_test.npz', 'poison_test.npz']) fs.copyFileSync(path.join(root, 'demo', f), path.join(ws, f));
  fs.writeFileSync(path.join(ws, 'readme.txt'), 'not a model\n');
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), fs.readFileSync(path.join(root, 'test', 'e2e', 'workspace-settings.json')));
  const code = await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'suite.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
  process.exit(code);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
