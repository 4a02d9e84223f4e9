import ArgumentParser
import Compression
import Deploy
import Foundation
import Sessions
import TinyTensor

/// `tinyloc deploy`: the exported model on a (emulated) microcontroller.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Run a session's exported C model on an emulated Cortex-M4F.",
        subcommands: [Measure.self]
    )
}

/// `tinyloc deploy measure`: cross-compile, run under QEMU, report sizes, instructions and stack,
/// and check the chip's outputs against the integer engine's.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cross-compile a session's C export for a Cortex-M4F, run it under QEMU (mps2-an386) and report text/data/bss, "
            + "instructions per inference, stack and whether the outputs equal the integer engine's.",
        discussion: """
            Needs arm-none-eabi-gcc, newlib and qemu-system-arm (Debian: \(CortexM4Measurement.packages.joined(separator: " "))); \
            without them it says so and does nothing else. Flags: \(CortexM4Measurement.compileFlags.joined(separator: " ")). \
            Instructions come from QEMU's -icount (SysTick ticks · 40 / 128); QEMU models no cycles, so the latency shown \
            assumes one instruction per cycle at 64 MHz. The input windows are seeded random values 0…1, quantized as the model's input.
            """
    )

    @Option(help: "Session name (a folder under --sessions-dir).")
    var session: String

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "Variant of the session to measure (a file variants/<variant>.json).")
    var variant = "int8"

    @Option(help: "Windows to run (1–64).")
    var windows = 4

    @Option(help: "Folder to build in (kept); default a temporary folder, removed afterwards.")
    var out: String?

    func validate() throws {
        try Session.validate(name: session)
        guard (1...64).contains(windows) else { throw ValidationError("--windows must be 1…64") }
    }

    func run() throws {
        let tools = try CortexM4Measurement.findTools()
        let (windowed, streaming) = try Export.loadVariant(sessionsDir: sessionsDir, session: session, variant: variant)
        let export = try CExporter(windowed: windowed, streaming: streaming).export()
        let engine = IntegerInterpreter(windowed)
        var rng = SeededRNG(seed: 1)
        let inputs = (0..<windows).map { _ in engine.quantizeInput((0..<windowed.input.elements).map { _ in rng.uniform() }) }
        let folder = out.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-measure-\(UUID().uuidString)")
        defer { if out == nil { try? FileManager.default.removeItem(at: folder) } }
        let result = try CortexM4Measurement(tools: tools, export: export).run(windows: inputs, in: folder)

        let expected = inputs.map { engine.run($0) }
        var matches = zip(result.predictions, expected).filter { $0.scores == $1 }.count
        var checked = expected.count
        if let streaming {
            let stream = IntegerInterpreter(streaming), step = streaming.input.elements
            for (run, codes) in zip(result.steps, inputs) {
                stream.reset()
                var last: [Int32] = []
                for t in 0..<(codes.count / step) { last = stream.run(Array(codes[(t * step)..<((t + 1) * step)])) }
                if run.scores == last { matches += 1 }
                checked += 1
            }
        }
        print("\(windowed.name) (session \(session), \(variant)) on a Cortex-M4F (QEMU mps2-an386)")
        print("  model.o   text \(result.model.text) B · data \(result.model.data) B · bss \(result.model.bss) B (arena \(export.arenaBytes) B"
              + (export.streamArenaBytes.map { " + streaming arena \($0) B" } ?? "") + ")")
        print("  program   text \(result.program.text) B · data \(result.program.data) B · bss \(result.program.bss) B (with startup and output)")
        func line(_ label: String, _ runs: [CortexM4Measurement.Run]) {
            guard let most = runs.map(\.instructions).max(), let least = runs.map(\.instructions).min() else { return }
            let stack = runs.map(\.stackBytes).max() ?? 0
            let ms = Double(most) / 64_000
            print("  \(label) \(least == most ? "\(most)" : "\(least)–\(most)") instructions (≈ \(String(format: "%.2f", ms)) ms at 64 MHz, "
                  + "one instruction per cycle) · stack \(stack) B")
        }
        line("predict  ", result.predictions)
        line("step     ", result.steps)
        print("  outputs equal the integer engine's: \(matches)/\(checked)")
        if matches != checked { throw ExitCode.failure }
    }
}
