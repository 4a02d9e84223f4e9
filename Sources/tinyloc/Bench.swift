import ArgumentParser
import Foundation
import TinyTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (release builds only: `swift run -c release tinyloc bench …`).",
        subcommands: [GEMMBench.self]
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
            print("   M      K      N   op        " + counts.map { String(format: "%9@", "\($0) thr") }.joined())
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
                print(String(format: "%5d %6d %6d   %-8@", shape.m, shape.k, shape.n, op) + cells)
            }
        }
        if !json { print("GFLOP/s = 2·M·N·K / time, median of \(repeats) repeats") }
    }
}
