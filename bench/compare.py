#!/usr/bin/env python3
"""tinyloc against PyTorch (training, inference) and numpy (GEMM) on this machine, in one run.

    bench/.venv/bin/python bench/compare.py [--binary .build/release/tinyloc] [--threads 1,2]
        [--models mlp,student,...] [--rounds 5] [--skip-gemm] [--skip-infer] [--json out.json]

Training: batch 64, T 20, F 11, 9 classes; one step = forward + cross-entropy + backward + Adam
(lr 1e-3), as `tinyloc bench train`. The two sides are interleaved: each of `--rounds` rounds runs
one tinyloc process (`bench train --json --repeats 3`, TINYLOC_THREADS and --threads = N; its
median of 3 timed repeats of 20 steps after 5 warm-up steps) and then one timed PyTorch repeat of
20 steps (torch.set_num_threads(N), model warmed up once before the first round). Reported:
the median over the rounds of samples/second on each side and their ratio tinyloc / PyTorch.

GEMM: `tinyloc bench gemm --json` against numpy's matmul (OpenBLAS) on the same shapes, 2·M·N·K
per call, each repeat about 2 ms of back-to-back calls, median; numpy runs in a subprocess with
OPENBLAS_NUM_THREADS = N and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment.

Inference: batch-1 latency of one window, 1 thread: tinyloc float (`bench infer --json`), tinyloc
int8 (`bench infer --int8`, mlp only), PyTorch float in eval mode under torch.inference_mode().
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torch_models  # noqa: E402

STEPS, FEATURES, CLASSES, BATCH = 20, 11, 9, 64
STEPS_PER_REPEAT = 20
ALL_MODELS = ["mlp", "student", "student-tiny", "teacher", "mamba", "mamba-wide"]


SETTLE_SECONDS = 0.5


def tinyloc(binary, args, threads):
    env = dict(os.environ, TINYLOC_THREADS=str(threads))
    out = subprocess.run([binary, *args], env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# --------------------------------------------------------------------------------- training
class TorchTrainer:
    def __init__(self, kind):
        self.model = torch_models.build(kind, STEPS, FEATURES, CLASSES)
        self.model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(2)
        self.x = torch.rand(BATCH, STEPS, FEATURES, generator=generator)
        self.y = torch.randint(0, CLASSES, (BATCH,), generator=generator)

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()

    def repeat(self, threads):
        torch.set_num_threads(threads)
        start = time.perf_counter()
        for _ in range(STEPS_PER_REPEAT):
            self.step()
        seconds = (time.perf_counter() - start) / STEPS_PER_REPEAT
        return BATCH / seconds


def compare_training(binary, models, thread_counts, rounds):
    rows = []
    for kind in models:
        trainer = TorchTrainer(kind)
        torch_params = torch_models.parameter_count(trainer.model)
        for threads in thread_counts:
            torch.set_num_threads(threads)
            for _ in range(5):
                trainer.step()  # warm-up
            ours, theirs, tinyloc_params = [], [], None
            for _ in range(rounds):
                # PyTorch's OpenMP threads spin for a while after its last step (KMP_BLOCKTIME,
                # ≈ 200 ms); started at once, a 2-thread tinyloc run shared a core with them and
                # measured up to 20 % slow. Both sides start on a settled machine.
                time.sleep(SETTLE_SECONDS)
                result = tinyloc(binary, ["bench", "train", "--json", "--model", kind, "--threads", str(threads),
                                          "--repeats", "3"], threads)[0]
                tinyloc_params = result["parameters"]
                ours.append(result["samplesPerSecond"])
                time.sleep(SETTLE_SECONDS)
                theirs.append(trainer.repeat(threads))
            if tinyloc_params != torch_params:
                raise SystemExit(f"{kind}: tinyloc has {tinyloc_params} parameters, the PyTorch model {torch_params}")
            row = dict(model=kind, threads=threads, parameters=torch_params,
                       tinyloc=statistics.median(ours), pytorch=statistics.median(theirs),
                       tinyloc_all=ours, pytorch_all=theirs)
            row["ratio"] = row["tinyloc"] / row["pytorch"]
            rows.append(row)
            print(f"  {kind:<13} {threads} thr  params {torch_params:>7}  tinyloc {row['tinyloc']:>9.0f}  "
                  f"pytorch {row['pytorch']:>9.0f} samples/s  ratio {row['ratio']:5.2f}", flush=True)
    return rows


# ------------------------------------------------------------------------------------- GEMM
NUMPY_GEMM = r"""
import json, sys, time
import numpy as np
shapes = json.loads(sys.argv[1]); repeats = int(sys.argv[2])
rng = np.random.default_rng(0x6E4D)
out = []
for s in shapes:
    m, k, n, ta, tb = s["m"], s["k"], s["n"], s["op"].startswith("Aᵀ"), s["op"].endswith("Bᵀ")
    a = (rng.random((k, m) if ta else (m, k), dtype=np.float32) * 2 - 1)
    b = (rng.random((n, k) if tb else (k, n), dtype=np.float32) * 2 - 1)
    c = np.empty((m, n), dtype=np.float32)
    opa, opb = (a.T if ta else a), (b.T if tb else b)
    call = lambda: np.matmul(opa, opb, out=c)
    call(); t0 = time.perf_counter(); call(); one = time.perf_counter() - t0
    calls = max(1, min(100000, int(2e-3 / max(one, 1e-9))))
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls): call()
        rates.append(2.0 * m * n * k * calls / (time.perf_counter() - t0) / 1e9)
    rates.sort()
    out.append(dict(s, gflops=rates[len(rates) // 2]))
print(json.dumps(out))
"""


def numpy_gemm(shapes, threads, repeats):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", NUMPY_GEMM, json.dumps(shapes), str(repeats)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def compare_gemm(binary, thread_counts, rounds):
    rows = []
    for threads in thread_counts:
        ours, theirs = {}, {}
        for _ in range(rounds):
            for r in tinyloc(binary, ["bench", "gemm", "--json", "--threads", str(threads), "--repeats", "5"], threads):
                ours.setdefault((r["m"], r["k"], r["n"], r["op"]), []).append(r["gflops"])
            shapes = [dict(m=m, k=k, n=n, op=op) for (m, k, n, op) in ours]
            for r in numpy_gemm(shapes, threads, 5):
                theirs.setdefault((r["m"], r["k"], r["n"], r["op"]), []).append(r["gflops"])
        for key in ours:
            row = dict(m=key[0], k=key[1], n=key[2], op=key[3], threads=threads,
                       tinyloc=statistics.median(ours[key]), numpy=statistics.median(theirs[key]))
            row["ratio"] = row["tinyloc"] / row["numpy"]
            rows.append(row)
            print(f"  {key[0]:>5} {key[1]:>5} {key[2]:>5} {key[3]:<5} {threads} thr  tinyloc {row['tinyloc']:6.1f}  "
                  f"numpy {row['numpy']:6.1f} GFLOP/s  ratio {row['ratio']:5.2f}", flush=True)
    return rows


# -------------------------------------------------------------------------------- inference
def torch_latency(kind, repeats=15):
    torch.set_num_threads(1)
    model = torch_models.build(kind, STEPS, FEATURES, CLASSES).eval()
    x = torch.rand(1, STEPS, FEATURES, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        for _ in range(20):
            model(x)
        t0 = time.perf_counter()
        model(x)
        one = time.perf_counter() - t0
        calls = max(1, min(100000, int(5e-3 / max(one, 1e-9))))
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(calls):
                model(x)
            times.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(times)


def compare_inference(binary, models, rounds):
    rows = []
    for kind in models:
        ours, int8, theirs = [], [], []
        for _ in range(rounds):
            ours.append(tinyloc(binary, ["bench", "infer", "--json", "--model", kind], 1)[0]["microsecondsPerWindow"])
            if kind == "mlp":
                int8.append(tinyloc(binary, ["bench", "infer", "--json", "--int8", "--model", kind], 1)[0]["microsecondsPerWindow"])
            theirs.append(torch_latency(kind))
        row = dict(model=kind, tinyloc_float=statistics.median(ours), pytorch_float=statistics.median(theirs),
                   tinyloc_int8=statistics.median(int8) if int8 else None)
        row["speedup"] = row["pytorch_float"] / row["tinyloc_float"]
        rows.append(row)
        int8_text = f"{row['tinyloc_int8']:8.1f}" if int8 else "     n/a"
        print(f"  {kind:<13} tinyloc float {row['tinyloc_float']:8.1f} µs  int8 {int8_text} µs  "
              f"pytorch float {row['pytorch_float']:8.1f} µs  (tinyloc float {row['speedup']:.1f}x faster)", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "tinyloc"))
    parser.add_argument("--models", default=",".join(ALL_MODELS))
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-gemm", action="store_true")
    parser.add_argument("--skip-infer", action="store_true")
    parser.add_argument("--json", help="also write every number to this file")
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    threads = sorted({int(t) for t in args.threads.split(",")})
    binary = os.path.abspath(args.binary)
    if not os.path.exists(binary):
        raise SystemExit(f"{binary} not found: build it with `swift build -c release`")
    torch.set_num_interop_threads(1)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; tinyloc {binary}")
    report = dict(torch=torch.__version__, load_start=os.getloadavg())
    if not args.skip_train:
        print("training samples/s, median of rounds (ratio = tinyloc / PyTorch):")
        report["training"] = compare_training(binary, models, threads, args.rounds)
    if not args.skip_gemm:
        print("GEMM GFLOP/s (ratio = tinyloc / numpy):")
        report["gemm"] = compare_gemm(binary, threads, args.rounds)
    if not args.skip_infer:
        print("single-window inference latency, batch 1, 1 thread:")
        report["inference"] = compare_inference(binary, models, args.rounds)
    report["load_end"] = os.getloadavg()
    print(f"load at end {report['load_end'][0]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
