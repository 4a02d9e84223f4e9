import ArgumentParser
import Foundation
import Models
import TinyTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (release builds only: `swift run -c release tinyloc bench …`).",
        subcommands: [GEMMBench.self, TrainBench.self]
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

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func run() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
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
        let results = counts.map { benchmarkGEMM(repeats: repeats, threads: $0) }
        for (row, shape) in GEMMShape.training.enumerated() {
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
        guard let kind = ModelKind(rawValue: model) else {
            throw ValidationError("unknown --model '\(model)'; choose one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
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
