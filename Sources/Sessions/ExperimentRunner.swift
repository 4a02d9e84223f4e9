import Compression
import Deploy
import Foundation
import Graph
import Localisation
import Models
import TinyTensor

/// What the pipeline reports as it goes; the TUI draws these, the headless command prints them.
public enum PipelineEvent: Sendable {
    case stage(String)
    /// The data is windowed; `replay` is the validation recording the replay pane shows.
    case dataReady(ExperimentReport.DataSummary, replay: ReplayTrack, plan: FloorPlan?)
    /// The model is built: what it is and what this pipeline will make of it, before any training.
    case modelBuilt(BuiltModel)
    /// Epochs already done by an earlier run of this session (resume).
    case resumed([EpochRecord])
    /// This run distils from a teacher session; its curve is drawn beside the student's.
    case teacher(name: String, model: String, history: [EpochRecord])
    /// The RAM plans (float32 and integer; windowed and, for streaming families, streaming).
    /// RAM depends only on shapes and bit widths, so it is known before training starts.
    case memoryPlanned(MemorySummary)
    case epoch(EpochRecord, validationPredictions: [Int])
    /// Training is over and its best weights are back: the float model's test macro-F1, before
    /// the integer conversion starts (so a screen can time the two apart).
    case trained(testFloatMacroF1: Double)
    /// The replay's rooms at the end: the integer model's (decoded, when the session has a decoder,
    /// whose name `replayDecoder` gives), else the float model's.
    case finished(ExperimentReport, replayPredictions: [Int], replayDecoder: String?)
}

/// A model as built for a run, and which of the later stages apply to it.
public struct BuiltModel: Sendable, Equatable {
    /// The model kind, with " + CRF" when it labels every step.
    public var kind: String
    public var parameters: Int
    /// Lowers to the graph form, so it gets an integer conversion (with per-op error) and RAM plans.
    public var hasGraph: Bool
    /// Also runs one step at a time (a streaming RAM plan).
    public var streams: Bool
}

/// The validation recording as a sequence of windows: when each ends and which room is true.
public struct ReplayTrack: Sendable, Equatable {
    public var recording: String
    public var times: [Double]
    public var trueRooms: [Int]
}

/// The whole path, headless: data → windows → train (resumable) → int8 → RAM plan → report.
public final class ExperimentRunner {
    public let session: Session
    public let control: TrainingControl
    /// Minimum wall time per epoch, so a person can follow the curve in the TUI (0 = full speed).
    public let epochPace: Double

    public init(session: Session, control: TrainingControl = TrainingControl(), epochPace: Double = 0) {
        self.session = session
        self.control = control
        self.epochPace = epochPace
    }

    /// Runs to the end (or until stopped: then returns nil, with everything so far saved).
    @discardableResult
    public func run(onEvent: (PipelineEvent) -> Void = { _ in }) throws -> ExperimentReport? {
        let config = session.config
        try config.checkTrainable()
        onEvent(.stage("loading data"))
        let (dataset, plan) = try config.data.load(seed: config.seed)
        let names = dataset.recordings.map(\.name)
        let (split, splitNote) = try config.resolvedSplit(dataset: dataset)
        let windows = SplitWindows(dataset: dataset, split: split, config: config)
        let (train, validation, test) = (windows.train, windows.validation, windows.test)
        for (name, windows) in [("training", train), ("validation", validation), ("test", test)] where windows.count == 0 {
            throw SessionError.mismatch("the \(name) recordings yield no labelled windows")
        }
        if let scaler = windows.scaler { try session.saveJSON(scaler, to: session.scalerURL) }
        let summary = ExperimentReport.DataSummary(
            source: dataset.name, rooms: dataset.rooms, receivers: dataset.receivers, recordings: names,
            trainRecordings: split.train.map { names[$0] }, validationRecordings: split.validation.map { names[$0] },
            testRecordings: split.test.map { names[$0] }, trainWindows: train.count, validationWindows: validation.count,
            testWindows: test.count, features: train.features, steps: train.length,
            silentReceivers: silentReceivers(in: dataset), coverage: ReceiverCoverage.table(dataset), splitNote: splitNote,
            ignoredReceivers: windows.receiversNeverHeardInTraining(names: dataset.receivers))
        let replay = ReplayTrack(recording: summary.validationRecordings.joined(separator: "+"),
                                 times: validation.startTimes.map { $0 + Double(validation.length) / config.stepRate },
                                 trueRooms: validation.labels)
        onEvent(.dataReady(summary, replay: replay, plan: plan))
        try DecodingStage.check(config.decoders ?? [], testWindowsPerRecording: split.test.map { recording in
            (names[recording], test.recordingIndex.filter { $0 == recording }.count)
        }, plan: plan, dataset: dataset)

        let shape = ModelShape(steps: train.length, features: train.features, classes: dataset.rooms.count)
        let model = config.model.build(shape: shape, seed: config.seed)
        let hasGraph = model.lowered(.windowed) != nil && !config.model.labelsSteps
        onEvent(.modelBuilt(BuiltModel(kind: config.model.kind.rawValue + (config.model.labelsSteps ? " + CRF" : ""),
                                       parameters: model.parameterCount, hasGraph: hasGraph,
                                       streams: model.lowered(.streaming) != nil)))
        var distillation: Distillation?
        if let reference = config.teacher {
            let teacher = try LoadedTeacher.load(reference, for: config, shape: shape)
            let others = reference.sessions.count - 1
            onEvent(.teacher(name: teacher.session.config.name + (others > 0 ? " + \(others) more, outputs averaged" : ""),
                             model: teacher.session.config.model.kind.rawValue, history: teacher.history))
            distillation = .frozen(teacher: teacher.model, train: windows.labelledTrain, classes: shape.classes,
                                   augmented: config.training.augmentsInputs,
                                   temperature: reference.temperature, alpha: reference.alpha)
        }
        // Across windows: every recording of the split streamed whole, its windows read at their ends.
        let streams = config.acrossWindows.map { _ in
            (train: AcrossWindows.streams(of: train, dataset: dataset, config: config.windowConfig, scaler: windows.scaler),
             validation: AcrossWindows.streams(of: validation, dataset: dataset, config: config.windowConfig, scaler: windows.scaler),
             test: AcrossWindows.streams(of: test, dataset: dataset, config: config.windowConfig, scaler: windows.scaler))
        }
        let trainer: EpochTraining
        if let across = config.acrossWindows, let streams, let mamba = model as? Mamba {
            trainer = AcrossWindowsTrainer(model: mamba, config: config.training, acrossWindows: across, hop: config.windowHop,
                                           classes: dataset.rooms.count, train: streams.train, validation: streams.validation,
                                           seed: config.seed)
        } else {
            trainer = Trainer(model: model, config: config.training, classes: dataset.rooms.count,
                              train: windows.labelledTrain, validation: windows.labelledValidation, seed: config.seed,
                              distillation: distillation)
        }
        func floatPredictions(_ set: WindowSet, labelled: LabelledWindows, streams: [RecordingStream]?) -> Predictions {
            if let streams, let mamba = model as? Mamba { return mamba.streamedPredictions(streams, windows: set.count) }
            return predict(model, on: labelled, classes: shape.classes)
        }
        let profile = MCUProfile.catalogue.first { $0.name == config.mcu } ?? .nRF52840
        if hasGraph {
            // Sizes depend on shapes and bit widths only: a few windows calibrate the untrained model.
            let untrained = try IntegerModel(model, calibrationSet: train, maximumWindows: 8)
            onEvent(.memoryPlanned(try MemorySummary(model: model, integer: untrained, mcu: profile, ramBudgetBytes: config.ramBudgetBytes)))
        }
        if let change = try session.recipeChange(to: config.training) {
            let kept = try session.discardCheckpoint()
            onEvent(.stage("training options changed since the checkpoint (\(change)): training starts again"
                           + (kept.map { "; the old weights are kept as \($0.lastPathComponent)" } ?? "")))
        }
        if let state = try session.loadResumeState() {
            try trainer.restore(state)
            onEvent(.resumed(session.epochHistory()))
        }
        onEvent(.stage("training"))
        var lastEpochEnd = Date()
        let completed = try session.train(trainer, control: control) { record in
            onEvent(.epoch(record, validationPredictions: trainer.lastValidationPredictions))
            let wait = epochPace - Date().timeIntervalSince(lastEpochEnd)
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            lastEpochEnd = Date()
        }
        guard completed else { return nil }
        trainer.restoreBest()

        let rooms = dataset.rooms
        let floatTest = floatPredictions(test, labelled: windows.labelledTest, streams: streams?.test)
        let decoded = try DecodingStage.evaluate(config.decoders ?? [], train: train, test: test, testLogits: floatTest.logits,
                                                 balancedClassifier: config.training.balanceClasses, plan: plan, dataset: dataset)
        let floatValidation = floatPredictions(validation, labelled: windows.labelledValidation, streams: streams?.validation).predicted
        let floatTestMetrics = ClassificationMetrics(predictions: floatTest.predicted, labels: test.labels, roomCount: rooms.count)
        onEvent(.trained(testFloatMacroF1: floatTestMetrics.macroF1))
        var replayPredictions = floatValidation
        var replayDecoded: (decoder: String, rooms: [Int])?
        var int8Result: ExperimentReport.SplitResult?
        var layerReports = [LayerQuantizationReport]()
        var memory: MemorySummary?
        if hasGraph {
            onEvent(.stage("quantizing to integers"))
            let quantized: IntegerModel
            if let streams, let mamba = model as? Mamba {
                quantized = try AcrossWindows.integerModel(mamba, calibrationStreams: streams.train)
            } else {
                guard let windowed = try IntegerModel(model, calibrationSet: train) else { preconditionFailure("a lowered model lowers") }
                quantized = windowed
            }
            func integerScores(_ set: WindowSet, streams: [RecordingStream]?) throws -> IntegerScores {
                if let streams { return try AcrossWindows.integerScores(quantized, streams: streams, windows: set.count) }
                return IntegerScores(codes: quantized.scores(set), output: quantized.integer.output.quantization, rooms: rooms.count)
            }
            layerReports = try quantized.quantizationReport(on: validation)
            let int8Test = try integerScores(test, streams: streams?.test).predictions
            let int8TestResult = ExperimentReport.SplitResult(
                ClassificationMetrics(predictions: int8Test, labels: test.labels, roomCount: rooms.count), rooms: rooms)
            int8Result = int8TestResult
            let replayScores = try integerScores(validation, streams: streams?.validation)
            replayPredictions = replayScores.predictions
            replayDecoded = try DecodingStage.replayRooms(config.decoders ?? [], train: train, windows: validation,
                                                          integerScores: replayScores, balancedClassifier: config.training.balanceClasses,
                                                          plan: plan, dataset: dataset)
            onEvent(.stage("planning RAM"))
            var planned = try MemorySummary(model: model, integer: quantized, mcu: profile, ramBudgetBytes: config.ramBudgetBytes)
            if let decoder = try DecodingStage.chipDecoder(firstLagIn: config.decoders ?? [], train: train,
                                                          balancedClassifier: config.training.balanceClasses, plan: plan, dataset: dataset,
                                                          scoreScale: quantized.integer.output.quantization.scale) {
                planned.integer = planned.integer?.adding(decoder)
            }
            onEvent(.memoryPlanned(planned))
            memory = planned
            let validationResult = ExperimentReport.SplitResult(
                ClassificationMetrics(predictions: replayPredictions, labels: validation.labels, roomCount: rooms.count), rooms: rooms)
            let floatValidationF1 = ClassificationMetrics(predictions: floatValidation, labels: validation.labels, roomCount: rooms.count).macroF1
            let variant = VariantReport(
                name: "int8", model: config.model.kind.rawValue, plan: quantized.plan, floatValidationMacroF1: floatValidationF1,
                floatTestMacroF1: floatTestMetrics.macroF1,
                validation: validationResult, test: int8TestResult, arenaBytes: planned.deployed.arenaBytes,
                streamingArenaBytes: planned.integerStreaming?.arenaBytes, flashBytes: planned.deployed.flashBytes,
                floatIslands: quantized.integer.floatIslands, layers: layerReports, graph: quantized.integer,
                streamingGraph: quantized.integerStreaming)
            try session.saveJSON(variant, to: session.variantsFolder.appendingPathComponent("int8.json"))
        }
        let report = ExperimentReport(
            session: config.name, seed: config.seed, data: summary, model: config.model.kind.rawValue,
            parameters: model.parameterCount, epochsTrained: trainer.epochsDone, bestEpoch: trainer.bestEpoch,
            testFloat: .init(floatTestMetrics, rooms: rooms),
            testInt8: int8Result, quantization: layerReports, memory: memory,
            scaling: config.scaling ?? .fixed, scaler: windows.scaler, testDecoded: decoded.isEmpty ? nil : decoded)
        try session.saveJSON(report, to: session.reportURL)
        onEvent(.finished(report, replayPredictions: replayDecoded?.rooms ?? replayPredictions, replayDecoder: replayDecoded?.decoder))
        return report
    }

    private func silentReceivers(in dataset: Dataset) -> [String: [String]] {
        var silent = [String: [String]]()
        for recording in dataset.recordings {
            let r = recording.receivers.count
            let names = recording.receivers.indices.filter { j in
                !stride(from: j, to: recording.rssi.count, by: r).contains { !recording.rssi[$0].isNaN }
            }.map { recording.receivers[$0] }
            if !names.isEmpty { silent[recording.name] = names }
        }
        return silent
    }
}
