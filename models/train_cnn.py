#!/usr/bin/env python3
"""Train the LeNet-style convolutional reference models under models/.

Regenerate them (ONNX files, data/<model>-expected.json, README-cnn.md) with:

    /usr/bin/python3 models/train_cnn.py

Debian packages: python3-torch python3-onnx python3-sklearn. The data split, the upsampling and
the data files are those of models/train.py (imported from it), so these models are measured on
the same held-out digits as the dense ones. Every step is seeded and torch runs single-threaded.

The shapes are those of public ZKML benchmarks:
  lenet-28-6-16-10          28x28 -> conv 6@5x5 -> relu -> maxpool 2 -> conv 16@5x5 -> relu
                            -> maxpool 2 -> dense 10
  lenet-28-6-16-120-84-10   the same with dense 120 -> relu -> 84 -> relu -> 10
  cnn-14-5-11-80-10         14x14 -> conv 5@3x3 -> relu -> conv 11@3x3 -> relu -> dense 80
                            -> relu -> dense 10
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as base  # noqa: E402  (models/train.py: split, resize, JSON writers)

COMMAND = "/usr/bin/python3 models/train_cnn.py"

EPOCHS = 60
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-4


def lenet(dense):
    layers = [
        torch.nn.Conv2d(1, 6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
    ]
    prev = 16 * 4 * 4
    for h in dense:
        layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
        prev = h
    layers.append(torch.nn.Linear(prev, 10))
    return torch.nn.Sequential(*layers)


def cnn14():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 5, 3), torch.nn.ReLU(),
        torch.nn.Conv2d(5, 11, 3), torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(11 * 10 * 10, 80), torch.nn.ReLU(),
        torch.nn.Linear(80, 10),
    )


# name, input resolution, constructor, description
MODELS = [
    ("lenet-28-6-16-10", 28, lambda: lenet([]),
     "conv 6@5x5 -> ReLU -> maxpool 2x2 -> conv 16@5x5 -> ReLU -> maxpool 2x2 -> dense 10"),
    ("lenet-28-6-16-120-84-10", 28, lambda: lenet([120, 84]),
     "conv 6@5x5 -> ReLU -> maxpool 2x2 -> conv 16@5x5 -> ReLU -> maxpool 2x2"
     " -> dense 120 -> ReLU -> dense 84 -> ReLU -> dense 10"),
    ("cnn-14-5-11-80-10", 14, cnn14,
     "conv 5@3x3 -> ReLU -> conv 11@3x3 -> ReLU -> dense 80 -> ReLU -> dense 10"),
]


def train(model, x, y):
    torch.manual_seed(base.TRAIN_SEED)
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(base.TRAIN_SEED)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def export(model, r, path, metadata, doc):
    torch.onnx.export(model, torch.zeros(1, 1, r, r), path, input_names=["input"],
                      output_names=["logits"], opset_version=base.OPSET, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    m.doc_string = doc
    del m.metadata_props[:]
    for k, v in metadata.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.random.seed(0)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x8 = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=base.TEST_FRACTION, stratify=y, random_state=base.SPLIT_SEED)

    report = []
    for name, r, make, shape in MODELS:
        xr = base.resize(x8, r)
        x_train = xr[train_idx].reshape(-1, 1, r, r)
        # The test inputs exactly as the committed JSON file stores them (rounded).
        _, dec = base.format_rows(xr[test_idx])
        x_test = base.rounded(xr[test_idx], dec).reshape(-1, 1, r, r)
        torch.manual_seed(base.TRAIN_SEED)
        model = make()
        train(model, x_train, y[train_idx])
        acc = accuracy(model, x_test, y[test_idx])
        params = sum(p.numel() for p in model.parameters())
        report.append((name, r, shape, acc, params))
        print(f"{name}: test accuracy {acc:.4f} ({round(acc * len(test_idx))}/{len(test_idx)}), "
              f"{params} parameters", flush=True)
        meta = {
            "generatedBy": COMMAND,
            "dataset": "sklearn load_digits, split and upsampling of models/train.py",
            "inputResolution": f"{r}x{r}",
            "inputScale": "pixel / 16 in [0, 1]",
            "layers": shape,
            "floatTestAccuracy": f"{acc:.4f}",
            "testSamples": len(test_idx),
            "parameters": params,
        }
        doc = f"assay reference model {name}: {shape} on {r}x{r} digits. Generated by {COMMAND}."
        m = export(model, r, os.path.join(HERE, f"{name}.onnx"), meta, doc)
        print(f"{name}.onnx: opset {m.opset_import[0].version}, ops {base.op_types(m)}", flush=True)
        with torch.no_grad():
            out = model(torch.from_numpy(x_test[:base.EXPECTED_SAMPLES])).numpy()
        expected = {
            "generatedBy": COMMAND,
            "model": f"{name}.onnx",
            "inputFile": f"digits-{r}x{r}-test.json",
            "inputRows": list(range(base.EXPECTED_SAMPLES)),
            "outputName": "logits",
            "shape": [base.EXPECTED_SAMPLES, 10],
            "labels": [int(v) for v in y[test_idx][:base.EXPECTED_SAMPLES]],
        }
        rows = [",".join(json.dumps(float(f"{v:.8g}")) for v in row) for row in out]
        base.write_json(os.path.join(base.DATA_DIR, f"{name}-expected.json"), expected, rows)

    lines = [
        f"<!-- Generated by `{COMMAND}`; do not edit by hand. -->",
        "# Convolutional reference models",
        "",
        "LeNet-style classifiers of the shapes used in public ZKML benchmarks, trained on the",
        "upsampled digits of `models/train.py` (same split, same held-out test files). Input: one",
        "image `[1, 1, r, r]` named `input` (the data files hold it flattened row-major); output:",
        f"`logits` `[1, 10]`. Exported with `torch.onnx.export` at opset {base.OPSET}.",
        f"Training: Adam (lr {LEARNING_RATE}, weight decay {WEIGHT_DECAY}), {EPOCHS} epochs, batch",
        f"{BATCH_SIZE}, seed {base.TRAIN_SEED}, single thread.",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
    ]
    for name, r, shape, acc, params in report:
        lines += [
            f"**`{name}.onnx`**: {r}x{r} -> {shape}. Float test accuracy {acc * 100:.2f}% "
            f"({round(acc * len(test_idx))}/{len(test_idx)}); {params} parameters. "
            f"`data/{name}-expected.json` holds torch's logits for the first "
            f"{base.EXPECTED_SAMPLES} test samples.",
            "",
        ]
    with open(os.path.join(HERE, "README-cnn.md"), "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
