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

`--decode lag=5,lag=10,offline,offline+plan` also scores the forest's posteriors after the
temporal decoder of `tinyloc cv --decode` (docs/RESULTS.md, "Temporal decoding"), re-stated here
so the comparison is like for like: transitions counted on the training recordings' window labels
with add-one smoothing (+add=K: K pseudo-counts per allowed move; +plan: only through the doors of
--plan), each recording's windows in time order, emissions = posterior / the prior the classifier was
trained under (training label frequencies; uniform with --balanced unless +freq), raised to the power W
with +weight=W, first window ~ training label frequencies, fixed-lag or offline Viterbi. A forest's posterior is often exactly 0, which would forbid a room outright, so
it is floored: (1 − ε)·p + ε/rooms with ε = --floor.
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


def parse_decoders(text):
    """(name, lag or None for offline, +plan, +freq, +add=K, +weight=W) per comma-separated item, as
    tinyloc spells them."""
    order = ["plan", "freq", "add", "weight"]
    decoders = []
    for item in text.split(","):
        body, *options = item.split("+")
        if body == "offline":
            lag = None
        elif body.startswith("lag=") and body[4:].isdigit():
            lag = int(body[4:])
        else:
            sys.exit(f"--decode {item!r}: use offline or lag=N (N >= 0), optionally +plan, +freq, +add=K, +weight=W")
        names = [o.split("=")[0] for o in options]
        if names != [n for n in order if n in names] or len(set(names)) != len(names):
            sys.exit(f"--decode {item!r}: options go once each, in the order +plan, +freq, +add=K, +weight=W")
        values = {o.split("=")[0]: float(o.split("=")[1]) for o in options if "=" in o}
        decoders.append((item, lag, "plan" in names, "freq" in names, values.get("add", 1.0), values.get("weight", 1.0)))
    return decoders


def door_adjacency(plan_path, rooms):
    with open(plan_path) as f:
        plan = json.load(f)
    names = [r["name"] for r in plan["rooms"]]
    if sorted(names) != sorted(rooms):
        sys.exit(f"{plan_path}: the plan's rooms {sorted(names)} are not the data's {sorted(rooms)}")
    allowed = np.eye(len(rooms), dtype=bool)
    for door in plan["doors"]:
        a, b = (rooms.index(n) for n in door["between"])
        allowed[a, b] = allowed[b, a] = True
    return allowed


def count_transitions(streams, rooms, allowed, pseudo_count=1.0):
    """Smoothed counts (pseudo_count per allowed move) of consecutive labels, and the add-one label prior."""
    counts = np.zeros((rooms, rooms))
    labels = np.ones(rooms)
    for stream in streams:
        np.add.at(labels, stream, 1)
        for a, b in zip(stream[:-1], stream[1:]):
            if allowed is None or allowed[a, b]:
                counts[a, b] += 1
    smoothed = np.where(allowed if allowed is not None else True, counts + pseudo_count, 0)
    return smoothed / smoothed.sum(axis=1, keepdims=True), labels / labels.sum()


def fixed_lag_viterbi(log_e, log_a, log_pi, lag):
    """The decision for window t is the room at t of the best path over windows 0..t+lag (all
    windows for the last `lag`); lag >= len - 1 is offline Viterbi. Ties go to the lowest room."""
    n, rooms = log_e.shape
    back = np.zeros((n, rooms), dtype=int)
    score = log_pi + log_e[0]
    decided = np.zeros(n, dtype=int)

    def trace(end, steps, room):
        for t in range(end, end - steps, -1):
            room = back[t, room]
        return room

    with np.errstate(divide="ignore"):
        for t in range(n):
            if t > 0:
                candidates = score[:, None] + log_a
                back[t] = np.argmax(candidates, axis=0)
                score = candidates[back[t], np.arange(rooms)] + log_e[t]
            if t >= lag:
                decided[t - lag] = trace(t, lag, int(np.argmax(score)))
    room = int(np.argmax(score))
    for t in range(n - 1, max(0, n - lag) - 1, -1):
        decided[t] = room
        if t > 0:
            room = back[t, room]
    return decided


def decode(posterior, starts_test, y_train_streams, lag, allowed, uniform_prior, pseudo_count=1.0, weight=1.0):
    rooms = posterior.shape[1]
    transitions, prior = count_transitions(y_train_streams, rooms, allowed, pseudo_count)
    classifier_prior = np.full(rooms, 1 / rooms) if uniform_prior else prior
    order = np.argsort(starts_test, kind="stable")
    with np.errstate(divide="ignore"):
        log_e = weight * (np.log(posterior[order]) - np.log(classifier_prior))
        path = fixed_lag_viterbi(log_e, np.log(transitions), np.log(prior), len(order) - 1 if lag is None else lag)
    decoded = np.empty(len(order), dtype=int)
    decoded[order] = path
    return decoded


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("windows", help="CSV written by `tinyloc windows --out`")
    parser.add_argument("--seeds", default="1", help="comma-separated random_state values")
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--balanced", action="store_true",
                        help="class_weight='balanced' (tinyloc's training weights rooms by inverse frequency too)")
    parser.add_argument("--json", help="write per-fold results here")
    parser.add_argument("--decode", help="temporal decoders, e.g. lag=5,lag=10,offline,offline+plan")
    parser.add_argument("--plan", help="floor plan JSON for +plan decoders (e.g. data/floorplans/sphere-house.json)")
    parser.add_argument("--floor", type=float, default=0.01, help="posterior floor ε for decoding")
    args = parser.parse_args()

    meta, recordings, y, x = load(args.windows)
    starts = np.loadtxt(args.windows, delimiter=",", skiprows=1, usecols=1, dtype=float)
    rooms = meta["rooms"]
    decoders = parse_decoders(args.decode) if args.decode else []
    if any(d[2] for d in decoders) and not args.plan:
        sys.exit("+plan decoders need --plan")
    allowed = door_adjacency(args.plan, rooms) if any(d[2] for d in decoders) else None
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
            streams = [y[recordings == r][np.argsort(starts[recordings == r], kind="stable")] for r in fold["train"]]
            result["decoded"] = {}
            if decoders:
                posterior = np.zeros((test.sum(), len(rooms)))
                posterior[:, forest.classes_] = forest.predict_proba(x[test])
                posterior = (1 - args.floor) * posterior + args.floor / len(rooms)
            for name, lag, plan, freq, pseudo_count, weight in decoders:
                if lag is not None and lag > test.sum() - 1:
                    sys.exit(f"--decode {name}: recording {fold['test']} has only {test.sum()} windows")
                path = decode(posterior, starts[test], streams, lag, allowed if plan else None, args.balanced and not freq,
                              pseudo_count, weight)
                result["decoded"][name] = {"macroF1": macro_f1_present(y[test], path), "accuracy": accuracy_score(y[test], path)}
            folds.append(result)
            print(f"  test {fold['test']}  seed {seed}  windows {result['trainWindows']:5d}/{result['testWindows']:4d}"
                  f"  │ test macro-F1 {result['macroF1']:.3f}  accuracy {result['accuracy']:.3f}"
                  + "".join(f"  {name} {d['macroF1']:.3f}" for name, d in result["decoded"].items()))
    mean_f1 = float(np.mean([f["macroF1"] for f in folds]))
    mean_acc = float(np.mean([f["accuracy"] for f in folds]))
    print(f"\nRandomForest ({args.trees} trees{', balanced' if args.balanced else ''}) mean over {len(folds)} folds: "
          f"macro-F1 {mean_f1:.3f} · accuracy {mean_acc:.3f}")
    for name, *_ in decoders:
        print(f"  decoded {name}: macro-F1 {np.mean([f['decoded'][name]['macroF1'] for f in folds]):.3f} · "
              f"accuracy {np.mean([f['decoded'][name]['accuracy'] for f in folds]):.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"trees": args.trees, "balanced": args.balanced, "seeds": seeds, "folds": folds,
                       "meanMacroF1": mean_f1, "meanAccuracy": mean_acc}, f, indent=2)


if __name__ == "__main__":
    main()
