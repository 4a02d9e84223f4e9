"""Training parity: tinyloc and its PyTorch twin on identical windows, folds and recipe.

The windows are the ones `tinyloc windows` exports (the fixed physical scaling, the folds of
`tinyloc cv`: each recording tests once, the next one validates for early stopping, the rest
train). tinyloc trains them through `tinyloc cv --json`; the twin from bench/torch_models.py trains
in this process with the same recipe:

- initialisation: PyTorch's defaults, which tinyloc's layers reproduce (Linear: U(±1/√in)),
  with the few layers where they differ redrawn as tinyloc draws them (`--init`); or, with
  `--same-start`, tinyloc's own initial weights and its own order of the windows every epoch
  (tinyloc_start.py), which leaves only the arithmetic of the two trainers to differ;
- a fresh random order of the training windows every epoch, batches of --batch-size, the last
  batch smaller;
- cross-entropy, optionally class-balanced with w_c = N / (present · n_c) (the loss is then
  Σ w_y·ℓ / Σ w_y, which is also what nn.CrossEntropyLoss(weight=…) computes);
- Adam (β 0.9, 0.999, ε 1e-8, bias-corrected); weight decay decoupled (AdamW) when set;
- after each epoch the validation macro-F1; the best epoch's weights (strictly better than all
  before) are kept, or the last epoch's with `--keep last`; training stops after --patience
  epochs without improvement or at --epochs;
- the test recording is scored with the kept weights: macro-F1 over the rooms its labels hold.

Prints both sides per fold and seed, then each seed's leave-one-recording-out mean, the mean
over seeds and the seed spread (max − min of the per-seed means). Usage: see bench/README.md.
"""
import argparse
import copy
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_models  # noqa: E402
import tinyloc_start  # noqa: E402


def load_windows(path):
    """The CSV of `tinyloc windows` and its .json description."""
    with open(path + ".json") as f:
        description = json.load(f)
    recordings, labels, rows = [], [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            recordings.append(row[0])
            labels.append(int(row[2]))
            rows.append([float(v) for v in row[3:]])
    steps, features = description["length"], description["features"]
    x = np.asarray(rows, dtype=np.float32).reshape(-1, steps, features)
    return description, np.asarray(recordings), np.asarray(labels, dtype=np.int64), x


def macro_f1(predicted, labels, classes):
    """Mean F1 over the rooms present in `labels` (tinyloc's ClassificationMetrics)."""
    scores = []
    for c in range(classes):
        actual = int(np.sum(labels == c))
        if actual == 0:
            continue
        tp = int(np.sum((labels == c) & (predicted == c)))
        said = int(np.sum(predicted == c))
        precision = tp / said if said else 0.0
        recall = tp / actual
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return sum(scores) / len(scores) if scores else 0.0


def class_weights(labels, classes):
    counts = np.bincount(labels, minlength=classes)
    present = int(np.sum(counts > 0))
    return np.where(counts > 0, len(labels) / (present * np.maximum(counts, 1)), 0).astype(np.float32)


def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x).to(next(model.parameters()).dtype)).argmax(1).numpy()


def tinyloc_initialisation(model):
    """Where the twin's PyTorch defaults differ from tinyloc's layers, draw as tinyloc does:
    attention's QKV and output biases (PyTorch: Xavier weights, zero biases; tinyloc: its Linear,
    U(±1/√d) for both) and Mamba's dt_proj bias (tinyloc, as the reference Mamba: softplus⁻¹ of
    Δ₀ log-uniform in [0.001, 0.1])."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.MultiheadAttention):
                bound = 1 / math.sqrt(module.embed_dim)
                for tensor in (module.in_proj_weight, module.in_proj_bias, module.out_proj.bias):
                    nn.init.uniform_(tensor, -bound, bound)
            if isinstance(module, torch_models.MambaBlock):
                low, high = math.log(0.001), math.log(0.1)
                dt = torch.exp(low + torch.rand(module.inner) * (high - low)).clamp(min=1e-4)
                module.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))


def train_torch(args, kind, classes, train, validation, seed):
    # torch_models.build seeds with 1 for compare.py; here the seed must vary the initialisation.
    torch.manual_seed(seed)
    x_train, y_train = train
    model = torch_models.BUILDERS[kind](x_train.shape[1], x_train.shape[2], classes)
    if args.init == "tinyloc-weights":
        tinyloc_start.LOADERS[kind](model, seed, x_train.shape[1], x_train.shape[2], classes)
    elif args.init == "tinyloc":
        tinyloc_initialisation(model)
    dtype = torch.float64 if args.double else torch.float32
    model.to(dtype)
    if args.weight_decay > 0:
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, eps=args.epsilon,
                                      weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, eps=args.epsilon)
    weights = torch.from_numpy(class_weights(y_train, classes)).to(dtype) if args.balance_classes else None
    loss_function = nn.CrossEntropyLoss(weight=weights)
    order_rng = torch.Generator().manual_seed(seed)
    xs, ys = torch.from_numpy(x_train).to(dtype), torch.from_numpy(y_train)
    best_f1, best_epoch, best_state, epochs = -1.0, 0, copy.deepcopy(model.state_dict()), 0
    once = torch.randperm(len(ys), generator=order_rng)
    for epoch in range(1, args.epochs + 1):
        model.train()
        if getattr(model, "dropout_masks", None) is not None:
            model.dropout_masks.reseed(epoch)
        if args.order == "tinyloc":
            order = tinyloc_start.epoch_order(seed, epoch, len(ys))
        else:
            order = torch.randperm(len(ys), generator=order_rng) if args.order == "per-epoch" else once
        loss_sum = 0.0
        for start in range(0, len(ys), args.batch_size):
            batch = order[start:start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(xs[batch]), ys[batch])
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
        epochs = epoch
        f1 = macro_f1(predict(model, validation[0]), validation[1], classes)
        if args.verbose:
            # The same line as `tinyloc cv --verbose`, to set the two learning curves side by side.
            print(f"    epoch {epoch:3d}  loss {loss_sum / len(ys):.3f}  val F1 {f1:.3f}", flush=True)
        if f1 > best_f1:
            best_f1, best_epoch, best_state = f1, epoch, copy.deepcopy(model.state_dict())
        if epoch - best_epoch >= args.patience:
            break
    if args.keep == "best":
        model.load_state_dict(best_state)
    return model, epochs, best_epoch, best_f1


def tinyloc_command(args, seeds, json_path):
    command = [args.binary, "cv", "--data", args.data, "--model", args.model,
               "--seeds", ",".join(map(str, seeds)), "--epochs", str(args.epochs),
               "--patience", str(args.patience), "--learning-rate", str(args.learning_rate),
               "--batch-size", str(args.batch_size), "--weight-decay", str(args.weight_decay),
               "--balance-classes" if args.balance_classes else "--no-balance-classes", "--keep-weights", args.keep,
               "--json", json_path]
    if args.hold_out:
        command += ["--hold-out", args.hold_out]
    return command + args.tinyloc_arg


def spread(values):
    return max(values) - min(values) if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/tinyloc")
    parser.add_argument("--data", default="../shared/data/sphere")
    parser.add_argument("--model", default="mlp", choices=sorted(torch_models.BUILDERS))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--hold-out", help="test only these recordings (names, comma-separated); default: all")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--epsilon", type=float, default=1e-8, help="PyTorch side's Adam ε (tinyloc's is 1e-8)")
    parser.add_argument("--balance-classes", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--order", choices=["per-epoch", "once", "tinyloc"], default="per-epoch",
                        help="PyTorch side only, to measure a cause: shuffle every epoch (as tinyloc), once, or take "
                             "tinyloc's own order for the fold's seed (every family; tinyloc_start.py)")
    parser.add_argument("--init", choices=["tinyloc", "pytorch", "tinyloc-weights"], default="tinyloc",
                        help="PyTorch side only: draw the initial weights as tinyloc does (default), keep PyTorch's "
                             "defaults where they differ (attention, Mamba's dt_proj bias), or start from tinyloc's own "
                             "initial weights for the fold's seed (every family; tinyloc_start.py)")
    parser.add_argument("--same-start", action="store_true",
                        help="short for --init tinyloc-weights --order tinyloc: the twin starts where tinyloc starts and "
                             "sees the same batches, so the two sides differ only in arithmetic")
    parser.add_argument("--double", action="store_true",
                        help="PyTorch side only: train in float64 (from the same float32 start), to see how far rounding "
                             "alone moves a run")
    parser.add_argument("--verbose", action="store_true", help="print the twin's training loss and validation F1 every epoch")
    parser.add_argument("--keep", choices=["best", "last"], default="best",
                        help="test the best-on-validation epoch's weights or the last epoch's (tinyloc: --keep-weights)")
    parser.add_argument("--side", choices=["both", "tinyloc", "torch"], default="both")
    parser.add_argument("--tinyloc-arg", action="append", default=[], help="one more argument for `tinyloc cv` (repeatable)")
    parser.add_argument("--workdir", default="/tmp/tinyloc-parity")
    parser.add_argument("--json", help="write every fold of both sides here")
    args = parser.parse_args()
    if args.same_start:
        args.init, args.order = "tinyloc-weights", "tinyloc"
    if (args.init == "tinyloc-weights" or args.order == "tinyloc") and args.model not in tinyloc_start.LOADERS:
        parser.error(f"tinyloc's own initial weights and order are drawn here only for {', '.join(sorted(tinyloc_start.LOADERS))}")
    seeds = [int(s) for s in args.seeds.split(",")]
    os.makedirs(args.workdir, exist_ok=True)
    torch.set_num_threads(1)

    windows_path = os.path.join(args.workdir, "windows.csv")
    subprocess.run([args.binary, "windows", "--data", args.data, "--out", windows_path], check=True, stdout=subprocess.DEVNULL)
    description, recordings, labels, x = load_windows(windows_path)
    classes = len(description["rooms"])
    folds = description["folds"]
    if args.hold_out:
        wanted = args.hold_out.split(",")
        folds = [f for f in folds if f["test"] in wanted]

    # tinyloc runs in its own process on one thread while the twin trains here on the other core.
    tinyloc_json = os.path.join(args.workdir, f"tinyloc-{args.model}.json")
    tinyloc_process = None
    if args.side != "torch":
        command = tinyloc_command(args, seeds, tinyloc_json)
        print("tinyloc:", " ".join(command), flush=True)
        tinyloc_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=dict(os.environ, TINYLOC_THREADS="1"))

    results = {}  # (side, seed, test) -> dict
    if args.side != "tinyloc":
        for seed in seeds:
            for fold in folds:
                pick = lambda names: np.isin(recordings, names)
                train = (x[pick(fold["train"])], labels[pick(fold["train"])])
                validation = (x[pick([fold["validation"]])], labels[pick([fold["validation"]])])
                test = (x[pick([fold["test"]])], labels[pick([fold["test"]])])
                # tinyloc zeroes the input weights of a feature no training window has (a receiver
                # never heard in training); zeroing that feature wherever the twin meets it is the same.
                silent = ~(train[0] != 0).any(axis=(0, 1))
                validation = (np.where(silent, np.float32(0), validation[0]), validation[1])
                test = (np.where(silent, np.float32(0), test[0]), test[1])
                started = time.time()
                model, epochs, best_epoch, best_f1 = train_torch(args, args.model, classes, train, validation, seed)
                results[("torch", seed, fold["test"])] = dict(
                    macroF1=macro_f1(predict(model, test[0]), test[1], classes), epochs=epochs, bestEpoch=best_epoch,
                    validationMacroF1=best_f1, seconds=time.time() - started)
    if tinyloc_process is not None:
        if tinyloc_process.wait() != 0:
            sys.exit(f"tinyloc cv failed (exit {tinyloc_process.returncode})")
        with open(tinyloc_json) as f:
            report = json.load(f)
        twin = torch_models.parameter_count(torch_models.BUILDERS[args.model](x.shape[1], x.shape[2], classes))
        if report["parameters"] != twin:
            sys.exit(f"{args.model}: tinyloc has {report['parameters']} parameters, the PyTorch twin {twin}: not the same network")
        for fold in report["folds"]:
            results[("tinyloc", fold["seed"], fold["test"])] = dict(
                macroF1=fold["result"]["macroF1"], epochs=fold["epochsTrained"], bestEpoch=fold["bestEpoch"],
                validationMacroF1=fold["validationMacroF1"])

    sides = [s for s in ("tinyloc", "torch") if args.side in (s, "both")]
    print(f"\n{args.model} · epochs ≤ {args.epochs} · patience {args.patience} · batch {args.batch_size} · "
          f"lr {args.learning_rate} · weight decay {args.weight_decay} · "
          f"{'class-balanced' if args.balance_classes else 'plain'} cross-entropy · "
          f"keeps the {args.keep} epoch's weights · PyTorch: {args.init} initialisation, Adam ε {args.epsilon}, order {args.order}"
          + (", float64" if args.double else ""))
    print("test   val    seed │ " + " │ ".join(f"{s:>7} F1  epochs (best)" for s in sides))
    for seed in seeds:
        for fold in folds:
            cells = []
            for side in sides:
                r = results[(side, seed, fold["test"])]
                cells.append(f"{r['macroF1']:10.3f}  {r['epochs']:6d} ({r['bestEpoch']:3d})")
            print(f"{fold['test']}  {fold['validation']}  {seed:3d} │ " + " │ ".join(cells))
    summary = {}
    for side in sides:
        per_seed = [statistics.mean(results[(side, s, f["test"])]["macroF1"] for f in folds) for s in seeds]
        summary[side] = dict(perSeed=per_seed, mean=statistics.mean(per_seed), spread=spread(per_seed))
        print(f"{side:>7}: per seed " + ", ".join(f"{m:.3f}" for m in per_seed)
              + f" → mean {summary[side]['mean']:.3f}, seed spread {summary[side]['spread']:.3f}")
    if len(sides) == 2:
        # Paired by fold and seed: the folds differ far more than the sides, so compare within a fold.
        differences = [results[("tinyloc", s, f["test"])]["macroF1"] - results[("torch", s, f["test"])]["macroF1"]
                       for s in seeds for f in folds]
        error = statistics.stdev(differences) / math.sqrt(len(differences)) if len(differences) > 1 else 0.0
        summary["difference"] = dict(mean=statistics.mean(differences), standardError=error)
        print(f"tinyloc − PyTorch over the {len(differences)} fold × seed pairs: {100 * statistics.mean(differences):+.1f} points "
              f"(standard error {100 * error:.1f})")
        if len(seeds) >= 3:
            # Is tinyloc's larger (or smaller) seed spread more than two draws from one pool would
            # show? Pool both sides' per-seed means, split them at random into two groups of the
            # seed count, and count how often the first group's spread exceeds the second's by as
            # much as tinyloc's exceeds the twin's.
            pooled = np.array(summary["tinyloc"]["perSeed"] + summary["torch"]["perSeed"])
            observed = summary["tinyloc"]["spread"] - summary["torch"]["spread"]
            draws = np.random.default_rng(0)
            as_large = 0
            for _ in range(20_000):
                shuffled = draws.permutation(pooled)
                as_large += spread(list(shuffled[:len(seeds)])) - spread(list(shuffled[len(seeds):])) >= observed - 1e-12
            summary["spreadTest"] = dict(difference=observed, p=as_large / 20_000)
            if observed > 0:
                print(f"tinyloc's seed spread is {observed:.3f} larger; two groups drawn from the pooled per-seed means "
                      f"differ by at least that in {100 * as_large / 20_000:.0f} % of 20,000 splits")
            else:
                print(f"tinyloc's seed spread is not the larger ({-observed:.3f} smaller)")
        if args.init == "tinyloc-weights" and args.order == "tinyloc":
            # From one start the two trainers should walk the same path; a run that parts names a
            # difference in arithmetic, or tinyloc_start.py no longer drawing as tinyloc's sources do.
            same = sum(abs(results[("tinyloc", s, f["test"])]["macroF1"] - results[("torch", s, f["test"])]["macroF1"]) < 1e-9
                       and results[("tinyloc", s, f["test"])]["bestEpoch"] == results[("torch", s, f["test"])]["bestEpoch"]
                       for s in seeds for f in folds)
            print(f"same start: {same} of {len(differences)} runs end with the same best epoch and test macro-F1 on both sides")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(dict(args=vars(args), summary=summary,
                           folds=[dict(side=k[0], seed=k[1], test=k[2], **v) for k, v in results.items()]), f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
