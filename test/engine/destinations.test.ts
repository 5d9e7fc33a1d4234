// Output destinations (engine/destinations.ts) on real temp folders: inputs never overwritten, planted symlinks
// refused, files and read-only places found before any work, and the commit order that keeps report and models in step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDestinations, commitOutputs, sha256, sha256File } from '../../src/engine/destinations';
import { InputError } from '../../src/engine/errors';

const tmp = () => mkdtempSync(join(tmpdir(), 'rnp-dest-'));

async function refused(run: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.equal(e.code, 'OUTPUT_INVALID', e.message);
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    assert.ok(!e.describe().includes('\n'), 'one line');
    return true;
  });
}

/** A model folder: model.onnx and defense.npz (contents do not matter here). */
function modelFolder(): { dir: string; model: string; data: string } {
  const dir = tmp();
  writeFileSync(join(dir, 'model.onnx'), 'model bytes');
  writeFileSync(join(dir, 'defense.npz'), 'data bytes');
  return { dir, model: join(dir, 'model.onnx'), data: join(dir, 'defense.npz') };
}

test('the default outputs: folders made level by level, probe file gone, nothing else written', async () => {
  const { dir, model, data } = modelFolder();
  const out = join(dir, '.rnp-scan', 'model.onnx');
  await checkDestinations({ inputs: [model, data], outDir: out, files: [join(out, 'scan.json'), join(dir, 'model.pruned.onnx')] });
  assert.ok(lstatSync(out).isDirectory());
  assert.deepEqual(readdirSync(out), [], 'the writability probe is removed');
  assert.deepEqual(readdirSync(dir).sort(), ['.rnp-scan', 'defense.npz', 'model.onnx']);
  // Idempotent: a second scan into the same folders passes.
  await checkDestinations({ inputs: [model, data], outDir: out, files: [join(out, 'scan.json')] });
});

test('an output that is an input is refused: same path, a data file named scan.json inside --out, a symlink, a hard link', async () => {
  const { dir, model, data } = modelFolder();
  const out = join(dir, 'out');
  mkdirSync(out);
  const dataInOut = join(out, 'scan.json');
  writeFileSync(dataInOut, 'a data set that happens to be called scan.json');
  await refused(checkDestinations({ inputs: [model, dataInOut], outDir: out, files: [join(out, 'scan.json')] }), join(out, 'scan.json'), /is an input of this scan/);
  // The pruned model written over the model itself.
  await refused(checkDestinations({ inputs: [model, data], outDir: out, files: [model] }), model, /is an input of this scan .*model\.onnx/);
  // Through a symlinked folder and through a hard link: same file, other name.
  const alias = join(dir, 'alias');
  symlinkSync(dir, alias);
  await refused(checkDestinations({ inputs: [model], outDir: out, files: [join(alias, 'model.onnx')] }), join(alias, 'model.onnx'), /is an input/);
  const hard = join(out, 'model.pruned.onnx');
  linkSync(model, hard);
  await refused(checkDestinations({ inputs: [model], outDir: out, files: [hard] }), hard, /is an input/);
  assert.equal(readFileSync(model, 'utf8'), 'model bytes');
});

test('an output inside an input image folder that the reader would take as data is refused; hidden or top-level ones are not', async () => {
  const root = tmp();
  const images = join(root, 'images');
  mkdirSync(join(images, 'cat'), { recursive: true });
  const model = join(root, 'model.onnx');
  writeFileSync(model, 'm');
  await refused(checkDestinations({ inputs: [model, images], outDir: join(images, 'cat'), files: [join(images, 'cat', 'scan.json')] }), join(images, 'cat', 'scan.json'), /inside the input image folder/);
  await refused(checkDestinations({ inputs: [model, images], outDir: join(images, 'results'), files: [] }), join(images, 'results'), /would become part of the data set/);
  await checkDestinations({ inputs: [model, images], outDir: join(images, '.rnp-scan', 'm'), files: [join(images, '.rnp-scan', 'm', 'scan.json')] });
});

test('a .rnp-scan symlink planted in an untrusted model folder is refused, and nothing is written where it points', async () => {
  const { dir, model, data } = modelFolder();
  const elsewhere = tmp();
  symlinkSync(elsewhere, join(dir, '.rnp-scan'));
  const out = join(dir, '.rnp-scan', 'model.onnx');
  await refused(checkDestinations({ inputs: [model, data], outDir: out, files: [join(out, 'scan.json')] }), join(dir, '.rnp-scan'), /is a symbolic link; refusing to write/);
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing was made through the link');
  // A link one level further down (the per-model folder) is refused too.
  const dir2 = modelFolder();
  mkdirSync(join(dir2.dir, '.rnp-scan'));
  symlinkSync(elsewhere, join(dir2.dir, '.rnp-scan', 'model.onnx'));
  await refused(checkDestinations({ inputs: [dir2.model], outDir: join(dir2.dir, '.rnp-scan', 'model.onnx'), files: [] }), join(dir2.dir, '.rnp-scan', 'model.onnx'), /symbolic link/);
  // So is an explicit --out that is a symlink; a linked folder above it is the user's own and is followed.
  const real = tmp();
  const linkedOut = join(dir, 'out-link');
  symlinkSync(real, linkedOut);
  await refused(checkDestinations({ inputs: [model], outDir: linkedOut, files: [] }), linkedOut, /symbolic link/);
  await checkDestinations({ inputs: [model], outDir: join(linkedOut, 'sub'), files: [join(linkedOut, 'sub', 'scan.json')] });
  assert.ok(lstatSync(join(real, 'sub')).isDirectory());
});

test('--out that is a file, or below a file, is refused at once; so is a folder where scan.json should be', async () => {
  const { dir, model } = modelFolder();
  const file = join(dir, 'not-a-folder');
  writeFileSync(file, 'x');
  await refused(checkDestinations({ inputs: [model], outDir: file, files: [join(file, 'scan.json')] }), file, /is a file, not a folder/);
  // Below a file: the level that is a file is named.
  await refused(checkDestinations({ inputs: [model], outDir: join(file, 'deeper'), files: [] }), file, /is a file, not a folder/);
  const out = join(dir, 'out');
  mkdirSync(join(out, 'scan.json'), { recursive: true });
  await refused(checkDestinations({ inputs: [model], outDir: out, files: [join(out, 'scan.json')] }), join(out, 'scan.json'), /is a folder; an output must be a file/);
});

test('a folder that takes no new files is refused before any work (the writability probe)', async () => {
  const { model } = modelFolder();
  if (process.getuid?.() === 0 || process.platform === 'win32') {
    // Root writes into a chmod 555 folder; a folder no one can create files in stands in: /proc (a directory,
    // but every create fails with ENOENT), or where it is missing, a file in place of the folder.
    if (existsSync('/proc/self')) {
      await refused(checkDestinations({ inputs: [model], outDir: '/proc', files: [] }), '/proc', /is not writable/);
    } else {
      const f = join(tmp(), 'file');
      writeFileSync(f, '');
      await refused(checkDestinations({ inputs: [model], outDir: f, files: [] }), f, /not a folder/);
    }
    return;
  }
  const ro = tmp();
  chmodSync(ro, 0o555);
  await refused(checkDestinations({ inputs: [model], outDir: ro, files: [join(ro, 'scan.json')] }), ro, /is not writable/);
});

test('commitOutputs: artefacts then the report, which records their sha256; an old report is replaced; inputs protected', async () => {
  const { dir, model } = modelFolder();
  const out = join(dir, 'out');
  mkdirSync(out);
  const report = join(out, 'scan.json');
  const pruned = join(dir, 'model.pruned.onnx');
  writeFileSync(report, '{"old": true}');
  const bytes = new TextEncoder().encode('pruned model bytes');
  const hashes = await commitOutputs({
    artefacts: [{ path: pruned, bytes }],
    report: { path: report, render: (h) => new TextEncoder().encode(JSON.stringify({ prunedSha256: h.get(pruned) })) },
    neverOverwrite: [model],
  });
  assert.equal(hashes.get(pruned), sha256(bytes));
  const written = JSON.parse(readFileSync(report, 'utf8'));
  assert.equal(written.prunedSha256, sha256(bytes));
  assert.equal(await sha256File(pruned), written.prunedSha256, 'a reader can check the pruned model against its report');
  assert.deepEqual(readdirSync(out), ['scan.json'], 'no temp files left');
  // The model itself as an artefact: refused before anything is written.
  await refused(
    commitOutputs({ artefacts: [{ path: model, bytes }], report: { path: report, render: () => new Uint8Array() }, neverOverwrite: [model] }),
    model,
    /is an input/,
  );
  assert.equal(readFileSync(model, 'utf8'), 'model bytes');
  assert.equal(JSON.parse(readFileSync(report, 'utf8')).prunedSha256, sha256(bytes), 'the previous report is intact after a refusal');
});

test('commitOutputs: a failing write leaves the previous report and no temp files', async () => {
  const { dir } = modelFolder();
  const out = join(dir, 'out');
  mkdirSync(out);
  const report = join(out, 'scan.json');
  writeFileSync(report, 'previous');
  const blocked = join(dir, 'blocked');
  writeFileSync(blocked, 'a file where a folder should be');
  await assert.rejects(
    commitOutputs({ artefacts: [{ path: join(blocked, 'model.pruned.onnx'), bytes: new Uint8Array(4) }], report: { path: report, render: () => new Uint8Array(1) } }),
    (e: unknown) => e instanceof InputError && e.code === 'IO' && e.file === join(blocked, 'model.pruned.onnx'),
  );
  assert.equal(readFileSync(report, 'utf8'), 'previous');
  assert.deepEqual(readdirSync(out), ['scan.json']);
});
