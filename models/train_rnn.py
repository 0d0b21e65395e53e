#!/usr/bin/python3
"""Reference recurrent forecasters for assay (issue: the 2,000-model workload), trained with
Debian's python3-torch on a synthetic price series this script generates, and exported with
torch.onnx.export (opset 13):

  price-lstm-32-16.onnx   LSTM (hidden 16) over the last 32 prices, then a linear layer on the
                          last hidden state: the next price.
  price-gru-32-16.onnx    the same with a GRU (PyTorch's linear_before_reset form).

The series: a mean-reverting log price with two seasonal cycles and noise (seed below), scaled to
about 1. Windows of 32 prices, the target the next price; the last 20% of the series is held out.
Writes the models and, under models/data/, the calibration (64 training windows) and held-out
sets (JSON { shape, data, targets }). Run:

  /usr/bin/python3 models/train_rnn.py
"""
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261203
SEQ = 32
HIDDEN = 16
GENERATED_BY = "/usr/bin/python3 models/train_rnn.py"


def price_series(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = np.zeros(n)
    for i in range(1, n):  # Ornstein-Uhlenbeck log price
        x[i] = x[i - 1] - 0.02 * x[i - 1] + 0.01 * rng.standard_normal()
    season = 0.05 * np.sin(2 * np.pi * t / 50) + 0.03 * np.sin(2 * np.pi * t / 17)
    return np.exp(x + season)


def windows(p):
    xs = np.stack([p[i : i + SEQ] for i in range(len(p) - SEQ)])
    ys = p[SEQ:]
    return xs.astype(np.float32), ys.astype(np.float32)


class Forecaster(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(input_size=1, hidden_size=HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x):  # x: [N, SEQ, 1]
        out = self.rnn(x)[1]
        h = out[0] if isinstance(out, tuple) else out  # LSTM: (h_n, c_n)
        return self.head(h.squeeze(0))


def write_data(name, split, x, targets):
    body = {
        "generatedBy": GENERATED_BY,
        "dataset": f"synthetic price series (seed {SEED}), windows of {SEQ}",
        "split": split,
        "decimals": 6,
        "shape": [int(x.shape[0]), SEQ],
        "targets": [round(float(v), 6) for v in targets],
        "data": [round(float(v), 6) for v in x.reshape(-1)],
    }
    with open(os.path.join(HERE, "data", f"{name}.json"), "w") as f:
        json.dump(body, f)


def train(name, cell, xtr, ytr, xte, yte):
    torch.manual_seed(SEED)
    model = Forecaster(cell)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x = torch.from_numpy(xtr).unsqueeze(-1)
    y = torch.from_numpy(ytr).unsqueeze(-1)
    for epoch in range(300):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(xte).unsqueeze(-1)).squeeze(-1).numpy()
    rel = np.abs(pred - yte) / np.abs(yte)
    print(f"{name}: train mse {loss.item():.2e}, held-out mean |relative error| vs the series {rel.mean():.4f}")
    torch.onnx.export(
        model,
        torch.from_numpy(xtr[:1]).unsqueeze(-1),
        os.path.join(HERE, f"{name}.onnx"),
        input_names=["input"],
        output_names=["price"],
        opset_version=13,
    )


if __name__ == "__main__":
    p = price_series(2000, SEED)
    xs, ys = windows(p)
    cut = int(0.8 * len(xs))
    xtr, ytr, xte, yte = xs[:cut], ys[:cut], xs[cut:], ys[cut:]
    rng = np.random.default_rng(7)
    cal = rng.choice(len(xtr), size=64, replace=False)
    write_data("price-calib", "64 calibration windows from the training part (random_state=7)", xtr[cal], ytr[cal])
    write_data("price-test", "the held-out last 20% of the series", xte, yte)
    train("price-lstm-32-16", nn.LSTM, xtr, ytr, xte, yte)
    train("price-gru-32-16", nn.GRU, xtr, ytr, xte, yte)
