import Foundation
import TinyNN
import TinyTensor

/// Trains a Mamba to keep its state across the windows of a recording (`AcrossWindowsConfig`):
/// Adam on the class-balanced cross-entropy of the window readouts in each segment, receiver
/// dropout per segment, and early stopping on the validation recordings' macro-F1, each streamed
/// whole from one reset as the chip runs it. The epoch bookkeeping is the `Trainer`'s.
public final class AcrossWindowsTrainer {
    public let model: Mamba
    public let config: TrainingConfig
    public let acrossWindows: AcrossWindowsConfig
    public let classes: Int
    private let train: [RecordingStream]
    private let validation: [RecordingStream]
    private let segments: [Segment]
    private let segmentSteps: Int
    /// Segments per optimizer step: about `batchSize` scored windows, as the windowed trainer has.
    private let segmentsPerBatch: Int
    private let seed: UInt64
    private let optimizer: Adam
    private let loss: SoftmaxCrossEntropy
    private let runner: MambaSegments
    private let batch: Tensor
    private let classWeights: [Float]?
    private let trainWindows: Int

    private var bookkeeping: EpochBookkeeping
    public var epochsDone: Int { bookkeeping.epochsDone }
    public var bestF1: Double { bookkeeping.bestF1 }
    public var bestEpoch: Int { bookkeeping.bestEpoch }
    /// The validation predictions of the last epoch, in the order of the validation windows the
    /// streams' readouts index (the replay shows them as training goes).
    public private(set) var lastValidationPredictions: [Int] = []

    /// `hop`: steps between window starts (segments are cut in hops).
    public init(model: Mamba, config: TrainingConfig, acrossWindows: AcrossWindowsConfig, hop: Int, classes: Int,
                train: [RecordingStream], validation: [RecordingStream], seed: UInt64) {
        precondition(train.contains { !$0.readouts.isEmpty }, "no training windows")
        self.model = model
        self.config = config
        self.acrossWindows = acrossWindows
        self.classes = classes
        self.train = train
        self.validation = validation
        self.seed = seed
        segments = Models.segments(of: train, config: acrossWindows, hop: hop)
        segmentSteps = acrossWindows.segmentSteps(hop: hop)
        segmentsPerBatch = max(1, config.batchSize / acrossWindows.windowsPerSegment)
        optimizer = Adam(parameters: model.parameters, learningRate: config.learningRate, weightDecay: config.weightDecay)
        loss = SoftmaxCrossEntropy(classes: classes)
        runner = MambaSegments(model)
        batch = Tensor([segmentsPerBatch, segmentSteps, model.shape.features])
        cutUntrainedInputs(of: model, silentFeatures: silentFeatures(train.flatMap(\.x), features: model.shape.features))
        bookkeeping = EpochBookkeeping(parameters: model.parameters, kept: config.keptWeights)
        let labels = train.flatMap { $0.readouts.map(\.label) }
        trainWindows = labels.count
        classWeights = config.classWeights(labels: labels, classes: classes)
    }

    public var isFinished: Bool { config.isFinished(epochsDone: epochsDone, bestEpoch: bestEpoch) }

    /// Trains one epoch over every segment in a seeded order, then streams the validation
    /// recordings. nil when stopped mid-epoch.
    public func runEpoch(control: TrainingControl? = nil) -> EpochRecord? {
        let started = Date()
        let epoch = epochsDone + 1
        control?.report(EpochProgress(epoch: epoch, windowsDone: 0, windows: trainWindows))
        defer { control?.report(nil) }
        var order = Array(segments.indices)
        var shuffleRNG = SeededRNG(seed: seed).split(UInt64(epoch))
        var augmentRNG = SeededRNG(seed: seed).split(UInt64(1 << 32) + UInt64(epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffleRNG.int(below: i + 1)) }
        let f = model.shape.features
        var lossSum: Double = 0, windowsDone = 0
        var trainPredicted: [Int] = [], trainLabels: [Int] = []
        var start = 0
        while start < order.count {
            if let control, !control.waitIfPaused() { return nil }
            let count = min(segmentsPerBatch, order.count - start)
            var readoutRows: [Int] = [], labels: [Int] = []
            for (b, index) in order[start..<(start + count)].enumerated() {
                let segment = segments[index], stream = train[segment.stream]
                let target = batch.data + b * segmentSteps * f
                // A stream shorter than a segment is padded after its end: the model is causal,
                // so the padding never reaches a readout.
                let available = min(segmentSteps, stream.steps - segment.start)
                stream.x.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + segment.start * f, count: available * f) }
                (target + available * f).update(repeating: 0, count: (segmentSteps - available) * f)
                for group in stream.receiverFeatures where config.receiverDropout > 0 && augmentRNG.uniform() < config.receiverDropout {
                    for k in 0..<segmentSteps { for feature in group { target[k * f + feature] = 0 } }
                }
                for readout in stream.readouts[segment.readouts] {
                    readoutRows.append(b * segmentSteps + readout.step - segment.start)
                    labels.append(readout.label)
                }
            }
            optimizer.zeroGradients()
            let logits = runner.forward(batch, segments: count, steps: segmentSteps, readoutRows: readoutRows)
            lossSum += Double(loss.forward(logits, labels: labels, rows: labels.count, classWeights: classWeights)) * Double(labels.count)
            for r in 0..<labels.count {
                trainPredicted.append(argmax(UnsafeBufferPointer(start: logits.data + r * classes, count: classes)))
            }
            trainLabels.append(contentsOf: labels)
            runner.backward(loss.backward(rows: labels.count))
            optimizer.update()
            start += count
            windowsDone += labels.count
            control?.report(EpochProgress(epoch: epoch, windowsDone: windowsDone, windows: trainWindows))
        }
        control?.report(EpochProgress(epoch: epoch, windowsDone: trainWindows, windows: trainWindows, validating: true))
        let validationScore = evaluate(validation)
        lastValidationPredictions = validationScore.byWindow
        let trainMetrics = ClassificationMetrics(predictions: trainPredicted, labels: trainLabels, roomCount: classes)
        bookkeeping.finish(epoch: epoch, validationF1: validationScore.metrics.macroF1)
        return EpochRecord(epoch: epoch, trainLoss: Float(lossSum / Double(max(trainWindows, 1))), trainF1: trainMetrics.macroF1,
                           validationLoss: validationScore.loss, validationF1: validationScore.metrics.macroF1,
                           validationAccuracy: validationScore.metrics.accuracy, seconds: Date().timeIntervalSince(started))
    }

    /// The streams' readouts scored as the chip would produce them: macro-F1 and mean (unweighted)
    /// cross-entropy.
    func evaluate(_ streams: [RecordingStream]) -> (metrics: ClassificationMetrics, loss: Float, byWindow: [Int]) {
        var predicted: [Int] = [], labels: [Int] = [], windows: [Int] = []
        var lossSum: Double = 0
        for stream in streams where !stream.readouts.isEmpty {
            let logits = model.streamedLogits(stream)
            for (r, readout) in stream.readouts.enumerated() {
                let row = Array(logits[(r * classes)..<((r + 1) * classes)])
                predicted.append(argmax(row))
                labels.append(readout.label)
                windows.append(readout.window)
                let top = row.max()!
                let logSum = top + logf(row.reduce(0) { $0 + expf($1 - top) })
                lossSum += Double(logSum - row[readout.label])
            }
        }
        var byWindow = [Int](repeating: 0, count: (windows.max() ?? -1) + 1)
        for (window, room) in zip(windows, predicted) { byWindow[window] = room }
        return (ClassificationMetrics(predictions: predicted, labels: labels, roomCount: classes),
                labels.isEmpty ? .nan : Float(lossSum / Double(labels.count)), byWindow)
    }

    /// Loads the weights training ends with (`TrainingConfig.keptWeights`).
    public func restoreBest() {
        bookkeeping.restoreKept()
    }

    public func state() -> TrainerState { bookkeeping.state(optimizer: optimizer) }

    /// Continues from a saved state. Throws if the state belongs to a different network.
    public func restore(_ state: TrainerState) throws { try bookkeeping.restore(state, optimizer: optimizer) }
}

/// What a session or a cross-validation needs of a training loop, whichever data it walks
/// (windows, or segments of recordings across windows).
public protocol EpochTraining: AnyObject {
    var config: TrainingConfig { get }
    var isFinished: Bool { get }
    var epochsDone: Int { get }
    var bestEpoch: Int { get }
    var bestF1: Double { get }
    var lastValidationPredictions: [Int] { get }
    func runEpoch(control: TrainingControl?) -> EpochRecord?
    func restoreBest()
    func state() -> TrainerState
    func restore(_ state: TrainerState) throws
}

extension Trainer: EpochTraining {}
extension AcrossWindowsTrainer: EpochTraining {}
