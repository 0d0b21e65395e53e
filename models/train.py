#!/usr/bin/env python3
"""Train the small reference models under models/ and write their data files.

Regenerate everything in models/ (ONNX files, data/*.json, README.md) with:

    /usr/bin/python3 models/train.py

Debian packages: python3-torch python3-onnx python3-sklearn. Nothing is downloaded:
sklearn's load_digits() ships the 8x8 digits (1797 samples, pixel values 0..16).

Every step is seeded and torch runs single-threaded, so a rerun on the same machine
reproduces the files byte for byte (different CPUs may differ in the last float bits).
"""

import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

COMMAND = "/usr/bin/python3 models/train.py"
HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data")

SPLIT_SEED = 20240501   # stratified train/test split
CALIB_SEED = 7          # stratified pick of 64 calibration samples from the training split
TRAIN_SEED = 1234       # weight init and minibatch order (re-seeded per model)
TEST_FRACTION = 0.2
CALIB_SIZE = 64
EXPECTED_SAMPLES = 8
OPSET = 13

EPOCHS = 120
BATCH_SIZE = 32
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4

# name, input resolution, hidden widths
MODELS = [
    ("digits-mlp-64-32-10", 8, [32]),
    ("mlp-196-25-10", 14, [25]),
    ("mlp-196-24-14-10", 14, [24, 14]),
    ("mlp-784-56-10", 28, [56]),
]
SOFTMAX_OF = "digits-mlp-64-32-10"
SOFTMAX_NAME = "digits-mlp-64-32-10-softmax"


def resize(images8, r):
    """images8: float32 [N, 64] in [0, 1]. Bilinear resize to r x r (align_corners=False)."""
    x = torch.from_numpy(images8).reshape(-1, 1, 8, 8)
    if r != 8:
        x = F.interpolate(x, size=(r, r), mode="bilinear", align_corners=False)
    return x.reshape(-1, r * r).numpy().astype(np.float32)


MAX_DATA_BYTES = 3_000_000  # above this, a data file is stored with 4 decimals instead of 6


def fmt(v, decimals):
    s = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def format_rows(rows):
    """Rows as text with 6 decimals, or 4 if the file would exceed MAX_DATA_BYTES."""
    for decimals in (6, 4):
        lines = [",".join(fmt(float(v), decimals) for v in row) for row in rows]
        if sum(len(line) + 6 for line in lines) <= MAX_DATA_BYTES:
            break
    return lines, decimals


def write_json(path, fields, rows):
    """One top-level field per line; "data" is a flat row-major array, one row per line."""
    body = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in fields.items()]
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(body) + ',\n  "data": [\n    '
                + ",\n    ".join(rows) + "\n  ]\n}\n")


def rounded(x, decimals):
    """The values exactly as a reader of the JSON file sees them (float32)."""
    return np.array([[float(fmt(float(v), decimals)) for v in row] for row in x], dtype=np.float32)


def make_mlp(n_in, hidden):
    layers, prev = [], n_in
    for h in hidden:
        layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
        prev = h
    layers.append(torch.nn.Linear(prev, 10))
    return torch.nn.Sequential(*layers)


def train(model, x, y):
    torch.manual_seed(TRAIN_SEED)
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(TRAIN_SEED)
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


def export(model, n_in, path, output_name, metadata, doc):
    torch.onnx.export(
        model,
        torch.zeros(1, n_in),
        path,
        input_names=["input"],
        output_names=[output_name],
        opset_version=OPSET,
        do_constant_folding=True,
    )
    m = onnx.load(path)
    m.doc_string = doc
    del m.metadata_props[:]
    for k, v in metadata.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def op_types(m):
    seen = []
    for n in m.graph.node:
        if n.op_type not in seen:
            seen.append(n.op_type)
    return seen


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.random.seed(0)
    os.makedirs(DATA_DIR, exist_ok=True)

    digits = load_digits()
    x8 = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    all_idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(
        all_idx, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED)
    calib_idx, _ = train_test_split(
        train_idx, train_size=CALIB_SIZE, stratify=y[train_idx], random_state=CALIB_SEED)

    split_note = (f"sklearn load_digits, stratified train_test_split(test_size={TEST_FRACTION}, "
                  f"random_state={SPLIT_SEED}); pixels / 16, bilinear resize "
                  f"(align_corners=False) for 14x14 and 28x28")

    # Data files per resolution. The rounded values are what TS reads; expected outputs
    # are computed from them so onnxruntime and torch see identical inputs.
    data = {}
    for r in (8, 14, 28):
        xr = resize(x8, r)
        entry = {"train": xr[train_idx]}
        for split, idx in (("test", test_idx), ("calib", calib_idx)):
            rows = xr[idx]
            lines, dec = format_rows(rows)
            header = {
                "generatedBy": COMMAND,
                "dataset": split_note,
                "split": ("held-out test split" if split == "test"
                          else f"{CALIB_SIZE} calibration samples from the training split "
                               f"(stratified, random_state={CALIB_SEED})"),
                "resolution": [r, r],
                "decimals": dec,
                "shape": [len(idx), r * r],
                "indices": [int(i) for i in idx],
                "labels": [int(v) for v in y[idx]],
            }
            write_json(os.path.join(DATA_DIR, f"digits-{r}x{r}-{split}.json"), header, lines)
            entry[split] = rounded(rows, dec)
            entry[split + "_decimals"] = dec
        data[r] = entry

    y_train, y_test = y[train_idx], y[test_idx]
    report = []
    trained = {}
    for name, r, hidden in MODELS:
        n_in = r * r
        torch.manual_seed(TRAIN_SEED)
        model = make_mlp(n_in, hidden)
        train(model, data[r]["train"], y_train)
        acc = accuracy(model, data[r]["test"], y_test)
        params = sum(p.numel() for p in model.parameters())
        trained[name] = (model, r, acc, params, hidden)
        report.append((name, r, hidden, acc, params, False))
        print(f"{name}: test accuracy {acc:.4f} ({round(acc * len(y_test))}/{len(y_test)}), "
              f"{params} parameters", flush=True)

    for name, (model, r, acc, params, hidden), softmax in (
        [(n, trained[n], False) for n, _, _ in MODELS] + [(SOFTMAX_NAME, trained[SOFTMAX_OF], True)]
    ):
        n_in = r * r
        net = torch.nn.Sequential(model, torch.nn.Softmax(dim=1)) if softmax else model
        net.eval()
        out_name = "probabilities" if softmax else "logits"
        shape = " -> ".join(str(v) for v in [n_in] + hidden + [10])
        meta = {
            "generatedBy": COMMAND,
            "dataset": split_note,
            "inputResolution": f"{r}x{r}",
            "inputScale": "pixel / 16 in [0, 1]",
            "layers": shape + (" (ReLU between dense layers" +
                               (", Softmax at the end)" if softmax else ")")),
            "floatTestAccuracy": f"{acc:.4f}",
            "testSamples": len(y_test),
            "parameters": params,
        }
        doc = (f"assay reference model {name}: dense ReLU net {shape} on {r}x{r} digits. "
               f"Generated by {COMMAND}.")
        path = os.path.join(HERE, f"{name}.onnx")
        m = export(net, n_in, path, out_name, meta, doc)
        print(f"{name}.onnx: opset {m.opset_import[0].version}, ops {op_types(m)}", flush=True)

        xs = data[r]["test"][:EXPECTED_SAMPLES]
        with torch.no_grad():
            out = net(torch.from_numpy(xs)).numpy()
        expected = {
            "generatedBy": COMMAND,
            "model": f"{name}.onnx",
            "inputFile": f"digits-{r}x{r}-test.json",
            "inputRows": list(range(EXPECTED_SAMPLES)),
            "outputName": out_name,
            "shape": [EXPECTED_SAMPLES, 10],
            "labels": [int(v) for v in y_test[:EXPECTED_SAMPLES]],
        }
        rows = [",".join(json.dumps(float(f"{v:.8g}")) for v in row) for row in out]
        write_json(os.path.join(DATA_DIR, f"{name}-expected.json"), expected, rows)

    write_readme(report, len(y_test), len(train_idx), data)
    return 0


def decimals_note(data):
    used = sorted({(r, split, data[r][split + "_decimals"]) for r in data for split in ("test", "calib")})
    kinds = sorted({d for _, _, d in used})
    if len(kinds) == 1:
        return f"{kinds[0]} in every file"
    return ", ".join(f"{r}x{r} {split}: {d}" for r, split, d in used)


def write_readme(report, n_test, n_train, data):
    lines = [
        f"<!-- Generated by `{COMMAND}`; do not edit by hand. -->",
        "# Reference models",
        "",
        "Small dense ReLU classifiers for the 8x8 digits set that ships with scikit-learn",
        f"(1797 samples; {n_train} train / {n_test} held out, stratified, seed {SPLIT_SEED}).",
        "Pixels are divided by 16 (range [0, 1]); the 14x14 and 28x28 inputs are bilinear",
        "upsamplings (`torch.nn.functional.interpolate`, `align_corners=False`).",
        f"Every model is exported with `torch.onnx.export` at opset {OPSET}: one input `input` of",
        "fixed shape `[1, N]` (batch 1, no dynamic axis), one output `logits` of shape `[1, 10]`",
        "(no Softmax unless noted). `torch.nn.Linear` layers export as `Gemm` (`transB=1`).",
        f"Training: Adam (lr {LEARNING_RATE}, weight decay {WEIGHT_DECAY}), {EPOCHS} epochs,",
        f"batch {BATCH_SIZE}, seed {TRAIN_SEED}, single thread.",
        "",
        "Regenerate everything here (models, `data/`, this file) with:",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
        "## Models",
        "",
    ]
    for name, r, hidden, acc, params, _ in report:
        shape = " -> ".join(str(v) for v in [r * r] + hidden + [10])
        lines += [
            f"**`{name}.onnx`**: {shape}, ReLU after each hidden layer; input: {r}x{r} digits "
            f"flattened row-major (`data/digits-{r}x{r}-*.json`). Float test accuracy "
            f"{acc * 100:.2f}% ({round(acc * n_test)}/{n_test}); {params} parameters. "
            f"`data/{name}-expected.json` holds torch's logits for the first "
            f"{EXPECTED_SAMPLES} test samples.",
            "",
        ]
        if name == SOFTMAX_OF:
            lines += [
                f"**`{SOFTMAX_NAME}.onnx`**: the same weights as `{SOFTMAX_OF}.onnx` followed "
                "by `Softmax(axis=1)`; its output is named `probabilities`. It exists to test "
                f"handling of a trailing Softmax; `data/{SOFTMAX_NAME}-expected.json` holds "
                "the probabilities.",
                "",
            ]
    lines += [
        "## Data files",
        "",
        "`data/digits-<r>x<r>-test.json` (the whole held-out split) and",
        f"`data/digits-<r>x<r>-calib.json` ({CALIB_SIZE} training samples, stratified, seed "
        f"{CALIB_SEED}) for r in 8, 14, 28: `shape` `[N, r*r]`, `labels`, the dataset `indices`,",
        "and `data`, the pixels flattened row-major (one sample per line), rounded to `decimals` "
        f"places ({decimals_note(data)}). All resolutions use the same samples in the same "
        "order. Accuracies above are measured on these stored (rounded) test inputs, and each "
        "`<model>-expected.json` was computed from them.",
        "",
    ]
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
