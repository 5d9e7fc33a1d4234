// layer-name.ts: PyTorch's node names read as module paths; anything else unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerDisplayName } from '../../src/report/layer-name';

test('PyTorch module paths, and other names kept', () => {
  assert.equal(layerDisplayName('/bn1/BatchNormalization'), 'bn1');
  assert.equal(layerDisplayName('/layer1/layer1.0/bn1/BatchNormalization'), 'layer1.0.bn1');
  assert.equal(layerDisplayName('/features/features.0/Conv'), 'features.0');
  assert.equal(layerDisplayName('/layer2/layer2.0/downsample/downsample.1/BatchNormalization'), 'layer2.0.downsample.1');
  assert.equal(layerDisplayName('/conv1/Conv_3'), 'conv1');
  assert.equal(layerDisplayName('BatchNormalization_7'), 'BatchNormalization_7');
  assert.equal(layerDisplayName('bn_final'), 'bn_final');
  assert.equal(layerDisplayName('/BatchNormalization'), 'BatchNormalization');
});
