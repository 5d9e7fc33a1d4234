/** Backend selection: auto's fallback order and reasons, explicit choices, and clear errors for unavailable ones. */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findWasmDir, selectBackend } from '../../src/engine/backend';
import { InputError } from '../../src/engine/errors';
import type { BackendChoice } from '../../src/engine/options';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const isOptionError = (e: unknown) => e instanceof InputError && e.code === 'OPTION_INVALID' && e.file === null;

describe('selectBackend', () => {
  it('finds the wasm binaries on disk', () => {
    const dir = findWasmDir();
    assert.ok(dir && existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')));
  });

  it('auto picks the best available backend and says why', async () => {
    const info = await selectBackend('auto');
    assert.equal(tf.getBackend(), info.name);
    const native = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');
    if (!native) {
      // WebGPU only on a hardware adapter (engine/webgpu.test.ts covers both cases).
      assert.ok(info.name === 'wasm' || (info.name === 'webgpu' && !info.adapter!.software), info.reason);
      assert.match(info.reason, /@tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed; (WebGPU not available|WebGPU on )/);
    } else {
      assert.equal(info.name, 'tensorflow');
    }
  });

  it('explicit wasm and cpu run on that backend', async () => {
    for (const choice of ['wasm', 'cpu'] as const) {
      const info = await selectBackend(choice);
      assert.equal(info.name, choice);
      assert.equal(tf.getBackend(), choice);
      assert.equal(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]), 3);
    }
  });

  it('explicit tensorflow fails clearly when tfjs-node is absent', async () => {
    if (installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')) {
      assert.equal((await selectBackend('tensorflow')).name, 'tensorflow');
    } else {
      await assert.rejects(selectBackend('tensorflow'), (e: unknown) => isOptionError(e) && /backend "tensorflow" is not available: .*not installed/.test((e as Error).message));
    }
  });

  it('unknown names are OPTION_INVALID', async () => {
    await assert.rejects(selectBackend('gpu' as BackendChoice), (e: unknown) => isOptionError(e) && /unknown backend "gpu"/.test((e as Error).message));
  });
});
