"""tinyloc's .tflite export run by TensorFlow Lite Micro (the `tflite-micro` Python runtime).

    python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/tflite/requirements.txt

    check.py check --tflite DIR/model.tflite --c-export CDIR --windows windows.csv [--json out.json]
        Runs every window through TFLM and through the C export of the same session variant (which
        equals tinyloc's integer engine byte for byte), counts the windows whose scores differ by
        0, 1 and more LSB, and prints TFLM's smallest working arena beside tinyloc's planned arena.

    check.py golden --dir DIR [--c-export CDIR] [--json out.json]
        For a student transformer exported with `tinyloc export --format tflite --out DIR` (decomposed
        into TFLite Micro builtins): runs DIR/golden-inputs.bin (the session's test windows as int8
        codes) through TFLM, counts the windows whose scores differ from tinyloc's prediction
        (golden-scores.bin) by 0, 1 and more LSB, prints the test macro-F1 of TFLM's and tinyloc's
        predictions (golden-labels.bin), TFLM's smallest working arena and, with --c-export, the
        arena of tinyloc's own C export of the session.

    check.py fixture --models DIR --windows windows.csv --out Tests/DeployTests/Fixtures/TFLiteFixtures.swift
        For DIR/{mlp,cnn,student-tiny,student}.tflite (written by `TINYLOC_TFLITE_FIXTURE_DIR=DIR swift
        test --filter TFLiteTests`): the int8 codes of evenly spaced real windows, TFLM's scores on them
        and TFLM's arena figures, as the Swift fixture the TFLite and planner tests read.

    check.py probe MODEL ARENA [--allocations]
        One interpreter with an ARENA-byte arena and one inference (the arena search runs this in a
        child process: TFLM's Python runtime can crash, not raise, when the arena is too small).

windows.csv is `tinyloc windows --data ../shared/data/sphere --out windows.csv` (SPHERE: Twomey et
al., The SPHERE Challenge, arXiv:1603.00797). Window inputs are quantized as tinyloc quantizes them:
round(x / scale) in double, ties away from zero, plus the zero point, clamped to int8.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import tflite_micro
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

HERE = os.path.dirname(os.path.abspath(__file__))


def load_windows(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    first = header.index("label") + 1
    x = np.array([[float(v) for v in r[first:]] for r in body], dtype=np.float32)
    names = [(r[0], r[1]) for r in body]
    return x, names


def quantize(x, scale, zero_point):
    r = x.astype(np.float64) / np.float64(np.float32(scale))
    rounded = np.where(r >= 0, np.floor(r + 0.5), -np.floor(-r + 0.5))
    return np.clip(rounded + zero_point, -128, 127).astype(np.int8)


def interpreter(model, arena):
    return tflite_micro.runtime.Interpreter.from_bytes(model, arena_size=arena)


def input_quantization(model):
    details = interpreter(model, 1 << 20).get_input_details(0)
    q = details["quantization_parameters"]
    return details["shape"], float(q["scales"][0]), int(q["zero_points"][0])


def run_tflm(model, codes):
    it = interpreter(model, 1 << 20)
    shape = it.get_input_details(0)["shape"]
    out = []
    for window in codes:
        it.set_input(window.reshape(shape), 0)
        it.invoke()
        out.append(it.get_output(0).reshape(-1).copy())
    return np.array(out, dtype=np.int8)


def probe(path, arena, allocations):
    model = open(path, "rb").read()
    it = interpreter(model, arena)
    details = it.get_input_details(0)
    it.set_input(np.zeros(details["shape"], dtype=np.int8), 0)
    it.invoke()
    if allocations:
        sys.stdout.flush()
        it.print_allocations()


def probe_ok(path, arena):
    done = subprocess.run([sys.executable, __file__, "probe", path, str(arena)], capture_output=True)
    return done.returncode == 0


def smallest_arena(path):
    """Bisection on the arena size: TFLM fails below it and runs at it."""
    low, high = 0, 1 << 20
    if not probe_ok(path, high):
        raise SystemExit(f"{path}: TFLM does not run even with a {high} B arena")
    while high - low > 1:
        middle = (low + high) // 2
        if probe_ok(path, middle):
            high = middle
        else:
            low = middle
    return high


def allocations(path, arena):
    done = subprocess.run([sys.executable, __file__, "probe", path, str(arena), "--allocations"], capture_output=True, text=True)
    text = done.stdout + done.stderr
    figures = {}
    for key in ("total", "head", "tail"):
        m = re.search(rf"Arena allocation {key} (\d+) bytes", text)
        if not m:
            raise SystemExit(f"{path}: no 'Arena allocation {key}' in TFLM's print_allocations output:\n{text}")
        figures[key] = int(m.group(1))
    return figures


def misaligned(model):
    """Read back with the TFLite schema's generated Python reader (independent of tinyloc's writer):
    every buffer's data must start at a multiple of 16 (the schema's force_align), every shape,
    scale and zero-point vector at a multiple of its element size. Returns what is not."""
    buf = bytearray(model)
    root = schema.Model.GetRootAsModel(buf, 0)
    graph = root.Subgraphs(0)
    bad = []

    def vector_start(table, field):
        offset = table._tab.Offset(field)
        return table._tab.Vector(offset) if offset else None

    for i in range(root.BuffersLength()):
        start = vector_start(root.Buffers(i), 4)
        if start is not None and start % 16:
            bad.append(f"buffer {i} data at {start}")
    for t in range(graph.TensorsLength()):
        tensor = graph.Tensors(t)
        start = vector_start(tensor, 4)
        if start is not None and start % 4:
            bad.append(f"tensor {t} shape at {start}")
        q = tensor.Quantization()
        for field, size, what in ((8, 4, "scale"), (10, 8, "zero_point")):
            start = vector_start(q, field) if q else None
            if start is not None and start % size:
                bad.append(f"tensor {t} {what} at {start}")
    return bad


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def run_c_export(cdir, codes):
    """Compiles the C export with harness.c and runs it on the codes: tinyloc's engine, byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "harness")
        subprocess.run(["cc", "-std=c99", "-O2", "-I", cdir, "-o", binary, os.path.join(HERE, "harness.c"), os.path.join(cdir, "model.c")], check=True)
        arena = int(subprocess.run([binary, "arena"], check=True, capture_output=True, text=True).stdout)
        codes_path, out_path = os.path.join(tmp, "codes.bin"), os.path.join(tmp, "out.bin")
        codes.tofile(codes_path)
        subprocess.run([binary, codes_path, out_path], check=True)
        scores = np.fromfile(out_path, dtype=np.int8).reshape(len(codes), -1)
    return scores, arena


def compare(tflm, engine):
    diff = np.abs(tflm.astype(np.int32) - engine.astype(np.int32)).max(axis=1)
    return {
        "windows": int(len(diff)),
        "exact": int((diff == 0).sum()),
        "within1": int((diff <= 1).sum()),
        "worst": int(diff.max()),
        "same_room": int((tflm.argmax(axis=1) == engine.argmax(axis=1)).sum()),
    }


def check(args):
    model = open(args.tflite, "rb").read()
    x, _ = load_windows(args.windows)
    shape, scale, zero = input_quantization(model)
    codes = quantize(x, scale, zero)
    tflm = run_tflm(model, codes)
    engine, tinyloc_arena = run_c_export(args.c_export, codes)
    result = compare(tflm, engine)
    layout = misaligned(model)
    if layout:
        raise SystemExit(f"{args.tflite}: misaligned in the flatbuffer: {', '.join(layout)}")
    arena = smallest_arena(args.tflite)
    result.update({"tflm_smallest_arena": arena, "tflm": allocations(args.tflite, arena), "tinyloc_arena": tinyloc_arena,
                   "ratio": round(tinyloc_arena / arena, 3), "file_bytes": len(model)})
    print(f"{args.tflite}: {len(model)} B, input {[int(d) for d in shape]} int8 scale {scale:.6g} zero point {zero}; "
          "every vector aligned (read back with TFLite's generated schema reader)")
    print(f"  {result['windows']} SPHERE windows: scores equal in {result['exact']}, within ±1 LSB in {result['within1']}, "
          f"worst {result['worst']} LSB; same room in {result['same_room']}")
    print(f"  TFLM smallest working arena {arena} B (head {result['tflm']['head']} B, tail {result['tflm']['tail']} B); "
          f"tinyloc planned arena {tinyloc_arena} B = {result['ratio']}× TFLM")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    if result["within1"] != result["windows"]:
        raise SystemExit("TFLM and tinyloc differ by more than 1 LSB")


def macro_f1(predictions, labels):
    """Mean F1 over the rooms present in the labels (tinyloc's ClassificationMetrics)."""
    scores = []
    for room in np.unique(labels):
        tp = int(((predictions == room) & (labels == room)).sum())
        predicted, actual = int((predictions == room).sum()), int((labels == room).sum())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(scores))


def golden(args):
    path = os.path.join(args.dir, "model.tflite")
    model = open(path, "rb").read()
    layout = misaligned(model)
    if layout:
        raise SystemExit(f"{path}: misaligned in the flatbuffer: {', '.join(layout)}")
    shape, scale, zero = input_quantization(model)
    size = int(np.prod(shape))
    codes = np.fromfile(os.path.join(args.dir, "golden-inputs.bin"), dtype=np.int8).reshape(-1, size)
    labels = np.fromfile(os.path.join(args.dir, "golden-labels.bin"), dtype=np.uint8).astype(int)
    reference = np.fromfile(os.path.join(args.dir, "golden-scores.bin"), dtype=np.int8).reshape(len(codes), -1)
    tflm = run_tflm(model, codes)
    result = compare(tflm, reference)
    result.update({"tflm_macro_f1": round(macro_f1(tflm.argmax(axis=1), labels), 4),
                   "tinyloc_macro_f1": round(macro_f1(reference.argmax(axis=1), labels), 4)})
    arena = smallest_arena(path)
    result.update({"tflm_smallest_arena": arena, "tflm": allocations(path, arena), "file_bytes": len(model)})
    print(f"{path}: {len(model)} B, input {[int(d) for d in shape]} int8 scale {scale:.6g} zero point {zero}; every vector aligned")
    print(f"  {result['windows']} test windows: TFLM's scores equal tinyloc's prediction in {result['exact']}, within ±1 LSB in "
          f"{result['within1']}, worst {result['worst']} LSB; same room in {result['same_room']}")
    print(f"  test macro-F1: TFLM {result['tflm_macro_f1']:.3f}, tinyloc's reference {result['tinyloc_macro_f1']:.3f}")
    print(f"  TFLM smallest working arena {arena} B (head {result['tflm']['head']} B, tail {result['tflm']['tail']} B)")
    if args.c_export:
        _, tinyloc_arena = run_c_export(args.c_export, codes[:1])
        result.update({"tinyloc_arena": tinyloc_arena, "ratio": round(tinyloc_arena / arena, 3)})
        print(f"  tinyloc's C export arena {tinyloc_arena} B = {result['ratio']}× TFLM's")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    if result["within1"] != result["windows"]:
        raise SystemExit("TFLM and tinyloc's reference differ by more than 1 LSB")


def swift_hex(rows):
    return "[\n" + "".join(f'            "{bytes(r.astype(np.uint8)).hex()}",\n' for r in rows) + "        ]"


def swift_name(name):
    head, *rest = name.split("-")
    return head + "".join(part.capitalize() for part in rest)


def fixture(args):
    x, names = load_windows(args.windows)
    picks = np.linspace(0, len(x) - 1, args.count).round().astype(int)
    text = [
        "// Written by bench/tflite/check.py fixture from TensorFlow Lite Micro's Python runtime",
        f"// (tflite-micro {getattr(tflite_micro, '__version__', '?')}); regenerate, do not edit. Inputs: {args.count} evenly spaced real",
        "// SPHERE windows (Twomey et al., The SPHERE Challenge, arXiv:1603.00797), recording/start s:",
        "// " + ", ".join(f"{names[i][0]}/{names[i][1]}" for i in picks[:12]) + ", …",
        "",
        "/// TFLM's own results on the fixture models of `TFLiteTests.fixtureGraph` (mlp, cnn) and `fixtureProgram` (students).",
        "enum TFLiteFixtures {",
        "    struct Model {",
        "        /// Size and FNV-1a hash of the .tflite file TFLM ran.",
        "        let fileBytes: Int",
        "        let fnv1a: UInt64",
        "        /// Per window: the int8 input codes and TFLM's int8 scores, as hex.",
        "        let inputs: [String]",
        "        let scores: [String]",
        "        /// The smallest arena TFLM runs the file in (it fails to allocate below), and the",
        "        /// RecordingMicroAllocator's split of it: head (tensors, planned) and tail (persistent).",
        "        let smallestArena: Int",
        "        let head: Int",
        "        let tail: Int",
        "    }",
        "",
    ]
    for name in ("mlp", "cnn", "student-tiny", "student"):
        path = os.path.join(args.models, f"{name}.tflite")
        model = open(path, "rb").read()
        layout = misaligned(model)
        if layout:
            raise SystemExit(f"{path}: misaligned in the flatbuffer: {', '.join(layout)}")
        _, scale, zero = input_quantization(model)
        codes = quantize(x[picks], scale, zero)
        scores = run_tflm(model, codes)
        arena = smallest_arena(path)
        figures = allocations(path, arena)
        print(f"{name}: {len(model)} B, TFLM smallest arena {arena} B, head {figures['head']} B, tail {figures['tail']} B")
        text += [
            f"    static let {swift_name(name)} = Model(",
            f"        fileBytes: {len(model)}, fnv1a: 0x{fnv1a(model):016x},",
            f"        inputs: {swift_hex(codes)},",
            f"        scores: {swift_hex(scores)},",
            f"        smallestArena: {arena}, head: {figures['head']}, tail: {figures['tail']})",
            "",
        ]
    text[-1] = "}"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    temporary = args.out + ".tmp"
    with open(temporary, "w") as f:
        f.write("\n".join(text) + "\n")
    os.replace(temporary, args.out)
    print(f"wrote {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("golden")
    g.add_argument("--dir", required=True)
    g.add_argument("--c-export")
    g.add_argument("--json")
    c = commands.add_parser("check")
    c.add_argument("--tflite", required=True)
    c.add_argument("--c-export", required=True)
    c.add_argument("--windows", required=True)
    c.add_argument("--json")
    f = commands.add_parser("fixture")
    f.add_argument("--models", required=True)
    f.add_argument("--windows", required=True)
    f.add_argument("--out", required=True)
    f.add_argument("--count", type=int, default=48)
    p = commands.add_parser("probe")
    p.add_argument("model")
    p.add_argument("arena", type=int)
    p.add_argument("--allocations", action="store_true")
    args = parser.parse_args()
    if args.command == "check":
        check(args)
    elif args.command == "golden":
        golden(args)
    elif args.command == "fixture":
        fixture(args)
    else:
        probe(args.model, args.arena, args.allocations)


if __name__ == "__main__":
    main()
