import ArgumentParser
import Compression
import Foundation
import Sessions

/// `tinyloc compress`: evaluate precision plans for a trained session, measure each layer's
/// sensitivity, search mixed precision under a budget. The same engine path as the workbench.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a precision plan (or search one) for a trained session: macro-F1, RAM, flash, per-layer SQNR; --qat fine-tunes under it.",
        discussion: """
            The plan is a JSON file (--plan, docs/FORMATS.md) or a preset: int8 (default), int8-16x8 (int16 activations), \
            int4-weights. The session's validation and test windows score it; the result is saved as \
            variants/<name>.json. --sensitivity measures each layer alone at each other weight precision. --auto searches \
            per-layer int4/int8 weights under --ram-kb and --flash-kb (and --max-drop points of float validation macro-F1), \
            prints the Pareto front and saves the chosen plan. --qat then fine-tunes the session's weights under the plan \
            with fake-quantized weights (checkpointed every epoch to variants/<name>.qat.ckpt, so an interrupted run \
            continues) and saves the plan on the fine-tuned weights as <name> (default: the plan's name with -qat), \
            printing macro-F1 before and after.
            """
    )

    @Option(help: "The trained session (a name under --sessions-dir, or a folder).")
    var session: String

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "A precision plan JSON file.")
    var plan: String?

    @Option(help: "A preset plan: \(PrecisionPlan.presets.keys.sorted().joined(separator: ", ")).")
    var preset: String?

    @Option(help: "Variant name (saved as variants/<name>.json; default: the preset, the plan file's name, or auto).")
    var name: String?

    @Flag(help: "Measure each layer alone at each other weight precision (validation macro-F1 drop and SQNR).")
    var sensitivity = false

    @Flag(help: "Search per-layer weight precision under --ram-kb and --flash-kb.")
    var auto = false

    @Option(help: "RAM budget in KB for --auto.")
    var ramKb: Double?

    @Option(help: "Flash budget in KB for --auto.")
    var flashKb: Double?

    @Option(help: "--auto: the largest drop of validation macro-F1 below float allowed, in points (e.g. 1.5).")
    var maxDrop: Double?

    @Flag(help: "--auto: check the RAM budget against the streaming arena (models that stream, e.g. mamba).")
    var streaming = false

    @Flag(help: "Fine-tune the weights under the plan (quantization-aware training) before saving the variant.")
    var qat = false

    @Option(help: "--qat: epochs of fine-tuning (early stopping on validation macro-F1 of the fake-quantized model).")
    var qatEpochs = 10

    @Option(help: "--qat: Adam learning rate of the fine-tune.")
    var qatLearningRate: Float = 1e-4

    @Option(help: "--qat: distil from this finished session's model while fine-tuning (a name under --sessions-dir, or a folder; trained on the same data, split and windows).")
    var distillFrom: String?

    func validate() throws {
        if distillFrom != nil && !qat { throw ValidationError("--distill-from belongs to --qat") }
        if !qat && (qatEpochs != 10 || qatLearningRate != 1e-4) { throw ValidationError("--qat-epochs and --qat-learning-rate belong to --qat") }
        guard (1...1000).contains(qatEpochs) else { throw ValidationError("--qat-epochs must be 1…1000") }
        guard qatLearningRate > 0, qatLearningRate.isFinite, qatLearningRate < 1 else {
            throw ValidationError("--qat-learning-rate must be above 0 and below 1")
        }
        if plan != nil && preset != nil { throw ValidationError("give --plan or --preset, not both") }
        if let preset, PrecisionPlan.presets[preset] == nil {
            throw ValidationError("--preset \(preset): unknown; presets are \(PrecisionPlan.presets.keys.sorted().joined(separator: ", "))")
        }
        if auto {
            guard let ramKb, let flashKb else { throw ValidationError("--auto needs --ram-kb and --flash-kb") }
            guard ramKb > 0, flashKb > 0, ramKb.isFinite, flashKb.isFinite else { throw ValidationError("--ram-kb and --flash-kb must be above 0") }
            if plan != nil || preset != nil { throw ValidationError("--auto searches its own plan: drop --plan/--preset") }
        } else if ramKb != nil || flashKb != nil || maxDrop != nil {
            throw ValidationError("--ram-kb, --flash-kb and --max-drop belong to --auto")
        }
        if let maxDrop, !(maxDrop >= 0 && maxDrop <= 100) { throw ValidationError("--max-drop is in points, 0…100") }
        if streaming && !auto { throw ValidationError("--streaming belongs to --auto") }
        if let name { try Session.validate(name: name) }
    }

    func run() throws {
        let folder = session.contains("/") ? URL(fileURLWithPath: session) : URL(fileURLWithPath: sessionsDir).appendingPathComponent(session)
        let configURL = folder.appendingPathComponent("session.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw ValidationError("no session at \(folder.path) (no session.json)")
        }
        let config: SessionConfig
        do { config = try JSONDecoder().decode(SessionConfig.self, from: data) } catch {
            throw ValidationError("\(configURL.path): \(error)")
        }
        var named = config
        named.name = folder.lastPathComponent
        // The folder exists with its session.json, so this opens it (its saved config wins).
        let opened = try Session.openOrCreate(root: folder.deletingLastPathComponent(), config: named).session
        let chosenPlan = try loadPlan()
        print("session \(config.name) · \(config.model.kind.rawValue) · loading data and the best weights")
        let evaluator = try PlanEvaluator(TrainedSession.open(opened))
        print(String(format: "float: validation macro-F1 %.3f · test %.3f", evaluator.floatValidation, evaluator.floatTest))
        var sensitivities: [LayerSensitivity]?
        if sensitivity || auto {
            let rows = try evaluator.sensitivity()
            sensitivities = rows
            if sensitivity {
                print("sensitivity (one layer changed, the rest int8; validation):")
                print("  layer                  weights             val F1  vs int8  output SQNR  flash")
                for row in rows {
                    print("  " + row.layer.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                          + "\(row.weights.rawValue) \(row.granularity.rawValue)".padding(toLength: 19, withPad: " ", startingAt: 0)
                          + String(format: " %.3f  %+6.1f   %@   %@", row.validationMacroF1, -row.drop * 100,
                                   (row.outputSQNR.map { String(format: "%6.1f dB", $0) } ?? "exact").padding(toLength: 10, withPad: " ", startingAt: 0),
                                   formatBytes(row.flashBytes)))
                }
                try opened.saveJSON(rows, to: opened.variantsFolder.appendingPathComponent("sensitivity.json"))
                print("saved \(opened.variantsFolder.appendingPathComponent("sensitivity.json").path)")
            }
        }
        var evaluated = chosenPlan
        var variantName = name ?? preset ?? plan.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "int8"
        if auto, let ramKb, let flashKb {
            let (front, chosen) = try evaluator.search(ramBudget: Int(ramKb * 1024), flashBudget: Int(flashKb * 1024),
                                                       maxDrop: maxDrop.map { $0 / 100 }, streamingRAM: streaming,
                                                       sensitivities: sensitivities)
            print("Pareto front (validation macro-F1 against flash; \(streaming ? "streaming" : "windowed") RAM beside):")
            for p in front {
                let int4 = p.plan.layers.values.filter { $0.weights == PrecisionPlan.WeightPrecision.int4 }.count
                print(String(format: "  flash %@  RAM %@  val F1 %.3f  (%d of %d layers int4)%@", formatBytes(p.flashBytes).padding(toLength: 9, withPad: " ", startingAt: 0),
                             formatBytes(p.arenaBytes).padding(toLength: 9, withPad: " ", startingAt: 0), p.validationMacroF1, int4,
                             evaluator.layers.count, p == chosen ? "  ◀ chosen" : ""))
            }
            if front.count >= 3 { print(Self.paretoPlot(front, chosen: chosen)) }
            try opened.saveJSON(front, to: opened.variantsFolder.appendingPathComponent("auto-front.json"))
            evaluated = chosen.plan
            variantName = name ?? "auto"
        }
        if qat { variantName = name ?? "\(variantName)-qat" }
        try Session.validate(name: variantName)
        let report: VariantReport
        if qat {
            let teacher = distillFrom.map { name in
                SessionConfig.TeacherReference(session: name.contains("/") ? name : URL(fileURLWithPath: sessionsDir).appendingPathComponent(name).path)
            }
            let fineTune = QuantizationAwareTraining(epochs: qatEpochs, learningRate: qatLearningRate, distillFrom: teacher)
            let resumed = FileManager.default.fileExists(atPath: QuantizationAwareTraining.checkpointURL(opened, variant: variantName).path)
            print("quantization-aware training under the plan, \(qatEpochs) epochs at learning rate \(qatLearningRate)"
                  + (teacher.map { ", distilling from \($0.session)" } ?? "")
                  + (resumed ? " (continuing from \(QuantizationAwareTraining.checkpointURL(opened, variant: variantName).path))" : ""))
            report = try fineTune.run(evaluator, plan: evaluated, name: variantName) { record in
                print(String(format: "  epoch %2d  train loss %.4f  validation macro-F1 %.3f (weights as the chip holds them)",
                             record.epoch, record.trainLoss, record.validationF1))
            }
            if let summary = report.qat {
                print(String(format: "before fine-tuning: validation %.3f · test %.3f; after (best epoch %d): validation %.3f · test %.3f",
                             summary.beforeValidationMacroF1, summary.beforeTestMacroF1, summary.bestEpoch, report.validation.macroF1,
                             report.test.macroF1))
                if !summary.untrainedWeights.isEmpty {
                    print("trained in float (the graph transforms them): " + summary.untrainedWeights.joined(separator: ", "))
                }
            }
        } else {
            report = try evaluator.evaluate(evaluated, name: variantName)
        }
        print(Self.table(report))
        let url = opened.variantsFolder.appendingPathComponent("\(variantName).json")
        try opened.saveJSON(report, to: url)
        print("saved \(url.path)")
    }

    private func loadPlan() throws -> PrecisionPlan {
        if let preset { return PrecisionPlan.presets[preset]! }
        return try plan.map(Self.readPlan) ?? PrecisionPlan()
    }

    /// A plan file, refused with the file and the JSON path of what is wrong.
    static func readPlan(_ file: String) throws -> PrecisionPlan {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("--plan \(file): cannot read the file") }
        do {
            return try JSONDecoder().decode(PrecisionPlan.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw ValidationError("--plan \(file): \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ValidationError("--plan \(file): \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ValidationError("--plan \(file): \(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw ValidationError("--plan \(file): \(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "the file" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The front as a text scatter, validation macro-F1 up, flash across; ◆ the chosen plan.
    static func paretoPlot(_ front: [PlanPoint], chosen: PlanPoint) -> String {
        let others = front.filter { $0 != chosen }.map { (bytes: $0.flashBytes, score: $0.validationMacroF1, mark: Character("•")) }
        return textScatter(others + [(chosen.flashBytes, chosen.validationMacroF1, "◆")], logarithmic: false, width: 48, height: 10,
                           caption: "validation macro-F1 against flash (◆ chosen)")
    }

    static func table(_ report: VariantReport) -> String {
        var lines = [String(format: "variant %@ · validation macro-F1 %.3f (float %.3f, %+.1f points) · test %.3f (float %.3f, %+.1f points)",
                            report.name, report.validation.macroF1, report.floatValidationMacroF1,
                            (report.validation.macroF1 - report.floatValidationMacroF1) * 100, report.test.macroF1, report.floatTestMacroF1,
                            (report.test.macroF1 - report.floatTestMacroF1) * 100)]
        lines.append("RAM arena \(formatBytes(report.arenaBytes))" + (report.streamingArenaBytes.map { " (streaming \(formatBytes($0)))" } ?? "")
                     + " · flash \(formatBytes(report.flashBytes)) · float islands: "
                     + (report.floatIslands.isEmpty ? "none" : report.floatIslands.joined(separator: ", ")))
        lines.append("  op                     type                     weights            output  SQNR")
        let planned = Set(report.graph.ops.filter(\.kernel.hasPlannedWeights).map(\.name))
        for layer in report.layers {
            let weights = planned.contains(layer.name) ? report.plan.weightsDescription(of: layer.name) : ""
            lines.append("  " + layer.name.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                         + layer.type.padding(toLength: 24, withPad: " ", startingAt: 0) + " "
                         + weights.padding(toLength: 18, withPad: " ", startingAt: 0) + " "
                         + "int\(layer.bits)".padding(toLength: 7, withPad: " ", startingAt: 0) + " "
                         + (layer.activationSQNR.map { String(format: "%.1f dB", $0) } ?? "exact"))
        }
        return lines.joined(separator: "\n")
    }
}
