#!/usr/bin/env python3
"""RandomForest reference on exactly the windows and folds tinyloc uses.

Not part of tinyloc or its CI: a classical yardstick for docs/RESULTS.md.

    tinyloc windows --data ../shared/data/sphere --out /tmp/sphere-windows.csv
    python3 bench/reference/random_forest_cv.py /tmp/sphere-windows.csv --seeds 1,2,3

Reads the CSV and its .json description written by `tinyloc windows`, and for each fold of
`tinyloc cv` (held-out recording = test; the validation recording is not used: a forest needs
no early stopping, so it trains on the training recordings only, exactly like the network)
fits sklearn's RandomForestClassifier on the flattened windows and scores macro-F1 over the rooms
present in the test recording, and accuracy, as tinyloc does. Needs numpy and scikit-learn.
"""
import argparse
import csv
import json
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score


def load(path):
    with open(path + ".json") as f:
        meta = json.load(f)
    recordings, labels, rows = [], [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:3] != ["recording", "start", "label"]:
            sys.exit(f"{path}: not a tinyloc windows file")
        for row in reader:
            recordings.append(row[0])
            labels.append(int(row[2]))
            rows.append([float(v) for v in row[3:]])
    return meta, np.array(recordings), np.array(labels), np.array(rows, dtype=np.float32)


def macro_f1_present(y_true, y_pred):
    present = sorted(set(y_true.tolist()))
    return f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("windows", help="CSV written by `tinyloc windows --out`")
    parser.add_argument("--seeds", default="1", help="comma-separated random_state values")
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--balanced", action="store_true",
                        help="class_weight='balanced' (tinyloc's training weights rooms by inverse frequency too)")
    parser.add_argument("--json", help="write per-fold results here")
    args = parser.parse_args()

    meta, recordings, y, x = load(args.windows)
    seeds = [int(s) for s in args.seeds.split(",")]
    folds = []
    for seed in seeds:
        for fold in meta["folds"]:
            train = np.isin(recordings, fold["train"])
            test = recordings == fold["test"]
            forest = RandomForestClassifier(n_estimators=args.trees, random_state=seed, n_jobs=2,
                                            class_weight="balanced" if args.balanced else None)
            forest.fit(x[train], y[train])
            predicted = forest.predict(x[test])
            result = {"seed": seed, "test": fold["test"], "train": fold["train"],
                      "trainWindows": int(train.sum()), "testWindows": int(test.sum()),
                      "macroF1": macro_f1_present(y[test], predicted),
                      "accuracy": accuracy_score(y[test], predicted)}
            folds.append(result)
            print(f"  test {fold['test']}  seed {seed}  windows {result['trainWindows']:5d}/{result['testWindows']:4d}"
                  f"  │ test macro-F1 {result['macroF1']:.3f}  accuracy {result['accuracy']:.3f}")
    mean_f1 = float(np.mean([f["macroF1"] for f in folds]))
    mean_acc = float(np.mean([f["accuracy"] for f in folds]))
    print(f"\nRandomForest ({args.trees} trees{', balanced' if args.balanced else ''}) mean over {len(folds)} folds: "
          f"macro-F1 {mean_f1:.3f} · accuracy {mean_acc:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"trees": args.trees, "balanced": args.balanced, "seeds": seeds, "folds": folds,
                       "meanMacroF1": mean_f1, "meanAccuracy": mean_acc}, f, indent=2)


if __name__ == "__main__":
    main()
