#!/usr/bin/python3
"""A wide dense classifier for assay's compile-time benchmark (issue: performance at the limit):

  wide-3264-128-128-7.onnx   3,264 inputs -> 128 -> 128 -> 7 classes, ReLU, (Gemm layers,
                             opset 13): 434,695 weights, the shape of a tabular model over a
                             few thousand engineered features.

Trained with Debian's python3-torch on data sklearn's make_classification generates (seeded:
7 classes, 3,264 features of which 48 informative and 96 redundant, the rest noise), features
standardised on the training split and rounded to 2 decimals (as the data files store them).
Writes the model and, under models/data/, 32 calibration rows from the training split and 100
held-out rows (JSON { shape, data, labels }). Run:

  /usr/bin/python3 models/train_wide.py
"""
import json
import os

import numpy as np
import torch
from sklearn.datasets import make_classification
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261204
FEATURES = 3264
HIDDEN = 128
CLASSES = 7
GENERATED_BY = "/usr/bin/python3 models/train_wide.py"
NAME = "wide-3264-128-128-7"


def write_data(split, x, labels):
    body = {
        "generatedBy": GENERATED_BY,
        "dataset": f"sklearn make_classification (seed {SEED}): {CLASSES} classes, {FEATURES} features",
        "split": split,
        "decimals": 2,
        "shape": [int(x.shape[0]), FEATURES],
        "labels": [int(v) for v in labels],
        "data": [round(float(v), 2) for v in x.reshape(-1)],
    }
    with open(os.path.join(HERE, "data", f"wide-{split}.json"), "w") as f:
        json.dump(body, f, separators=(",", ":"))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    x, y = make_classification(
        n_samples=4000,
        n_features=FEATURES,
        n_informative=48,
        n_redundant=96,
        n_classes=CLASSES,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=SEED,
    )
    n_train = 3600
    mean = x[:n_train].mean(axis=0)
    std = x[:n_train].std(axis=0) + 1e-6
    x = np.round((x - mean) / std, 2).astype(np.float32)
    xtr, ytr, xte, yte = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    model = nn.Sequential(
        nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr).long()
    for epoch in range(30):
        perm = torch.randperm(n_train)
        for i in range(0, n_train, 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
    print(f"{NAME}: held-out accuracy {acc:.3f}")

    torch.onnx.export(
        model,
        torch.from_numpy(xte[:1]),
        os.path.join(HERE, f"{NAME}.onnx"),
        input_names=["x"],
        output_names=["logits"],
        opset_version=13,
    )
    write_data("calib", xtr[:32], ytr[:32])
    write_data("test", xte[:100], yte[:100])


if __name__ == "__main__":
    main()
