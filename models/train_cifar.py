#!/usr/bin/python3
"""A CIFAR-sized convolutional classifier for assay's benchmark (issue: performance at the limit):

  cnn-32x32x3-16-32-10.onnx   [1, 3, 32, 32] -> conv 16@3x3 -> ReLU -> maxpool 2x2
                              -> conv 32@3x3 -> ReLU -> maxpool 2x2 -> dense 10 (opset 13)

CIFAR-10 itself is not packaged by Debian, so the images are generated here (seeded numpy): ten
classes of coloured figures on 32x32 RGB images, the shape and size of CIFAR's inputs:

  0 disc  1 square  2 triangle  3 ring  4 plus  5 horizontal stripes  6 vertical stripes
  7 diagonal stripes  8 checkerboard  9 diagonal cross

Each image has a random background colour with a random linear gradient, a figure of random
colour (at least 0.35 away from the background in some channel), random size and position,
and Gaussian pixel noise (sigma 0.06); pixels are clipped to [0, 1] and rounded to one decimal
(as the data files store them, so the float model is trained and measured on exactly those
values). Trained with Debian's python3-torch (Adam, seeded, single thread). Writes the model and,
under models/data/, 32 calibration images from the training split and 300 held-out images
(JSON { shape, data, labels }, NCHW flattened row-major). Run:

  /usr/bin/python3 models/train_cifar.py
"""
import json
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261205
SIZE = 32
CLASSES = 10
TRAIN = 6000
TEST = 300
CALIB = 32
EPOCHS = 20
NAME = "cnn-32x32x3-16-32-10"
GENERATED_BY = "/usr/bin/python3 models/train_cifar.py"
CLASS_NAMES = [
    "disc", "square", "triangle", "ring", "plus",
    "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard", "diagonal cross",
]


def figure_mask(cls, rng):
    """Boolean [32, 32] mask of one figure of class cls, at a random size and position."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    r = rng.uniform(6, 11)
    cy, cx = rng.uniform(r + 1, SIZE - r - 1, size=2)
    dy, dx = yy - cy, xx - cx
    inside = (np.abs(dy) <= r) & (np.abs(dx) <= r)
    period = rng.uniform(3.5, 6)
    phase = rng.uniform(0, period)
    width = rng.uniform(1.5, 3)
    if cls == 0:
        return dy**2 + dx**2 <= r**2
    if cls == 1:
        return inside
    if cls == 2:
        return (dy <= r) & (np.abs(dx) <= (dy + r) / 2)
    if cls == 3:
        d = np.sqrt(dy**2 + dx**2)
        return (d <= r) & (d >= r - width - 1)
    if cls == 4:
        return inside & ((np.abs(dy) <= width) | (np.abs(dx) <= width))
    if cls == 5:
        return inside & (((yy + phase) % period) < period / 2)
    if cls == 6:
        return inside & (((xx + phase) % period) < period / 2)
    if cls == 7:
        return inside & (((xx + yy + phase) % (period * 1.4)) < period * 0.7)
    if cls == 8:
        cell = max(2, int(period / 1.5))
        return inside & ((((yy + phase) // cell) + ((xx + phase) // cell)) % 2 == 0)
    return inside & ((np.abs(dy - dx) <= width) | (np.abs(dy + dx) <= width))


def image(cls, rng):
    bg = rng.uniform(0, 1, size=3)
    while True:
        fg = rng.uniform(0, 1, size=3)
        if np.abs(fg - bg).max() >= 0.35:
            break
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE - 0.5
    gy, gx = rng.uniform(-0.25, 0.25, size=2)
    img = np.empty((3, SIZE, SIZE), dtype=np.float32)
    mask = figure_mask(cls, rng)
    for c in range(3):
        img[c] = np.where(mask, fg[c], bg[c] + gy * yy + gx * xx)
    img += rng.normal(0, 0.06, size=img.shape)
    return np.round(np.clip(img, 0, 1), 1).astype(np.float32)


def dataset(n, rng):
    labels = rng.integers(0, CLASSES, size=n)
    return np.stack([image(int(c), rng) for c in labels]), labels.astype(np.int64)


def write_data(split, x, labels):
    body = {
        "generatedBy": GENERATED_BY,
        "dataset": f"generated figures, {CLASSES} classes, 32x32 RGB (seed {SEED}): " + ", ".join(CLASS_NAMES),
        "split": split,
        "decimals": 1,
        "shape": [int(x.shape[0]), 3, SIZE, SIZE],
        "labels": [int(v) for v in labels],
        "data": [round(float(v), 1) for v in x.reshape(-1)],
    }
    text = json.dumps(body, separators=(",", ":")).replace(".0,", ",")
    with open(os.path.join(HERE, "data", f"cifar-{split}.json"), "w") as f:
        f.write(text)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    xtr, ytr = dataset(TRAIN, rng)
    xte, yte = dataset(TEST, rng)

    model = nn.Sequential(
        nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 6 * 6, CLASSES),
    )
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(TRAIN, generator=gen)
        for i in range(0, TRAIN, 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, held-out accuracy {acc:.3f}", flush=True)
    params = sum(p.numel() for p in model.parameters())
    print(f"{NAME}: held-out accuracy {acc:.4f} ({round(acc * TEST)}/{TEST}), {params} parameters")

    path = os.path.join(HERE, f"{NAME}.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 3, SIZE, SIZE), path, input_names=["input"], output_names=["logits"], opset_version=13
    )
    m = onnx.load(path)
    m.doc_string = f"assay reference model {NAME}: CIFAR-sized CNN on generated figures. Generated by {GENERATED_BY}."
    for k, v in {
        "generatedBy": GENERATED_BY,
        "dataset": "generated coloured figures, 10 classes, 32x32x3 (models/train_cifar.py)",
        "floatTestAccuracy": f"{acc:.4f}",
        "parameters": params,
    }.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    write_data("calib", xtr[:CALIB], ytr[:CALIB])
    write_data("test", xte, yte)


if __name__ == "__main__":
    main()
