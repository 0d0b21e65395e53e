#!/usr/bin/python3
"""Reference classical models for assay (issue: the 2,000-model workload), trained with Debian's
python3-sklearn on data sets that ship with it, and written as ONNX-ML by this script's own
writer (onnx.helper; skl2onnx is not used):

  breast-cancer-logreg.onnx  StandardScaler -> LogisticRegression on the 30 breast-cancer
                             features: ai.onnx.ml Scaler + LinearClassifier (binary, one row of
                             coefficients, LOGISTIC), outputs label (int64) and probabilities.
  diabetes-linreg.onnx       LinearRegression on the 10 diabetes features (already centred and
                             scaled by scikit-learn): ai.onnx.ml LinearRegressor, output the
                             disease-progression value.

Writes the models and, under models/data/, their calibration (from the training split) and
held-out test sets (JSON { shape, data, labels | targets }). Run:

  /usr/bin/python3 models/train_linear.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261203
GENERATED_BY = "/usr/bin/python3 models/train_linear.py"


def write_model(name, nodes, n_features, outputs, producer="assay models/train_linear.py"):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, n_features])], outputs
    )
    model = helper.make_model(
        graph,
        producer_name=producer,
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, f"{name}.onnx"))


def write_data(name, split, dataset, x, extra):
    body = {
        "generatedBy": GENERATED_BY,
        "dataset": dataset,
        "split": split,
        "decimals": 6,
        "shape": [int(x.shape[0]), int(x.shape[1])],
        **extra,
        "data": [round(float(v), 6) for v in x.reshape(-1)],
    }
    with open(os.path.join(HERE, "data", f"{name}.json"), "w") as f:
        json.dump(body, f)


def calibration(x, n, seed):
    rng = np.random.default_rng(seed)
    return x[rng.choice(len(x), size=min(n, len(x)), replace=False)]


def breast_cancer():
    x, y = load_breast_cancer(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)
    scaler = StandardScaler().fit(xtr)
    clf = LogisticRegression(max_iter=5000).fit(scaler.transform(xtr), ytr)
    nodes = [
        helper.make_node(
            "Scaler", ["input"], ["scaled"], name="scaler", domain="ai.onnx.ml",
            offset=[float(v) for v in scaler.mean_], scale=[float(1 / v) for v in scaler.scale_],
        ),
        helper.make_node(
            "LinearClassifier", ["scaled"], ["label", "probabilities"], name="logreg", domain="ai.onnx.ml",
            coefficients=[float(v) for v in clf.coef_.reshape(-1)], intercepts=[float(clf.intercept_[0])],
            classlabels_ints=[0, 1], post_transform="LOGISTIC",
        ),
    ]
    outputs = [
        helper.make_tensor_value_info("label", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 2]),
    ]
    write_model("breast-cancer-logreg", nodes, x.shape[1], outputs)
    dataset = f"sklearn load_breast_cancer, stratified train_test_split(test_size=0.25, random_state={SEED})"
    cal = calibration(xtr, 64, 7)
    write_data("breast-cancer-calib", "64 calibration samples from the training split (random_state=7)",
               dataset, cal, {})
    write_data("breast-cancer-test", "the held-out split", dataset, xte, {"labels": [int(v) for v in yte]})
    print(f"breast-cancer-logreg: test accuracy {clf.score(scaler.transform(xte), yte):.4f} on {len(yte)} rows")


def diabetes():
    x, y = load_diabetes(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=SEED)
    reg = LinearRegression().fit(xtr, ytr)
    nodes = [
        helper.make_node(
            "LinearRegressor", ["input"], ["progression"], name="linreg", domain="ai.onnx.ml",
            coefficients=[float(v) for v in reg.coef_], intercepts=[float(reg.intercept_)], targets=1,
        )
    ]
    outputs = [helper.make_tensor_value_info("progression", TensorProto.FLOAT, [1, 1])]
    write_model("diabetes-linreg", nodes, x.shape[1], outputs)
    dataset = f"sklearn load_diabetes (scaled features), train_test_split(test_size=0.25, random_state={SEED})"
    cal = calibration(xtr, 64, 7)
    write_data("diabetes-calib", "64 calibration samples from the training split (random_state=7)", dataset, cal, {})
    write_data("diabetes-test", "the held-out split", dataset, xte, {"targets": [round(float(v), 6) for v in yte]})
    print(f"diabetes-linreg: test R^2 {reg.score(xte, yte):.4f} on {len(yte)} rows")


if __name__ == "__main__":
    breast_cancer()
    diabetes()
