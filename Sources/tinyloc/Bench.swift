import ArgumentParser
import Compression
import Dispatch
import Foundation
import Graph
import Localisation
import Models
import Sessions
import TinyTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (release builds only: `swift run -c release tinyloc bench …`).",
        subcommands: [GEMMBench.self, TrainBench.self, InferBench.self, ConvertBench.self]
    )
}

struct GEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of the blocked GEMM on the training shapes (median of repeats), 1 thread and all cores."
    )

    @Option(help: "Timed repeats per shape (the median is reported).")
    var repeats = 15

    @Option(help: "Thread counts to measure, comma-separated. Default: 1 and all cores.")
    var threads: String?

    @Option(help: "Which shapes: training (the small models' layers, compared with numpy by bench/compare.py) or teacher (the teacher's GRN and convolution products).")
    var shapes = "training"

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func run() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        let shapeList: [GEMMShape]
        switch shapes {
        case "training": shapeList = GEMMShape.training
        case "teacher": shapeList = GEMMShape.teacher
        default: throw ValidationError("--shapes is training or teacher, got '\(shapes)'")
        }
        let counts: [Int]
        if let threads {
            let parsed = threads.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.allSatisfy({ ($0 ?? 0) > 0 }), !parsed.isEmpty else {
                throw ValidationError("--threads takes positive integers separated by commas, got '\(threads)'")
            }
            counts = parsed.map { $0! }
        } else {
            counts = Array(Set([1, Parallelism.threads])).sorted()
        }
        #if DEBUG
        FileHandle.standardError.write(Data("warning: this is a debug build; timings are meaningless. Use `swift run -c release tinyloc bench gemm`.\n".utf8))
        #endif
        if !json { print("kernel: \(GEMMBackend.active)") }
        if !json {
            let columns = counts.map { count -> String in
                let label = "\(count) thr"
                return String(repeating: " ", count: max(0, 9 - label.count)) + label
            }
            print("    M      K      N   op      " + columns.joined())
        }
        let results = counts.map { benchmarkGEMM(shapes: shapeList, repeats: repeats, threads: $0) }
        for (row, shape) in shapeList.enumerated() {
            let op = (shape.transposeA ? "Aᵀ" : "A") + "·" + (shape.transposeB ? "Bᵀ" : "B")
            if json {
                for (column, count) in counts.enumerated() {
                    print(String(format: "{\"m\":%d,\"k\":%d,\"n\":%d,\"op\":\"%@\",\"threads\":%d,\"gflops\":%.2f}",
                                 shape.m, shape.k, shape.n, op, count, results[column][row].gflops))
                }
            } else {
                let cells = counts.indices.map { String(format: "%9.1f", results[$0][row].gflops) }.joined()
                print(String(format: "%5d %6d %6d   ", shape.m, shape.k, shape.n) + op.padding(toLength: 6, withPad: " ", startingAt: 0) + cells)
            }
        }
        if !json { print("GFLOP/s = 2·M·N·K / time, median of \(repeats) repeats") }
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput (samples/s, ms per step) at batch 64, T 20, F 11, 9 rooms: forward, backward and Adam."
    )

    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "mlp"

    @Option(help: "Batch size.")
    var batch = 64

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Timed repeats of 20 steps (the median is reported).")
    var repeats = 7

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() throws {
        let kind = try parseModelKind(model)
        guard batch > 0, repeats > 0, (threads ?? 1) > 0 else { throw ValidationError("--batch, --repeats and --threads must be positive") }
        #if DEBUG
        FileHandle.standardError.write(Data("warning: this is a debug build; timings are meaningless. Use `swift run -c release tinyloc bench train`.\n".utf8))
        #endif
        let result = benchmarkTraining(ModelConfig(kind: kind), shape: ModelShape(steps: 20, features: 11, classes: 9),
                                       batchSize: batch, repeats: repeats, threads: threads ?? Parallelism.threads)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "%@: %d parameters · batch %d · %d thread(s) · %.3f ms/step · %.0f samples/s (median of %d)",
                         result.model, result.parameters, result.batchSize, result.threads, result.millisecondsPerStep,
                         result.samplesPerSecond, repeats))
        }
    }
}

struct InferBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Single-window inference latency (batch 1, T 20, F 11, 9 rooms): float forward, or the integer engine.",
        discussion: """
        The float path times `forward` of an untrained model on one random window (the weights do not change the \
        work). --int8 times the integer engine (Compression's IntegerInterpreter) on the model's integer graph, \
        calibrated on 64 random windows, including quantizing the float input; every family with a graph lowering \
        (all but the teachers).
        """
    )

    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "mlp"

    @Flag(help: "Time the integer engine (every family but the teachers).")
    var int8 = false

    @Option(help: "Worker threads (default 1: one window is far too small to split).")
    var threads = 1

    @Option(help: "Timed repeats (the median is reported).")
    var repeats = 15

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() throws {
        let kind = try parseModelKind(model)
        guard repeats > 0, threads > 0 else { throw ValidationError("--repeats and --threads must be positive") }
        #if DEBUG
        FileHandle.standardError.write(Data("warning: this is a debug build; timings are meaningless. Use `swift build -c release`.\n".utf8))
        #endif
        Parallelism.threads = threads
        let shape = ModelShape(steps: 20, features: 11, classes: 9)
        let net = ModelConfig(kind: kind).build(shape: shape, seed: 1)
        var rng = SeededRNG(seed: 3)
        let window = Tensor([1, shape.steps, shape.features])
        for i in 0..<window.count { window[i] = rng.uniform() }
        let call: () -> Float
        if int8 {
            guard let graph = net.lowered(.windowed) else { throw ValidationError("--int8: \(kind.rawValue) has no graph lowering yet") }
            let calibration = (0..<64).map { _ in (0..<window.count).map { _ in rng.uniform() } }
            let engine = IntegerInterpreter(try GraphQuantizer(calibration: Calibration(graph: graph, windows: calibration)).quantize(graph))
            let input = window.array
            call = { Float(engine.run(engine.quantizeInput(input))[0]) }
        } else {
            call = { net.forward(window, rows: 1, training: false)[0] }
        }
        var sink: Float = 0
        for _ in 0..<20 { sink += call() }
        let warmStart = DispatchTime.now().uptimeNanoseconds
        sink += call()
        let one = Double(DispatchTime.now().uptimeNanoseconds - warmStart) * 1e-9
        let calls = max(1, min(100_000, Int(5e-3 / max(one, 1e-9))))
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { sink += call() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-3 / Double(calls))
        }
        times.sort()
        let median = times[times.count / 2]
        let precision = int8 ? "int8" : "float32"
        // Using the summed logits keeps the timed calls from being optimised away.
        if !sink.isFinite { FileHandle.standardError.write(Data("warning: non-finite logits\n".utf8)) }
        if json {
            print(String(format: "{\"model\":\"%@\",\"precision\":\"%@\",\"parameters\":%d,\"threads\":%d,\"microsecondsPerWindow\":%.3f,\"calls\":%d}",
                         kind.rawValue, precision, net.parameterCount, threads, median, calls))
        } else {
            print(String(format: "%@ %@: %.2f µs per window (batch 1, %d thread(s), median of %d repeats of %d calls)",
                         kind.rawValue, precision, median, threads, repeats, calls))
        }
    }
}

struct ConvertBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Conversion to integers and integer evaluation of every window of a data set (lower, calibrate, quantize, predict).",
        discussion: """
            Times the path a finished run takes after training, on every window of every recording: lowering the model \
            to its graph, calibration on 256 windows, quantization, and predicting every window with the integer engine \
            (windows split over the cores). The model is untrained (seeded): weights do not change the work.
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "student"

    @Option(help: "Timed repeats (the median is reported).")
    var repeats = 3

    func run() throws {
        let kind = try parseModelKind(model)
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        #if DEBUG
        FileHandle.standardError.write(Data("warning: this is a debug build; timings are meaningless. Use `swift build -c release`.\n".utf8))
        #endif
        let source = try dataOptions.realSource() ?? SessionConfig.DataSource()
        let (dataset, _) = try source.load(seed: 1)
        let windows = makeWindows(dataset: dataset, recordings: Array(dataset.recordings.indices))
        let shape = ModelShape(steps: windows.length, features: windows.features, classes: dataset.rooms.count)
        let net = ModelConfig(kind: kind).build(shape: shape, seed: 1)
        guard net.lowered(.windowed) != nil else { throw ValidationError("\(kind.rawValue) has no graph lowering yet") }
        var convert: [Double] = [], evaluate: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let integer = try IntegerModel(net, calibrationSet: windows)!
            let converted = DispatchTime.now().uptimeNanoseconds
            let predictions = integer.predict(windows)
            let done = DispatchTime.now().uptimeNanoseconds
            precondition(predictions.count == windows.count)
            convert.append(Double(converted - start) * 1e-9)
            evaluate.append(Double(done - converted) * 1e-9)
        }
        let median = { (xs: [Double]) in xs.sorted()[xs.count / 2] }
        print(String(format: "%@ on %@ (%d windows): convert %.3f s + integer evaluation %.3f s = %.3f s (%.0f windows/s; median of %d)",
                     kind.rawValue, dataset.name, windows.count, median(convert), median(evaluate), median(convert) + median(evaluate),
                     Double(windows.count) / median(evaluate), repeats))
    }
}
