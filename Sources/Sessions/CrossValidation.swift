import Foundation
import Compression
import Localisation
import Models

/// Leave-one-recording-out cross-validation: every recording in turn is the test set.
///
/// Validation rule (early stopping needs one recording the model never trains on): the recording
/// after the test recording in the data set's order, wrapping round, skipping recordings that yield
/// no labelled windows. Every other recording trains. A recording that yields no windows is never a
/// test fold (it is listed in `skipped`). Works for any `ModelKind`: the model is built from
/// `ModelConfig` and trained by `Trainer`, exactly as a session trains it.
public enum CrossValidation {
    public struct Config: Codable, Sendable, Equatable {
        public var model: ModelConfig
        public var training: TrainingConfig
        public var window: WindowConfig
        public var scaling: FeatureScaling
        public var seeds: [UInt64]
        /// Indices of the recordings to hold out; nil: all of them.
        public var testRecordings: [Int]?
        /// Distil the model from a teacher trained first on the same fold and seed (nil: labels only).
        public var distillation: DistillationConfig? = nil
        /// Also convert each fold's model to integers and score that (true: `cv --int8`).
        public var integer: Bool? = nil
        /// The precision plan of that integer model (nil: int8 everywhere).
        public var plan: PrecisionPlan? = nil
        /// Epochs of quantization-aware fine-tuning under the plan, scored as `qat` (nil: none).
        public var qatEpochs: Int? = nil
        /// Temporal decoders applied to every fold's test predictions (nil: none); training is
        /// unchanged, so one run scores them all on the same predictions.
        public var decoders: [DecoderSpec]? = nil
        /// Train a Mamba (pooling `last`) to keep its state across the windows of a recording and
        /// score it streamed over whole recordings, float and integer (nil: windowed, as usual).
        public var acrossWindows: AcrossWindowsConfig? = nil

        public init(model: ModelConfig = ModelConfig(), training: TrainingConfig = TrainingConfig(),
                    window: WindowConfig = WindowConfig(), scaling: FeatureScaling = .fixed, seeds: [UInt64] = [1],
                    testRecordings: [Int]? = nil) {
            self.model = model
            self.training = training
            self.window = window
            self.scaling = scaling
            self.seeds = seeds
            self.testRecordings = testRecordings
        }
    }

    /// Which recordings train, validate and test one fold (indices into the data set).
    public struct FoldPlan: Sendable, Equatable {
        public var test: Int
        public var validation: Int
        public var train: [Int]
    }

    public struct Fold: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var test: String
        public var validation: String
        public var train: [String]
        public var trainWindows: Int
        public var validationWindows: Int
        public var testWindows: Int
        public var epochsTrained: Int
        public var bestEpoch: Int
        public var validationMacroF1: Double
        public var result: ExperimentReport.SplitResult
        /// The fitted scaler (with `minmax` scaling), fitted on this fold's training recordings.
        public var scaler: FeatureScaler?
        /// With distillation: how the teacher trained on this fold did on the same test recording,
        /// so one run shows teacher and student side by side.
        public var teacher: TeacherScore? = nil
        /// With `integer`: the integer model's score on the same test recording.
        public var int8: ExperimentReport.SplitResult? = nil
        /// With `qatEpochs`: the integer model's score after fine-tuning under the plan.
        public var qat: ExperimentReport.SplitResult? = nil
        /// The test recording decoded by each of `Config.decoders`.
        public var decoded: [DecodedResult]? = nil
        /// Receivers never heard in this fold's training recordings, which its model ignores.
        public var ignoredReceivers: [String]? = nil
    }

    public struct TeacherScore: Codable, Sendable, Equatable {
        public var epochsTrained: Int
        public var bestEpoch: Int
        public var validationMacroF1: Double
        public var result: ExperimentReport.SplitResult
    }

    public enum Event: Sendable {
        /// Before the first fold: the parameter counts of the model and of its teacher, if any.
        case modelsBuilt(parameters: Int, teacherParameters: Int?)
        case foldStarted(FoldPlan, seed: UInt64, trainWindows: Int, validationWindows: Int, testWindows: Int)
        case epoch(EpochRecord)
        /// A fold is trained and tested; `soFar` summarises every fold finished up to it, so a
        /// caller can save the run's progress.
        case foldFinished(Fold, soFar: CrossValidationReport)
        /// A fold taken over from an interrupted run instead of being trained again.
        case foldResumed(Fold)
    }

    /// The folds for recordings with these window counts, by the rule above.
    public static func plan(windowCounts: [Int], testRecordings: [Int]? = nil) throws -> [FoldPlan] {
        let usable = windowCounts.indices.filter { windowCounts[$0] > 0 }
        guard usable.count >= 3 else {
            throw SessionError.mismatch("cross-validation needs at least 3 recordings with labelled windows, the data has \(usable.count)")
        }
        let held = testRecordings ?? usable
        return try held.map { test in
            guard windowCounts.indices.contains(test) else { throw SessionError.mismatch("no recording \(test + 1) to hold out") }
            guard let position = usable.firstIndex(of: test) else {
                throw SessionError.mismatch("recording \(test + 1) yields no labelled windows, so it cannot be a test fold")
            }
            let validation = usable[(position + 1) % usable.count]
            return FoldPlan(test: test, validation: validation, train: usable.filter { $0 != test && $0 != validation })
        }
    }

    /// Trains and tests every fold for every seed, in order (seed-major), and summarises.
    /// `control` can stop it between batches; then the folds finished so far are returned.
    /// `resuming`: the saved progress of an interrupted run of this configuration on this data;
    /// its folds are taken as they are (every fold trains from its seed alone, so training it
    /// again would give the same numbers) and only the missing ones run.
    /// `floorPlan`: the home's plan, for decoders restricted to its doors (`+plan`).
    public static func run(dataset: Dataset, floorPlan: FloorPlan? = nil, config: Config, control: TrainingControl? = nil,
                           resuming previous: CrossValidationReport? = nil,
                           onEvent: (Event) -> Void = { _ in }) throws -> CrossValidationReport {
        precondition(!config.seeds.isEmpty, "at least one seed")
        if config.model.labelsSteps && config.distillation != nil {
            throw SessionError.mismatch("a model with a CRF head trains on the room of every step and cannot be distilled from a teacher")
        }
        if let previous, let difference = previous.difference(from: config, dataset: dataset) {
            throw SessionError.mismatch("the saved progress is of another cross-validation (\(difference))")
        }
        if let across = config.acrossWindows {
            try AcrossWindows.check(across, model: config.model, window: config.window)
            if config.distillation != nil || config.qatEpochs != nil {
                throw SessionError.mismatch("across windows: a Mamba trained across windows is neither distilled nor fine-tuned under a plan yet")
            }
        }
        let perRecording = dataset.recordings.indices.map { makeWindows(dataset: dataset, recordings: [$0], config: config.window) }
        let counts = perRecording.map(\.count)
        let plans = try plan(windowCounts: counts, testRecordings: config.testRecordings)
        let names = dataset.recordings.map(\.name)
        let decoders = config.decoders ?? []
        try DecodingStage.check(decoders, testWindowsPerRecording: plans.map { (names[$0.test], counts[$0.test]) },
                                plan: floorPlan, dataset: dataset)
        let shape = ModelShape(steps: config.window.length, features: perRecording[0].features, classes: dataset.rooms.count)
        var folds: [Fold] = []
        let parameters = config.model.build(shape: shape, seed: config.seeds[0]).parameterCount
        onEvent(.modelsBuilt(parameters: parameters,
                             teacherParameters: config.distillation?.teacher.build(shape: shape, seed: config.seeds[0]).parameterCount))
        func report() -> CrossValidationReport {
            CrossValidationReport(
                source: dataset.name, rooms: dataset.rooms, receivers: dataset.receivers, recordings: names,
                windowsPerRecording: Dictionary(uniqueKeysWithValues: zip(names, counts)),
                skipped: names.indices.filter { counts[$0] == 0 }.map { names[$0] },
                model: config.model.kind.rawValue, parameters: parameters, config: config, folds: folds)
        }
        run: for seed in config.seeds {
            for fold in plans {
                if let done = previous?.folds.first(where: { $0.seed == seed && $0.test == names[fold.test] }) {
                    folds.append(done)
                    onEvent(.foldResumed(done))
                    continue
                }
                let windows = SplitWindows(train: .concatenating(fold.train.map { perRecording[$0] }),
                                           validation: perRecording[fold.validation], test: perRecording[fold.test],
                                           scaling: config.scaling, receivers: dataset.receivers.count)
                onEvent(.foldStarted(fold, seed: seed, trainWindows: windows.train.count,
                                     validationWindows: windows.validation.count, testWindows: windows.test.count))
                func testResult(_ predictions: Predictions) -> ExperimentReport.SplitResult {
                    let metrics = ClassificationMetrics(predictions: predictions.predicted, labels: windows.test.labels, roomCount: shape.classes)
                    return .init(metrics, rooms: dataset.rooms)
                }
                let streams = config.acrossWindows.map { _ in
                    (train: AcrossWindows.streams(of: windows.train, dataset: dataset, config: config.window, scaler: windows.scaler),
                     validation: AcrossWindows.streams(of: windows.validation, dataset: dataset, config: config.window, scaler: windows.scaler),
                     test: AcrossWindows.streams(of: windows.test, dataset: dataset, config: config.window, scaler: windows.scaler))
                }
                func testPredictions(_ model: ClassifierModel) -> Predictions {
                    if let streams, let mamba = model as? Mamba {
                        return mamba.streamedPredictions(streams.test, windows: windows.test.count)
                    }
                    return predict(model, on: windows.labelledTest, classes: shape.classes)
                }
                var distillation: Distillation?
                var teacherScore: TeacherScore?
                if let spec = config.distillation {
                    guard let trained = Distillation.trainingTeacher(
                        spec, shape: shape, training: config.training, train: windows.labelledTrain,
                        validation: windows.labelledValidation, seed: seed, control: control) else { break run }
                    distillation = trained.distillation
                    teacherScore = TeacherScore(epochsTrained: trained.epochsTrained, bestEpoch: trained.bestEpoch,
                                                validationMacroF1: trained.bestF1, result: testResult(testPredictions(trained.teacher)))
                }
                let model = config.model.build(shape: shape, seed: seed)
                let trainer: EpochTraining
                if let across = config.acrossWindows, let streams, let mamba = model as? Mamba {
                    trainer = AcrossWindowsTrainer(model: mamba, config: config.training, acrossWindows: across, hop: config.window.hop,
                                                   classes: shape.classes, train: streams.train, validation: streams.validation, seed: seed)
                } else {
                    trainer = Trainer(model: model, config: config.training, classes: shape.classes,
                                      train: windows.labelledTrain, validation: windows.labelledValidation, seed: seed,
                                      distillation: distillation)
                }
                while !trainer.isFinished {
                    guard let record = trainer.runEpoch(control: control) else { break run }
                    onEvent(.epoch(record))
                }
                trainer.restoreBest()
                func integerResult() throws -> (result: ExperimentReport.SplitResult, scores: IntegerScores)? {
                    let plan = config.plan ?? PrecisionPlan()
                    let scores: IntegerScores
                    if let streams, let mamba = model as? Mamba {
                        let integer = try AcrossWindows.integerModel(mamba, calibrationStreams: streams.train, plan: plan)
                        scores = try AcrossWindows.integerScores(integer, streams: streams.test, windows: windows.test.count)
                    } else {
                        guard let integer = try IntegerModel(model, calibrationSet: windows.train, plan: plan) else { return nil }
                        scores = IntegerScores(codes: integer.scores(windows.test), output: integer.integer.output.quantization, rooms: shape.classes)
                    }
                    let metrics = ClassificationMetrics(predictions: scores.predictions, labels: windows.test.labels, roomCount: shape.classes)
                    return (.init(metrics, rooms: dataset.rooms), scores)
                }
                let integer = config.integer == true ? try integerResult() : nil
                let int8 = integer?.result, integerScores = integer?.scores
                // Scored before any fine-tune changes the weights: float and decoded results are the float model's.
                let predictions = testPredictions(model)
                var qat: ExperimentReport.SplitResult?
                if let qatEpochs = config.qatEpochs, let graph = model.lowered(.windowed) {
                    let (fineTune, _) = QuantizationAwareTraining(epochs: qatEpochs).fineTuner(
                        model, graph: graph, plan: config.plan ?? PrecisionPlan(), training: config.training, classes: shape.classes,
                        windows: windows, seed: seed)
                    while !fineTune.isFinished {
                        guard let record = fineTune.runEpoch(control: control) else { break run }
                        onEvent(.epoch(record))
                    }
                    fineTune.restoreBest()
                    qat = try integerResult()?.result
                }
                let decoded = try DecodingStage.evaluate(decoders, train: windows.train, test: windows.test, testLogits: predictions.logits,
                                                         integerScores: integerScores, balancedClassifier: config.training.balanceClasses,
                                                         plan: floorPlan, dataset: dataset)
                var result = Fold(seed: seed, test: names[fold.test], validation: names[fold.validation],
                                  train: fold.train.map { names[$0] }, trainWindows: windows.train.count,
                                  validationWindows: windows.validation.count, testWindows: windows.test.count,
                                  epochsTrained: trainer.epochsDone, bestEpoch: trainer.bestEpoch,
                                  validationMacroF1: trainer.bestF1, result: testResult(predictions),
                                  scaler: windows.scaler, teacher: teacherScore, decoded: decoded.isEmpty ? nil : decoded)
                result.int8 = int8
                result.qat = qat
                result.ignoredReceivers = windows.receiversNeverHeardInTraining(names: dataset.receivers)
                folds.append(result)
                onEvent(.foldFinished(result, soFar: report()))
            }
        }
        return report()
    }
}

/// What `tinyloc cv --json` writes: the configuration, every fold, and the means.
public struct CrossValidationReport: Codable, Sendable {
    public struct DecodedMean: Codable, Sendable, Equatable {
        public var decoder: DecoderSpec
        public var macroF1: Double
        public var accuracy: Double
        /// Test windows, over all folds, where the integer decoder's room differs from the float one's.
        public var integerDifferences: Int
        /// With `--int8`: the integer decoder on the integer models' codes, and the windows where it
        /// differs from the float decoder on the same codes dequantized.
        public var int8MacroF1: Double? = nil
        public var int8Differences: Int? = nil
    }

    public struct SeedMean: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var macroF1: Double
        public var accuracy: Double
    }

    public var source: String
    public var rooms: [String]
    public var receivers: [String]
    public var recordings: [String]
    public var windowsPerRecording: [String: Int]
    /// Recordings with no labelled windows, never held out.
    public var skipped: [String]
    public var validationRule = "validation = the next recording after the test one (cyclic) that has windows; the rest train"
    public var model: String
    public var parameters: Int
    public var config: CrossValidation.Config
    public var folds: [CrossValidation.Fold]
    /// Means over every (fold, seed).
    public var meanMacroF1: Double
    public var meanAccuracy: Double
    /// With distillation: the teachers' mean test macro-F1 over the same folds.
    public var teacherMeanMacroF1: Double?
    /// With `--int8`: the integer models' mean test macro-F1 over the same folds.
    public var int8MeanMacroF1: Double?
    /// With `--qat`: the fine-tuned integer models' mean test macro-F1 over the same folds.
    public var qatMeanMacroF1: Double?
    /// With decoders: each decoder's means over the same (fold, seed) runs, in the order asked for.
    public var decodedMeans: [DecodedMean]?
    /// Spread of the fold scores (each fold averaged over seeds first): how much the held-out
    /// recording matters. Sample standard deviation; 0 with one fold.
    public var foldStdMacroF1: Double
    /// Mean over folds for each seed: how much the seed matters.
    public var seedMeans: [SeedMean]
    /// Per-room F1 averaged over the folds whose test recording visits the room.
    public var meanRoomF1: [String: Double]
    /// Confusion summed over all folds and seeds, confusion[true][predicted].
    public var confusion: [[Int]]

    init(source: String, rooms: [String], receivers: [String], recordings: [String], windowsPerRecording: [String: Int],
         skipped: [String], model: String, parameters: Int, config: CrossValidation.Config, folds: [CrossValidation.Fold]) {
        self.source = source
        self.rooms = rooms
        self.receivers = receivers
        self.recordings = recordings
        self.windowsPerRecording = windowsPerRecording
        self.skipped = skipped
        self.model = model
        self.parameters = parameters
        self.config = config
        self.folds = folds
        meanMacroF1 = mean(folds.map(\.result.macroF1))
        meanAccuracy = mean(folds.map(\.result.accuracy))
        let teacherScores = folds.compactMap(\.teacher?.result.macroF1)
        teacherMeanMacroF1 = teacherScores.isEmpty ? nil : mean(teacherScores)
        let int8Scores = folds.compactMap(\.int8?.macroF1)
        int8MeanMacroF1 = int8Scores.isEmpty ? nil : mean(int8Scores)
        let qatScores = folds.compactMap(\.qat?.macroF1)
        qatMeanMacroF1 = qatScores.isEmpty ? nil : mean(qatScores)
        let decoders = (config.decoders ?? []).filter { $0.mode != .none }
        decodedMeans = decoders.isEmpty ? nil : decoders.map { spec in
            let scores = folds.compactMap { $0.decoded?.first { $0.decoder == spec } }
            var decodedMean = DecodedMean(decoder: spec, macroF1: mean(scores.map(\.result.macroF1)), accuracy: mean(scores.map(\.result.accuracy)),
                                          integerDifferences: scores.reduce(0) { $0 + $1.integerDifferences })
            let int8 = scores.compactMap(\.int8?.macroF1)
            if !int8.isEmpty {
                decodedMean.int8MacroF1 = mean(int8)
                decodedMean.int8Differences = scores.reduce(0) { $0 + ($1.int8Differences ?? 0) }
            }
            return decodedMean
        }
        var byTest: [String: [Double]] = [:]
        for fold in folds { byTest[fold.test, default: []].append(fold.result.macroF1) }
        foldStdMacroF1 = sampleStd(byTest.values.map(mean))
        seedMeans = config.seeds.compactMap { seed in
            let mine = folds.filter { $0.seed == seed }
            return mine.isEmpty ? nil : SeedMean(seed: seed, macroF1: mean(mine.map(\.result.macroF1)), accuracy: mean(mine.map(\.result.accuracy)))
        }
        var roomScores: [String: [Double]] = [:]
        for fold in folds { for (room, f1) in fold.result.roomF1 { roomScores[room, default: []].append(f1) } }
        meanRoomF1 = roomScores.mapValues(mean)
        var total = [[Int]](repeating: [Int](repeating: 0, count: rooms.count), count: rooms.count)
        for fold in folds {
            for (i, row) in fold.result.confusion.enumerated() { for (j, n) in row.enumerated() { total[i][j] += n } }
        }
        confusion = total
    }
}

extension CrossValidationReport {
    /// What stops this (partial) report from being resumed by a run of `config` on `dataset`, or
    /// nil when nothing does.
    public func difference(from config: CrossValidation.Config, dataset: Dataset) -> String? {
        if source != dataset.name { return "data \(source), not \(dataset.name)" }
        if recordings != dataset.recordings.map(\.name) { return "recordings \(recordings.joined(separator: ","))" }
        if self.config != config { return "model, training, window or seed settings differ" }
        return nil
    }
}

private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

private func sampleStd(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let m = mean(values)
    return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
}
