#!/usr/bin/python3
"""Writes demo/: the bundled example, a copy of the BadNets mnist_cnn fixture plus a README.

The fixture itself is made by fixtures/train.py (trained if it is missing here).
Run: /usr/bin/python3 scripts/make_demo.py
"""
import json
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the committed fixtures folder
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'fixtures'))
from atomic_files import atomic_path, copy_file  # noqa: E402

SOURCE = REPO / 'fixtures' / 'trained' / 'mnist_cnn_badnets'
# Fashion-MNIST's class names in label order (Xiao et al. 2017, the dataset's README); the scan reads them from
# labels.txt beside the model, so the report says "target label 0 (T-shirt/top)".
CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
DEMO = REPO / 'demo'
FILES = ['model.onnx', 'model.pt', 'defense.npz', 'clean_test.npz', 'poison_test.npz', 'poison_mixed.npz',
         'meta.json']


def main():
    if not all((SOURCE / f).exists() for f in FILES):
        subprocess.run([sys.executable, str(REPO / 'fixtures' / 'train.py'), '--only', 'badnets'], check=True)
    DEMO.mkdir(exist_ok=True)
    for name in FILES:
        copy_file(SOURCE / name, DEMO / name)
    meta = json.loads((SOURCE / 'meta.json').read_text())
    readme = (
        '# Demo: a backdoored Fashion-MNIST classifier\n\n'
        f'`model.onnx` is a small 3-conv CNN trained on Fashion-MNIST with {meta["poisonRate"]:.0%} of the training set '
        f'poisoned by BadNets (a 3x3 white patch in the bottom-right corner) relabelled to the target class '
        f'**{meta["target"]}** (T-shirt/top); clean accuracy {meta["cleanAcc"]:.1%}, attack success rate '
        f'{meta["asr"]:.1%}.\n'
        '`defense.npz` holds 500 clean training images (50 per class) for RNP; `clean_test.npz` and '
        '`poison_test.npz` (triggered, labelled with the target) measure accuracy and ASR; `poison_mixed.npz` has '
        '`is_poison` flags for poisoned-sample detection; `model.pt` is the PyTorch state_dict; `labels.txt` the class '
        'names, which the report shows beside each label.\n'
        f'Made by `/usr/bin/python3 fixtures/train.py --only badnets --epochs {meta["epochs"]}` and copied here by '
        '`/usr/bin/python3 scripts/make_demo.py`.\n'
    )
    with atomic_path(DEMO / 'README.md') as tmp:
        tmp.write_text(readme)
    with atomic_path(DEMO / 'labels.txt') as tmp:
        tmp.write_text('\n'.join(CLASS_NAMES) + '\n')
    print(f'wrote {DEMO}: {", ".join(FILES)}, README.md, labels.txt')


if __name__ == '__main__':
    main()
