import ArgumentParser
import Compression
import Deploy
import Foundation
import Localisation
import Models
import Sessions

/// `tinyloc export`: a finished session's integer model as plain C99 for a microcontroller, or as a
/// .tflite flatbuffer for TensorFlow Lite Micro.
struct Export: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case c, tflite
    }

    static let configuration = CommandConfiguration(
        abstract: "Write a session's integer model as plain C99 (model.h, model.c, README.md) or as model.tflite for TensorFlow Lite Micro.",
        discussion: """
            Reads sessions/<name>/variants/<variant>.json (written by a finished `tinyloc run`, or by `tinyloc compress` for \
            another precision plan), with its streaming graph for Mamba. model.c has the weights and kernel parameters as const data, one static \
            arena of exactly the planned size with every tensor at its planned offset, no malloc and no float except \
            tinyloc_quantize. API: tinyloc_quantize(window, codes), tinyloc_predict(codes, scores) on int8 input codes; \
            streaming models add tinyloc_reset() and tinyloc_step(step_codes, scores). The output equals tinyloc's \
            integer engine byte for byte (tested on the host for every family). \
            --format tflite writes <out>/model.tflite instead: int8 activations with zero points, per-channel int8 weights, \
            int32 biases. mlp and cnn are written kernel for kernel (TFLite Micro's outputs equal tinyloc's engine's); \
            student and student-tiny (int8 variant only) are decomposed into TFLite Micro builtins (layer norm as MEAN, \
            SUB, MUL, RSQRT; attention as BATCH_MATMUL and SOFTMAX; GELU as a GATHER table), calibrated afresh on the \
            session's training windows, with golden-inputs/scores/labels.bin of the test windows beside the file and the \
            file's test macro-F1 printed. Other kernels (the scan, the LSTM, RMS norm) are refused by name (docs/EXPORT.md).
            """
    )

    @Option(help: "Session name (a folder under --sessions-dir).")
    var session: String

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "Variant of the session to export (a file variants/<variant>.json).")
    var variant = "int8"

    @Option(help: "Folder to write model.h, model.c and README.md (or model.tflite) into (created if missing).")
    var out: String

    @Option(help: "c: C99 source; tflite: a TensorFlow Lite flatbuffer (mlp, cnn, student, student-tiny).")
    var format: Format = .c

    @Option(help: ArgumentHelp(
        "Also export the temporal decoder, e.g. lag=10 or lag=10+plan (a fixed lag; options as for run --decode).",
        discussion: "Adds tinyloc_decode_reset/step/flush to model.c: fixed-lag Viterbi in integers on tinyloc_predict's scores, with the transitions counted on the session's training recordings; its RAM and tables are in the README's figures."))
    var decode: String?

    func validate() throws {
        try Session.validate(name: session)
        guard !variant.isEmpty, variant.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--variant must be letters, digits, - or _")
        }
        // TFLite has no decoder op: the decoder ships only in the C export.
        if format == .tflite && decode != nil { throw ValidationError("--decode exports the decoder as C: drop it with --format tflite") }
    }

    func run() throws {
        let (windowed, streaming) = try Self.loadVariant(sessionsDir: sessionsDir, session: session, variant: variant)
        if format == .tflite { return try writeTFLite(windowed) }
        let decoder = try decode.map { text -> ChipDecoder in
            let spec: DecoderSpec
            do { spec = try DecoderSpec(parsing: text) } catch { throw ValidationError("\(error)") }
            let config = try Session.readConfig(URL(fileURLWithPath: sessionsDir).appendingPathComponent(session).appendingPathComponent("session.json"))
            return try DecodingStage.chipDecoder(spec, session: config, scoreScale: windowed.output.quantization.scale)
        }
        let export = try CExporter(windowed: windowed, streaming: streaming, decoder: decoder).export()
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in [("model.h", export.header), ("model.c", export.source), ("README.md", export.readme)] {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        print("exported \(windowed.name) (session \(session), \(variant)) to \(folder.path): model.h, model.c, README.md")
        print("  arena \(export.arenaBytes) B · const data \(export.constBytes) B · \(export.macs) MACs per window")
        if let stream = export.streamArenaBytes, let macs = export.streamMACs {
            print("  streaming: arena \(stream) B (state included) · \(macs) MACs per step")
        }
        if let decoder {
            print("  decoder \(decoder.name): \(decoder.ramBytes) B of RAM beside the arena · \(decoder.flashBytes) B of tables (in the const data)")
        }
    }

    private func writeTFLite(_ graph: IntegerGraph) throws {
        let bytes: [UInt8]
        do {
            bytes = try TFLiteWriter(graph: graph).write()
        } catch TFLiteExportError.unsupportedKernels where TFLiteDecomposition.covers(graph) {
            return try writeDecomposedTFLite(graph)
        }
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("model.tflite")
        try AtomicFile.write(Data(bytes), to: file)
        let arena = try RAMReport(integer: graph).arenaBytes
        print("exported \(graph.name) (session \(session), \(variant)) to \(file.path): \(bytes.count) B")
        print("  input int8 [\(graph.input.rows)×\(graph.input.columns)] scale \(graph.input.quantization.scale) zero point \(graph.input.quantization.zeroPoint)"
              + " · tinyloc's planned arena for the same graph \(arena) B")
    }

    /// The student transformers: TFLite Micro has no layer norm, attention or GELU kernel, so the
    /// float model is decomposed into builtins (`TFLiteDecomposition`) and calibrated afresh in
    /// TFLite's int8 scheme on the session's training windows. Beside model.tflite go golden
    /// vectors: the test windows' int8 codes, tinyloc's prediction of TFLM's scores and the labels.
    private func writeDecomposedTFLite(_ graph: IntegerGraph) throws {
        guard variant == "int8" else {
            throw ValidationError("\(graph.name) goes to .tflite decomposed into TFLite Micro builtins and calibrated in TFLite's own int8 scheme "
                                  + "from the float model, so only --variant int8 (the default) exports as tflite; --variant \(variant) exports as C")
        }
        let root = URL(fileURLWithPath: sessionsDir)
        var config = try Session.readConfig(root.appendingPathComponent(session).appendingPathComponent("session.json"))
        config.name = session
        print("\(graph.name): TFLite Micro has no layer norm, attention or GELU kernel; decomposing the float model into builtins "
              + "(loading data and the best weights)")
        let trained = try TrainedSession.open(try Session.openOrCreate(root: root, config: config).session)
        guard let float = trained.model.lowered(.windowed) else { throw ValidationError("\(graph.name) has no graph lowering") }
        let calibration = trained.windows.train.evenlySpaced(IntegerModel.calibrationWindows)
        let program = try TFLiteDecomposition.program(float).quantized(calibration: calibration)
        let bytes = try TFLiteProgramWriter(program: program).write()
        let reference = TFLiteReference(program)
        let test = trained.windows.test, size = test.length * test.features
        let golden = reference.golden(windows: test.x, windowSize: size)
        let tfliteF1 = ClassificationMetrics(predictions: golden.predictions, labels: test.labels, roomCount: trained.rooms.count).macroF1
        let engineF1 = try Self.loadReport(sessionsDir: sessionsDir, session: session, variant: variant).test.macroF1
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("model.tflite")
        try AtomicFile.write(Data(bytes), to: file)
        try AtomicFile.write(Data(golden.inputs.map { UInt8(bitPattern: $0) }), to: folder.appendingPathComponent("golden-inputs.bin"))
        try AtomicFile.write(Data(golden.scores.map { UInt8(bitPattern: $0) }), to: folder.appendingPathComponent("golden-scores.bin"))
        try AtomicFile.write(Data(test.labels.map { UInt8($0) }), to: folder.appendingPathComponent("golden-labels.bin"))
        let arena = try RAMReport(integer: graph).arenaBytes
        let input = reference.inputQuantization
        print("exported \(graph.name) (session \(session)) to \(file.path): \(bytes.count) B, "
              + "\(program.steps.reduce(0) { $0 + $1.operatorCount }) operators (\(Set(program.steps.map(\.builtin)).sorted().joined(separator: ", ")))")
        print("  input int8 [\(test.length)×\(test.features)] scale \(input.scale) zero point \(input.zeroPoint) · calibrated on \(calibration.count) training windows")
        print(String(format: "  test macro-F1 on %d windows: .tflite (tinyloc's prediction of TFLM) %.3f · tinyloc's int8 engine %.3f", test.count, tfliteF1, engineF1))
        print("  golden vectors: golden-inputs.bin (\(size) int8 codes per window), golden-scores.bin (\(reference.outputQuantization.scale) per code, "
              + "zero point \(reference.outputQuantization.zeroPoint)), golden-labels.bin (room index per window; rooms \(trained.rooms.joined(separator: ", ")))")
        print("  tinyloc's planned arena for its own C export of this session: \(arena) B")
    }

    /// The windowed integer graph of a session's variant and, when saved, its streaming graph.
    static func loadVariant(sessionsDir: String, session: String, variant: String) throws -> (IntegerGraph, IntegerGraph?) {
        let variants = URL(fileURLWithPath: sessionsDir).appendingPathComponent(session).appendingPathComponent("variants")
        let file = variants.appendingPathComponent("\(variant).json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw SessionError.mismatch("session \(session) has no variant \(variant) (\(file.path)): finish `tinyloc run --session \(session)` "
                                        + "or save one with `tinyloc compress` first (a teacher with a CRF has no integer model to export)")
        }
        let report = try loadReport(sessionsDir: sessionsDir, session: session, variant: variant)
        if !report.graph.floatIslands.isEmpty {
            throw SessionError.mismatch("variant \(variant) keeps \(report.graph.floatIslands.joined(separator: ", ")) in float (a float island); "
                                        + "the C export writes integer kernels only")
        }
        return (report.graph, report.streamingGraph)
    }

    static func loadReport(sessionsDir: String, session: String, variant: String) throws -> VariantReport {
        let file = URL(fileURLWithPath: sessionsDir).appendingPathComponent(session).appendingPathComponent("variants").appendingPathComponent("\(variant).json")
        do {
            return try JSONDecoder().decode(VariantReport.self, from: Data(contentsOf: file))
        } catch {
            throw SessionError.corrupt(path: file.path, reason: "not a variant written by `tinyloc run` or `tinyloc compress`: \(error)")
        }
    }
}
