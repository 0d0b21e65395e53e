#!/usr/bin/python3
"""Reference tree ensembles for assay (issue: the 2,000-model workload), trained with Debian's
python3-xgboost and python3-sklearn on data sets that ship with scikit-learn, and written as
ONNX-ML by our own writer (onnx.helper, shared with train_linear.py; neither skl2onnx nor
onnxmltools is used):

  breast-cancer-xgb.onnx     XGBoost binary:logistic, 100 trees of depth 5 on the 30 raw
                             breast-cancer features: ai.onnx.ml TreeEnsembleClassifier (BRANCH_LT,
                             one score, LOGISTIC), outputs label (int64) and probabilities.
  diabetes-gbr.onnx          scikit-learn GradientBoostingRegressor, 100 trees of depth 3 on the
                             10 diabetes features: ai.onnx.ml TreeEnsembleRegressor (BRANCH_LEQ,
                             leaf values times the learning rate, the initial mean as base value).

The data splits are the ones models/train_linear.py writes (same seed): the calibration and
held-out sets under models/data/ serve both scripts. Run:

  /usr/bin/python3 models/train_trees.py
"""
import json
import math

import numpy as np
import xgboost as xgb
from onnx import TensorProto, helper
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import train_test_split

import train_linear  # this directory: the shared ONNX-ML model writer

SEED = train_linear.SEED  # one split for both scripts


def write_model(name, node, n_features, outputs):
    train_linear.write_model(name, [node], n_features, outputs, producer="assay models/train_trees.py")


class Trees:
    """The nodes_* and <prefix>_* attributes of an ONNX tree ensemble, tree by tree."""

    def __init__(self):
        self.nodes = {k: [] for k in ["treeids", "nodeids", "featureids", "modes", "values", "truenodeids",
                                      "falsenodeids", "missing_value_tracks_true"]}
        self.leaves = {k: [] for k in ["treeids", "nodeids", "ids", "weights"]}

    def add_node(self, tree, node, feature, mode, value, true_id, false_id, missing_true):
        for k, v in zip(self.nodes, [tree, node, feature, mode, value, true_id, false_id, missing_true]):
            self.nodes[k].append(v)

    def add_leaf(self, tree, node, weight):
        self.add_node(tree, node, 0, "LEAF", 0.0, 0, 0, 0)
        for k, v in zip(self.leaves, [tree, node, 0, weight]):
            self.leaves[k].append(v)

    def attributes(self, prefix):
        a = {f"nodes_{k}": v for k, v in self.nodes.items()}
        a.update({f"{prefix}_{k}": v for k, v in self.leaves.items()})
        return a


def xgb_trees(booster):
    """XGBoost's JSON dump: 'yes' is taken when x < split_condition (float32)."""
    trees = Trees()
    for t, dump in enumerate(booster.get_dump(dump_format="json")):
        root = json.loads(dump)
        order = []  # breadth first, renumbered 0..n-1 as ONNX requires
        queue = [root]
        while queue:
            n = queue.pop(0)
            order.append(n)
            queue.extend(n.get("children", []))
        ids = {n["nodeid"]: i for i, n in enumerate(order)}
        for i, n in enumerate(order):
            if "leaf" in n:
                trees.add_leaf(t, i, float(n["leaf"]))
            else:
                feature = int(n["split"][1:])
                trees.add_node(t, i, feature, "BRANCH_LT", float(np.float32(n["split_condition"])),
                               ids[n["yes"]], ids[n["no"]], int(n["missing"] == n["yes"]))
    return trees


def sklearn_trees(estimators, scale):
    """scikit-learn trees: the left child is taken when x <= threshold; leaf values times `scale`."""
    trees = Trees()
    for t, est in enumerate(estimators):
        tree = est.tree_
        for i in range(tree.node_count):
            if tree.children_left[i] < 0:
                trees.add_leaf(t, i, float(tree.value[i][0][0] * scale))
            else:
                trees.add_node(t, i, int(tree.feature[i]), "BRANCH_LEQ", float(np.float32(tree.threshold[i])),
                               int(tree.children_left[i]), int(tree.children_right[i]), 0)
    return trees


def breast_cancer():
    x, y = load_breast_cancer(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)
    clf = xgb.XGBClassifier(n_estimators=100, max_depth=5, learning_rate=0.1, random_state=SEED,
                            objective="binary:logistic", base_score=0.5)
    clf.fit(xtr, ytr)
    booster = clf.get_booster()
    p = float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])
    node = helper.make_node(
        "TreeEnsembleClassifier", ["input"], ["label", "probabilities"], name="xgboost", domain="ai.onnx.ml",
        classlabels_int64s=[0, 1], post_transform="LOGISTIC", base_values=[math.log(p / (1 - p))],
        **xgb_trees(booster).attributes("class"),
    )
    outputs = [
        helper.make_tensor_value_info("label", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 2]),
    ]
    write_model("breast-cancer-xgb", node, x.shape[1], outputs)
    print(f"breast-cancer-xgb: test accuracy {clf.score(xte, yte):.4f} on {len(yte)} rows")


def diabetes():
    x, y = load_diabetes(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=SEED)
    reg = GradientBoostingRegressor(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=SEED)
    reg.fit(xtr, ytr)
    base = float(reg.init_.constant_.reshape(-1)[0])
    node = helper.make_node(
        "TreeEnsembleRegressor", ["input"], ["progression"], name="gbr", domain="ai.onnx.ml",
        n_targets=1, aggregate_function="SUM", post_transform="NONE", base_values=[base],
        **sklearn_trees(reg.estimators_[:, 0], reg.learning_rate).attributes("target"),
    )
    outputs = [helper.make_tensor_value_info("progression", TensorProto.FLOAT, [1, 1])]
    write_model("diabetes-gbr", node, x.shape[1], outputs)
    print(f"diabetes-gbr: test R^2 {reg.score(xte, yte):.4f} on {len(yte)} rows")


if __name__ == "__main__":
    breast_cancer()
    diabetes()
