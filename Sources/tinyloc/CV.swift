import ArgumentParser
import Compression
import Foundation
import Localisation
import Models
import Sessions

/// `tinyloc cv`: leave-one-recording-out cross-validation of any model kind.
struct CV: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "Leave-one-recording-out cross-validation: each recording in turn is the test set; prints per-fold and mean macro-F1 and accuracy.",
        discussion: """
            Fold rule: the held-out recording tests; the next recording in the data's order (wrapping round, \
            skipping recordings without labelled windows) validates, for early stopping; all others train. \
            With several seeds every fold is trained once per seed. Scores are float; --int8 also converts each \
            fold's trained model to integers (calibrated on its training windows) and scores that.
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Model kind: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model = "mlp"

    @Flag(help: "teacher / teacher-paper: add a linear-chain CRF, train on every step's room, classify windows by the majority of the Viterbi path.")
    var crf = false

    @Option(help: "Distil the model from a teacher of this kind, trained first on the same fold and seed (e.g. teacher).")
    var distillFrom: String?

    @Option(parsing: .unconditional, help: "With --distill-from: train this many teachers of that kind, each from its own seed, and distil from their softened outputs averaged (default 1).")
    var teachers: Int?

    @Option(parsing: .unconditional, help: "Distillation temperature T.")
    var temperature: Float = 4

    @Option(parsing: .unconditional, help: "Distillation weight α of the soft (teacher) term.")
    var alpha: Float = 0.5

    @Option(help: "Seeds, comma-separated; each fold is trained once per seed.")
    var seeds = "1"

    @Option(parsing: .unconditional, help: "Maximum training epochs per fold (early stopping on validation macro-F1 may end sooner).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Probability of silencing each receiver for a whole training window (0–0.9).")
    var receiverDropout: Float?

    @OptionGroup(title: "Training") var trainingOptions: TrainingOptions

    @Option(help: "Hold out only these recordings (names, numbers or ranges, e.g. 6,7); default: every recording.")
    var holdOut: String?

    @Option(help: ArgumentHelp(
        "Write the configuration, every fold (with per-room F1 and confusion) and the means as JSON to this file.",
        discussion: "After each fold the folds so far are saved to <json>.partial; running the same command again after an interruption resumes from there, training only the missing folds."))
    var json: String?

    @Option(help: ArgumentHelp(
        "Temporal decoders for the test predictions, comma-separated: none, offline, lag=N (N windows), each optionally followed, in this order, by +plan (only moves through the floor plan's doors), +freq (divide by the training room frequencies even after class-balanced training), +add=K (K pseudo-counts per allowed move instead of 1) and +weight=W (multiply the emissions by W).",
        discussion: "Every fold is trained once and all decoders score the same predictions; the undecoded score is always reported."))
    var decode = "none"

    @Flag(help: "Print every epoch.")
    var verbose = false

    @Flag(name: .customLong("int8"), help: "Also score each fold's integer model (every family but a teacher with a CRF).")
    var integer = false

    @Option(help: "With --int8: the precision plan preset of the integer models (\(PrecisionPlan.presets.keys.sorted().joined(separator: ", "))).")
    var precision = "int8"

    @Option(name: .customLong("plan"), help: "With --int8: a precision plan file for the integer models (docs/FORMATS.md), instead of --precision.")
    var planFile: String?

    @Option(help: "With --int8: also fine-tune each fold's model for this many epochs under the plan (quantization-aware training) and score that integer model.")
    var qat: Int?

    @Option(parsing: .unconditional, help: "Simulated home only: recordings to generate.")
    var recordings = 6

    @Option(parsing: .unconditional, help: "Simulated home only: minutes per recording.")
    var minutes: Double = 30

    func validate() throws {
        _ = try parseModelKind(model)
        _ = try parseSeeds(seeds)
        if let distillFrom { _ = try parseModelKind(distillFrom) }
        try checkCRF(crf, model: try parseModelKind(model))
        if crf, distillFrom != nil { throw ValidationError("--crf trains on step labels and cannot be combined with --distill-from") }
        if let teachers {
            if distillFrom == nil { throw ValidationError("--teachers belongs to --distill-from") }
            if !(1...8).contains(teachers) { throw ValidationError("--teachers must be in 1…8, got \(teachers)") }
        }
        if !(temperature > 0) || !(0...1).contains(alpha) { throw ValidationError("--temperature must be positive and --alpha in [0, 1]") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let receiverDropout, !(0...0.9).contains(receiverDropout) {
            throw ValidationError("--receiver-dropout must be in [0, 0.9], got \(receiverDropout)")
        }
        _ = try decoderList(decode)
        guard PrecisionPlan.presets[precision] != nil else {
            throw ValidationError("--precision \(precision): unknown; presets are \(PrecisionPlan.presets.keys.sorted().joined(separator: ", "))")
        }
        if !integer && (precision != "int8" || qat != nil || planFile != nil) { throw ValidationError("--precision, --plan and --qat belong to --int8") }
        if planFile != nil && precision != "int8" { throw ValidationError("give --plan or --precision, not both") }
        if let qat, !(1...1000).contains(qat) { throw ValidationError("--qat must be 1…1000 epochs, got \(qat)") }
        if recordings < 3 { throw ValidationError("--recordings must be at least 3, got \(recordings)") }
        if !(minutes > 0 && minutes <= 24 * 60) { throw ValidationError("--minutes must be in (0, 1440], got \(minutes)") }
    }

    func run() throws {
        var source = SessionConfig.DataSource()
        source.recordings = recordings
        source.minutesPerRecording = minutes
        // Every recording is held out in turn here, outages included, as in the published tables.
        source.intactRecordings = 0
        if let real = try dataOptions.realSource() { source = real }
        let seedList = try parseSeeds(seeds)
        let (dataset, plan) = try source.load(seed: seedList[0])
        var config = CrossValidation.Config(seeds: seedList)
        config.model.kind = try parseModelKind(model)
        if crf { config.model.addCRF() }
        if integer {
            guard !config.model.labelsSteps, config.model.build(shape: ModelShape(steps: 20, features: 11, classes: 9), seed: 1).lowered(.windowed) != nil else {
                throw ValidationError("--int8: \(config.model.kind.rawValue)\(crf ? " with a CRF" : "") has no graph lowering, so no integer form yet")
            }
            config.integer = true
            if precision != "int8" { config.plan = PrecisionPlan.presets[precision] }
            if let planFile {
                let chosen = try Compress.readPlan(planFile)
                let probe = config.model.build(shape: ModelShape(steps: 20, features: 11, classes: 9), seed: 1).lowered(.windowed)!
                do { try chosen.validate(for: probe) } catch { throw ValidationError("--plan \(planFile): \(error)") }
                config.plan = chosen
            }
            config.qatEpochs = qat
        }
        if let epochs { config.training.epochs = epochs }
        if let distillFrom {
            config.distillation = DistillationConfig(teacher: ModelConfig(kind: try parseModelKind(distillFrom)),
                                                     temperature: temperature, alpha: alpha, teachers: teachers ?? 1)
        }
        if let receiverDropout { config.training.receiverDropout = receiverDropout }
        try trainingOptions.apply(to: &config.training)
        if let across = trainingOptions.acrossWindowsConfig {
            trainingOptions.applyAcrossWindows(to: &config.model)
            config.acrossWindows = across
            do { try AcrossWindows.check(across, model: config.model, window: config.window) } catch { throw ValidationError("\(error)") }
        }
        let decoders = try decoderList(decode).filter { $0.mode != .none }
        if !decoders.isEmpty { config.decoders = decoders }
        if let scaling = dataOptions.featureScaling { config.scaling = scaling }
        config.window.maxGap = dataOptions.gapLimit
        if let holdOut { config.testRecordings = try SplitSpec.recordings(holdOut, names: dataset.recordings.map(\.name), part: "--hold-out") }

        print("cross-validation · \(dataset.name): \(dataset.recordings.count) recordings, \(dataset.rooms.count) rooms, "
              + "receivers \(dataset.receivers.joined(separator: ", "))")
        for note in dataset.notes { print("note: \(note)") }
        print("model \(config.model.kind.rawValue)\(config.model.labelsSteps ? " + CRF (trained on step labels, Viterbi majority)" : "") · seeds \(seedList.map(String.init).joined(separator: ",")) · "
              + "epochs ≤ \(config.training.epochs) · patience \(config.training.patience) · batch \(config.training.batchSize) · "
              + "learning rate \(config.training.learningRate) · weight decay \(config.training.weightDecay) · "
              + "receiver dropout \(config.training.receiverDropout) · RSSI noise \(config.training.rssiNoiseDB) dB · scaling \(config.scaling.rawValue) · "
              + (config.training.balanceClasses ? "class-balanced loss" : "plain (unweighted) loss")
              + " · keeps the \(config.training.keptWeights.rawValue) epoch's weights")
        if let across = config.acrossWindows {
            print("across windows: state kept over each recording (pooling last) · trained on segments of \(across.burnInWindows) warm-up + "
                  + "\(across.windowsPerSegment) scored hops · scored streaming each recording from one reset")
        }
        if let spec = config.distillation {
            let ensemble = spec.teachers == 1 ? "" : ", \(spec.teachers) of them from their own seeds, softened outputs averaged"
            print("distilled from \(spec.teacher.kind.rawValue) (trained per fold and seed\(ensemble)) · T \(spec.temperature) · α \(spec.alpha)")
        }
        // Folds are saved as they finish, so a run killed after hours loses at most the fold in progress.
        let progressURL = json.map { URL(fileURLWithPath: $0 + ".partial") }
        var previous: CrossValidationReport?
        if let progressURL, FileManager.default.fileExists(atPath: progressURL.path) {
            let saved: CrossValidationReport
            do {
                saved = try JSONDecoder().decode(CrossValidationReport.self, from: Data(contentsOf: progressURL))
            } catch {
                throw ValidationError("\(progressURL.path) is not a cross-validation's saved progress (\(describeDecodingError(error))); move it away to start over")
            }
            if let difference = saved.difference(from: config, dataset: dataset) {
                throw ValidationError("\(progressURL.path) holds an interrupted cross-validation with other settings (\(difference)); "
                                      + "run it with those settings to finish it, or move the file away to start over")
            }
            print("resuming from \(progressURL.path): \(saved.folds.count) folds already done")
            previous = saved
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let control = TrainingControl()
        let output = ProgressLine(control: control)
        output.start()
        defer { output.stop() }  // on an error too: the message must not land on the progress line
        if !decoders.isEmpty { print("decoders: \(decoders.map(\.description).joined(separator: ", ")) (transitions counted per fold on its training recordings)") }
        let report = try CrossValidation.run(dataset: dataset, floorPlan: plan, config: config, control: control, resuming: previous) { event in
            switch event {
            case let .modelsBuilt(parameters, teacherParameters):
                var counts = "parameters: \(config.model.kind.rawValue) \(parameters)"
                if let teacherParameters, let spec = config.distillation {
                    counts += " · distilled from \(spec.teacher.kind.rawValue) \(teacherParameters)"
                }
                output.print(counts)
            case let .foldStarted(plan, seed, train, validation, test):
                output.label = "test \(dataset.recordings[plan.test].name) · seed \(seed) · "
                if verbose {
                    output.print("  fold test \(dataset.recordings[plan.test].name) · validation \(dataset.recordings[plan.validation].name) "
                          + "· seed \(seed) · windows \(train)/\(validation)/\(test)")
                }
            case .epoch(let record):
                if verbose {
                    output.print(String(format: "    epoch %3d  loss %.3f  train F1 %.3f  val F1 %.3f", record.epoch, record.trainLoss,
                                 record.trainF1, record.validationF1))
                }
            case let .foldFinished(fold, soFar):
                if let progressURL {
                    do {
                        try AtomicFile.write(try encoder.encode(soFar), to: progressURL)
                    } catch {
                        output.print("warning: could not save progress to \(progressURL.path): \(error)")
                    }
                }
                output.print(Self.describe(fold))
            case .foldResumed(let fold):
                output.print(Self.describe(fold, resumed: true))
            }
        }
        output.stop()
        print(Self.summary(report))
        if let json {
            try AtomicFile.write(try encoder.encode(report), to: URL(fileURLWithPath: json))
            if let progressURL { try? FileManager.default.removeItem(at: progressURL) }
            print("json: \(json)")
        }
    }

    static func describe(_ fold: CrossValidation.Fold, resumed: Bool = false) -> String {
        var lines = [String(format: "  test %@  val %@  seed %llu  windows %5d/%4d/%4d  epochs %3d (best %3d)  val F1 %.3f  │ test macro-F1 %.3f  accuracy %.3f",
                            fold.test, fold.validation, fold.seed, fold.trainWindows, fold.validationWindows, fold.testWindows,
                            fold.epochsTrained, fold.bestEpoch, fold.validationMacroF1, fold.result.macroF1, fold.result.accuracy)
                     + (resumed ? "  (saved)" : "")]
        if let ignored = fold.ignoredReceivers {
            lines.append("      ignores \(ignored.joined(separator: ", ")) (never heard in the training recordings)")
        }
        if let int8 = fold.int8 {
            lines.append(String(format: "      integer model: test macro-F1 %.3f  accuracy %.3f  (integer − float %+.1f points)",
                                int8.macroF1, int8.accuracy, (int8.macroF1 - fold.result.macroF1) * 100))
        }
        if let qat = fold.qat {
            lines.append(String(format: "      after quantization-aware fine-tuning: test macro-F1 %.3f  accuracy %.3f  (integer − float %+.1f points)",
                                qat.macroF1, qat.accuracy, (qat.macroF1 - fold.result.macroF1) * 100))
        }
        if let teacher = fold.teacher {
            lines.append(String(format: "      its teacher: epochs %3d (best %3d)  val F1 %.3f  │ test macro-F1 %.3f  accuracy %.3f",
                                teacher.epochsTrained, teacher.bestEpoch, teacher.validationMacroF1,
                                teacher.result.macroF1, teacher.result.accuracy))
        }
        if let decoded = fold.decoded { lines.append("      decoded: " + decodedLine(decoded, undecoded: fold.result.macroF1)) }
        return lines.joined(separator: "\n")
    }

    static func summary(_ report: CrossValidationReport) -> String {
        var lines = [""]
        if !report.skipped.isEmpty { lines.append("no labelled windows, not held out: \(report.skipped.joined(separator: ", "))") }
        lines.append(String(format: "mean over %d folds: macro-F1 %.3f (± %.3f across held-out recordings) · accuracy %.3f",
                            report.folds.count, report.meanMacroF1, report.foldStdMacroF1, report.meanAccuracy))
        if let teacherMean = report.teacherMeanMacroF1 {
            lines.append(String(format: "the teachers on the same folds: macro-F1 %.3f", teacherMean))
        }
        if let int8Mean = report.int8MeanMacroF1 {
            lines.append(String(format: "the integer models on the same folds: macro-F1 %.3f (integer − float %+.1f points)",
                                int8Mean, (int8Mean - report.meanMacroF1) * 100))
        }
        if let qatMean = report.qatMeanMacroF1 {
            lines.append(String(format: "fine-tuned under the plan (QAT), integer: macro-F1 %.3f (integer − float %+.1f points)",
                                qatMean, (qatMean - report.meanMacroF1) * 100))
        }
        for mean in report.decodedMeans ?? [] {
            lines.append(String(format: "decoded %@: macro-F1 %.3f (%+.3f) · accuracy %.3f · integer decoder differs on %d windows",
                                mean.decoder.description, mean.macroF1, mean.macroF1 - report.meanMacroF1, mean.accuracy, mean.integerDifferences))
            if let int8 = mean.int8MacroF1, let int8Mean = report.int8MeanMacroF1 {
                lines.append(String(format: "  on the integer model's codes, as the chip decodes: macro-F1 %.3f (%+.3f over the undecoded integer model) · differs from the float decoder on the same codes on %d windows",
                                    int8, int8 - int8Mean, mean.int8Differences ?? 0))
            }
        }
        if report.seedMeans.count > 1 {
            lines.append("per seed: " + report.seedMeans.map { String(format: "%llu → %.3f", $0.seed, $0.macroF1) }.joined(separator: " · "))
        }
        lines.append("per-room F1 (mean over folds visiting the room): "
                     + report.rooms.compactMap { room in report.meanRoomF1[room].map { String(format: "%@ %.2f", room, $0) } }.joined(separator: " · "))
        lines.append(confusionTable(report.confusion, rooms: report.rooms, title: "confusion summed over folds (rows true, columns predicted)"))
        return lines.joined(separator: "\n")
    }
}

/// A confusion matrix as text, rooms never seen nor predicted left out.
func confusionTable(_ confusion: [[Int]], rooms: [String], title: String) -> String {
    let used = rooms.indices.filter { i in confusion[i].reduce(0, +) > 0 || confusion.contains { $0[i] > 0 } }
    let width = max(6, (used.map { rooms[$0].count }.max() ?? 0) + 1)
    func pad(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
    var lines = [title, pad("") + used.map { pad(rooms[$0]) }.joined()]
    for i in used { lines.append(pad(rooms[i]) + used.map { pad(String(confusion[i][$0])) }.joined()) }
    return lines.joined(separator: "\n")
}

/// One decoded score per decoder, with its gain over the undecoded macro-F1 and the integer decoder's RAM.
func decodedLine(_ decoded: [DecodedResult], undecoded: Double) -> String {
    decoded.map {
        String(format: "%@ %.3f (%+.3f, int RAM %d B%@)", $0.decoder.description, $0.result.macroF1, $0.result.macroF1 - undecoded,
               $0.footprint.ramBytes, $0.integerDifferences > 0 ? ", int differs on \($0.integerDifferences)" : "")
            + ($0.int8.map { String(format: ", int8 model %.3f", $0.macroF1) } ?? "")
    }.joined(separator: " · ")
}

/// `--decode` as decoders, with the parse error as a usage error.
func decoderList(_ text: String) throws -> [DecoderSpec] {
    do { return try DecoderSpec.list(text) } catch { throw ValidationError("\(error)") }
}
