#!/usr/bin/python3
"""Reference transformer encoder classifier for assay (issue: "a 2-layer transformer encoder
classifier (d=32, 4 heads, sequence 16)"), trained with Debian's python3-torch on a synthetic
sequence task this script generates, and exported with torch.onnx.export (TorchScript exporter,
batch 1, fixed shape, input "x" [1, 16, 4], output "probs" [1, 4], the class probabilities: a
Softmax over the logits, as a classifier is deployed):

  transformer-2x32-seq16.onnx          opset 13: LayerNorm decomposed by PyTorch into
                                       ReduceMean / Sub / Pow / ReduceMean / Add / Sqrt / Div /
                                       Mul / Add, GELU into Div / Erf / Add / Mul / Mul.
  transformer-2x32-seq16-opset17.onnx  the same weights at opset 17 (LayerNormalization).

The model: Linear(4, 32) per position plus a learned positional embedding [16, 32]; two pre-norm
encoder layers written with explicit ops (x + Attn(LN(x)), x + FFN(LN(x)); attention with 4 heads
of 8, q k^T * (1/sqrt(8)), Softmax over the keys; FFN Linear(32, 32) -> GELU (erf) ->
Linear(32, 32)); a final LayerNorm, the mean over the 16 positions, Linear(32, 4): the logits.

The task: every position carries one of 4 token types as a noisy one-hot (4 features, noise
sd 0.2). The label compares mirrored positions: 2 * [type(0) == type(15)] + [type(1) == type(14)].
No per-position function summed over positions can compute an equality of two positions, so the
model has to move information between positions (attention). Labels are balanced by construction.
4,000 training and 1,000 held-out sequences (seed below).

Writes the models and, under models/data/, the calibration set (64 training sequences) and the
first 500 held-out sequences (JSON { shape [N, 16, 4], data, labels }). Run:

  /usr/bin/python3 models/train_transformer.py
"""
import collections
import json
import math
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261203
SEQ = 16
FEATURES = 4
D = 32
HEADS = 4
HEAD_DIM = D // HEADS
FFN = 32
LAYERS = 2
CLASSES = 4
NOISE = 0.2
N_TRAIN = 4000
N_TEST = 1000
N_TEST_WRITTEN = 500
EPOCHS = 60
BATCH = 64
NAME = "transformer-2x32-seq16"
GENERATED_BY = "/usr/bin/python3 models/train_transformer.py"
DATASET = (
    f"synthetic mirrored-pair sequences (seed {SEED}): {SEQ} positions, {FEATURES} token types as noisy "
    f"one-hot features (noise sd {NOISE}); label 2*[type(0)==type(15)] + [type(1)==type(14)]"
)


def sequences(n, rng):
    """n sequences [n, SEQ, FEATURES] and their labels, balanced over the 4 classes."""
    labels = rng.integers(0, CLASSES, size=n)
    types = rng.integers(0, FEATURES, size=(n, SEQ))
    for i, c in enumerate(labels):
        for first, last, equal in ((0, SEQ - 1, c >> 1), (1, SEQ - 2, c & 1)):
            if equal:
                types[i, last] = types[i, first]
            else:  # any of the other 3 types
                types[i, last] = (types[i, first] + rng.integers(1, FEATURES)) % FEATURES
    x = np.eye(FEATURES)[types] + NOISE * rng.standard_normal((n, SEQ, FEATURES))
    return x.astype(np.float32), labels.astype(np.int64)


class EncoderLayer(nn.Module):
    """Pre-norm: x = x + Attn(LN(x)); x = x + FFN(LN(x)). Explicit ops, no fused attention."""

    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.q = nn.Linear(D, D)
        self.k = nn.Linear(D, D)
        self.v = nn.Linear(D, D)
        self.out = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.ff1 = nn.Linear(D, FFN)
        self.act = nn.GELU()
        self.ff2 = nn.Linear(FFN, D)

    def heads(self, t):  # [N, SEQ, D] -> [N, HEADS, SEQ, HEAD_DIM]
        return t.reshape(-1, SEQ, HEADS, HEAD_DIM).transpose(1, 2)

    def forward(self, x):
        h = self.ln1(x)
        q, k, v = self.heads(self.q(h)), self.heads(self.k(h)), self.heads(self.v(h))
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(HEAD_DIM))
        a = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.out(a.transpose(1, 2).reshape(-1, SEQ, D))
        return x + self.ff2(self.act(self.ff1(self.ln2(x))))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(FEATURES, D)
        self.pos = nn.Parameter(0.5 * torch.randn(SEQ, D))
        self.layers = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(D)
        self.head = nn.Linear(D, CLASSES)

    def forward(self, x):  # x: [N, SEQ, FEATURES] -> logits [N, CLASSES]
        x = self.embed(x) + self.pos
        for layer in self.layers:
            x = layer(x)
        return self.head(self.ln(x).mean(dim=1))


def write_data(name, split, x, labels):
    body = {
        "generatedBy": GENERATED_BY,
        "dataset": DATASET,
        "split": split,
        "decimals": 6,
        "shape": [int(x.shape[0]), SEQ, FEATURES],
        "labels": [int(v) for v in labels],
        "data": [round(float(v), 6) for v in x.reshape(-1)],
    }
    with open(os.path.join(HERE, "data", f"{name}.json"), "w") as f:
        json.dump(body, f)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def train(xtr, ytr, xte, yte):
    torch.manual_seed(SEED)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=EPOCHS * math.ceil(len(xtr) / BATCH)
    )
    x, y = torch.from_numpy(xtr), torch.from_numpy(ytr)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}, train {accuracy(model, xtr, ytr):.4f}, "
                  f"test {accuracy(model, xte, yte):.4f}", flush=True)
    model.eval()
    return model


def op_counts(path):
    model = onnx.load(path)
    onnx.checker.check_model(model)
    return collections.Counter(n.op_type for n in model.graph.node)


class Probabilities(nn.Module):
    """The trained classifier with a Softmax over its logits: what is exported."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return torch.softmax(self.model(x), dim=-1)


def export(model, sample, name, opset):
    path = os.path.join(HERE, f"{name}.onnx")
    model = Probabilities(model).eval()
    torch.onnx.export(
        model,
        sample,
        path,
        input_names=["x"],
        output_names=["probs"],
        opset_version=opset,
        do_constant_folding=True,
    )
    counts = op_counts(path)
    print(f"{name}.onnx (opset {opset}, {os.path.getsize(path)} bytes): "
          + ", ".join(f"{op} {n}" for op, n in sorted(counts.items())))
    try:
        import onnxruntime
    except ImportError:
        return
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        want = model(sample).numpy()
    got = sess.run(None, {"x": sample.numpy()})[0]
    print(f"  onnxruntime max |difference| from torch: {np.abs(got - want).max():.2e}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)
    xtr, ytr = sequences(N_TRAIN, rng)
    xte, yte = sequences(N_TEST, rng)
    cal = np.random.default_rng(7).choice(N_TRAIN, size=64, replace=False)
    write_data("transformer-calibration", "64 calibration sequences from the training set (random_state=7)",
               xtr[cal], ytr[cal])
    # Evaluate and export on the rounded inputs the data file stores.
    xte = np.round(xte, 6).astype(np.float32)
    write_data("transformer-test", f"the first {N_TEST_WRITTEN} of the {N_TEST} held-out sequences",
               xte[:N_TEST_WRITTEN], yte[:N_TEST_WRITTEN])
    model = train(xtr, ytr, xte, yte)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{NAME}: {n_params} parameters, test accuracy {accuracy(model, xte, yte):.4f} on all {N_TEST} "
          f"held-out sequences, {accuracy(model, xte[:N_TEST_WRITTEN], yte[:N_TEST_WRITTEN]):.4f} on the "
          f"{N_TEST_WRITTEN} stored")
    sample = torch.from_numpy(xte[:1])
    export(model, sample, NAME, 13)
    export(model, sample, f"{NAME}-opset17", 17)
