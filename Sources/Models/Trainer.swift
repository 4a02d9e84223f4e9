import Foundation
import TinyNN
import TinyTensor

public struct TrainingConfig: Codable, Sendable, Equatable {
    public var epochs: Int = 40
    public var batchSize: Int = 64
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 0
    /// Stop when validation macro-F1 has not improved for this many epochs.
    public var patience: Int = 10
    /// Weight the loss by inverse room frequency (rooms visited briefly still count).
    public var balanceClasses: Bool = true
    /// Probability of silencing each receiver for a whole training window (0 = off).
    public var receiverDropout: Float = 0
    /// Standard deviation, in dB, of Gaussian noise added to each heard RSSI reading of a training
    /// window (0 = off); validation and test windows are never perturbed.
    public var rssiNoiseDB: Float = 0
    /// Which weights training ends with; early stopping watches the best epoch either way.
    public var keptWeights: KeptWeights = .best

    /// Whether training windows change from epoch to epoch, so a teacher's outputs on them cannot
    /// be computed once ahead.
    public var augmentsInputs: Bool { receiverDropout > 0 || rssiNoiseDB > 0 }

    public enum KeptWeights: String, Codable, Sendable {
        /// The epoch with the best validation macro-F1 (the usual early-stopping rule).
        case best
        /// The last epoch trained: `patience` epochs past the best, or the epoch limit. On SPHERE the
        /// validation recording is one recording, and its best epoch is a noisy pick (docs/RESULTS.md).
        case last
    }

    public init(epochs: Int = 40, batchSize: Int = 64, learningRate: Float = 1e-3, weightDecay: Float = 0,
                patience: Int = 10, balanceClasses: Bool = true, receiverDropout: Float = 0, rssiNoiseDB: Float = 0,
                keptWeights: KeptWeights = .best) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.patience = patience
        self.balanceClasses = balanceClasses
        self.receiverDropout = receiverDropout
        self.rssiNoiseDB = rssiNoiseDB
        self.keptWeights = keptWeights
    }
}

/// One line of the learning curve.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Float
    public var trainF1: Double
    public var validationLoss: Float
    public var validationF1: Double
    public var validationAccuracy: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Float, trainF1: Double, validationLoss: Float, validationF1: Double,
                validationAccuracy: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainF1 = trainF1
        self.validationLoss = validationLoss
        self.validationF1 = validationF1
        self.validationAccuracy = validationAccuracy
        self.seconds = seconds
    }
}

/// Everything needed to continue training exactly where it stopped: weights, optimizer moments,
/// and the early-stopping bookkeeping. Randomness is re-derived from (seed, epoch), so no RNG
/// state needs saving for a resumed run to match an uninterrupted one.
public struct TrainerState: Sendable {
    public var epochsDone: Int
    public var optimizerStep: Int
    public var bestF1: Double
    public var bestEpoch: Int
    public var parameters: [[Float]]
    public var firstMoments: [[Float]]
    public var secondMoments: [[Float]]
    /// The weights training ends with (`TrainingConfig.keptWeights`): the best epoch's, or the last's.
    public var bestParameters: [[Float]]
    public var parameterNames: [String]

    public init(epochsDone: Int, optimizerStep: Int, bestF1: Double, bestEpoch: Int, parameters: [[Float]],
                firstMoments: [[Float]], secondMoments: [[Float]], bestParameters: [[Float]], parameterNames: [String]) {
        self.epochsDone = epochsDone
        self.optimizerStep = optimizerStep
        self.bestF1 = bestF1
        self.bestEpoch = bestEpoch
        self.parameters = parameters
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
        self.bestParameters = bestParameters
        self.parameterNames = parameterNames
    }

    /// The state of a trainer whose network holds `parameters` and whose optimizer is `optimizer`.
    init(parameters: [Parameter], optimizer: Adam, epochsDone: Int, bestF1: Double, bestEpoch: Int, bestParameters: [[Float]]) {
        self.init(epochsDone: epochsDone, optimizerStep: optimizer.step, bestF1: bestF1, bestEpoch: bestEpoch,
                  parameters: parameters.map { $0.value.array },
                  firstMoments: optimizer.firstMoments.map { $0.array },
                  secondMoments: optimizer.secondMoments.map { $0.array },
                  bestParameters: bestParameters, parameterNames: parameters.map(\.name))
    }

    /// Puts the saved weights into `parameters` and the saved moments into `optimizer`; throws,
    /// changing nothing, if the state was saved from a different network.
    func load(into parameters: [Parameter], optimizer: Adam) throws {
        let names = parameters.map(\.name)
        let counts = parameters.map(\.count)
        guard parameterNames == names, self.parameters.map(\.count) == counts, bestParameters.map(\.count) == counts,
              firstMoments.map(\.count) == counts, secondMoments.map(\.count) == counts else {
            throw TrainerError.mismatchedState(expected: names, found: parameterNames)
        }
        Self.copy(self.parameters, into: parameters)
        optimizer.restore(step: optimizerStep, first: firstMoments, second: secondMoments)
    }

    /// Overwrites each parameter's values with the matching array.
    public static func copy(_ values: [[Float]], into parameters: [Parameter]) {
        for (p, v) in zip(parameters, values) { _ = p.value.buffer.update(fromContentsOf: v) }
    }
}

/// The early-stopping bookkeeping both trainers keep between epochs: epochs done, the best
/// validation macro-F1 and its epoch, and the weights training ends with (`keptWeights`).
struct EpochBookkeeping {
    private(set) var epochsDone = 0
    private(set) var bestF1: Double = -1
    private(set) var bestEpoch = 0
    private var keptParameters: [[Float]]
    private let parameters: [Parameter]
    private let kept: TrainingConfig.KeptWeights

    /// Starts from the weights `parameters` hold now.
    init(parameters: [Parameter], kept: TrainingConfig.KeptWeights) {
        self.parameters = parameters
        self.kept = kept
        keptParameters = parameters.map { $0.value.array }
    }

    mutating func finish(epoch: Int, validationF1: Double) {
        epochsDone = epoch
        if validationF1 > bestF1 {
            bestF1 = validationF1
            bestEpoch = epoch
        }
        if bestEpoch == epoch || kept == .last { keptParameters = parameters.map { $0.value.array } }
    }

    func restoreKept() { TrainerState.copy(keptParameters, into: parameters) }

    func state(optimizer: Adam) -> TrainerState {
        TrainerState(parameters: parameters, optimizer: optimizer, epochsDone: epochsDone, bestF1: bestF1,
                     bestEpoch: bestEpoch, bestParameters: keptParameters)
    }

    /// Continues from a saved state. Throws, changing nothing, if it belongs to a different network.
    mutating func restore(_ state: TrainerState, optimizer: Adam) throws {
        try state.load(into: parameters, optimizer: optimizer)
        epochsDone = state.epochsDone
        bestF1 = state.bestF1
        bestEpoch = state.bestEpoch
        keptParameters = state.bestParameters
    }
}

/// How far the epoch in progress has got: training windows done of all, then validating.
public struct EpochProgress: Equatable, Sendable {
    public var epoch: Int
    public var windowsDone: Int
    public var windows: Int
    public var validating: Bool

    public init(epoch: Int, windowsDone: Int, windows: Int, validating: Bool = false) {
        self.epoch = epoch
        self.windowsDone = windowsDone
        self.windows = windows
        self.validating = validating
    }

    public var fraction: Double { windows == 0 ? 0 : Double(windowsDone) / Double(windows) }
}

/// Pause and stop requests from another thread (the TUI), checked between batches; the trainer
/// reports its progress through the epoch here, so a slow epoch (a large model) shows it is moving.
public final class TrainingControl: @unchecked Sendable {
    private let condition = NSCondition()
    private var paused = false
    private var stopped = false
    private var current: EpochProgress?

    public init() {}

    public var isPaused: Bool { condition.withLock { paused } }
    public var isStopped: Bool { condition.withLock { stopped } }
    /// The epoch in progress, nil between epochs.
    public var progress: EpochProgress? { condition.withLock { current } }

    func report(_ progress: EpochProgress?) {
        condition.withLock { current = progress }
    }

    public func setPaused(_ value: Bool) {
        condition.withLock {
            paused = value
            condition.broadcast()
        }
    }

    public func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    /// Blocks while paused; returns false when training should stop.
    func waitIfPaused() -> Bool {
        condition.withLock {
            while paused && !stopped { condition.wait() }
            return !stopped
        }
    }
}

/// What quantization-aware training changes about a training step: the forward and backward passes
/// see the weights as the integer model will hold them, while the optimizer updates the float
/// weights they come from (the straight-through estimator). `project` puts the fake-quantized
/// weights in place and keeps the float ones; `restore` puts the float ones back.
public protocol WeightProjection: AnyObject {
    func project()
    func restore()
}

/// Mini-batch training with Adam and early stopping on validation macro-F1. A model with a CRF
/// (`SequenceLabeller.labelsSteps`) trains on the CRF NLL of the step labels instead of the
/// window cross-entropy; the NLL has no class weights.
public final class Trainer {
    public let model: ClassifierModel
    public let config: TrainingConfig
    public let classes: Int
    private let train: LabelledWindows
    private let validation: LabelledWindows
    private let seed: UInt64
    private let optimizer: Adam
    private let loss: SoftmaxCrossEntropy
    private let batch: Tensor
    private let classWeights: [Float]?
    /// Set when the model is a student distilled from a teacher.
    private let distiller: Distiller?
    private let labeller: SequenceLabeller?
    private let projection: WeightProjection?

    private var bookkeeping: EpochBookkeeping
    public var epochsDone: Int { bookkeeping.epochsDone }
    public var bestF1: Double { bookkeeping.bestF1 }
    public var bestEpoch: Int { bookkeeping.bestEpoch }
    /// The validation predictions of the last epoch (the replay shows them as training goes).
    public private(set) var lastValidationPredictions: [Int] = []

    public init(model: ClassifierModel, config: TrainingConfig, classes: Int,
                train: LabelledWindows, validation: LabelledWindows, seed: UInt64, distillation: Distillation? = nil,
                projection: WeightProjection? = nil) {
        precondition(train.count > 0, "no training windows")
        self.model = model
        self.config = config
        self.classes = classes
        self.train = train
        self.validation = validation
        self.seed = seed
        optimizer = Adam(parameters: model.parameters, learningRate: config.learningRate, weightDecay: config.weightDecay)
        loss = SoftmaxCrossEntropy(classes: classes)
        batch = Tensor([config.batchSize, train.steps, train.features])
        distiller = distillation.map { Distiller($0, classes: classes, batchSize: config.batchSize) }
        labeller = crfLabeller(model)
        self.projection = projection
        precondition(labeller == nil || distillation == nil, "a CRF model trains on step labels, not by distillation")
        cutUntrainedInputs(of: model, silentFeatures: train.silentFeatures)
        bookkeeping = EpochBookkeeping(parameters: model.parameters, kept: config.keptWeights)
        classWeights = config.classWeights(labels: train.labels, classes: classes)
    }

    public var isFinished: Bool { config.isFinished(epochsDone: epochsDone, bestEpoch: bestEpoch) }

    /// Trains one epoch and evaluates on the validation windows. Returns nil if stopped mid-epoch
    /// (the epoch's partial updates are then discarded by the caller reloading its checkpoint).
    public func runEpoch(control: TrainingControl? = nil) -> EpochRecord? {
        let started = Date()
        let epoch = epochsDone + 1
        control?.report(EpochProgress(epoch: epoch, windowsDone: 0, windows: train.count))
        defer { control?.report(nil) }
        model.reseed(epoch: epoch)
        var order = Array(0..<train.count)
        var shuffleRNG = SeededRNG(seed: seed).split(UInt64(epoch))
        var augmentRNG = SeededRNG(seed: seed).split(UInt64(1 << 32) + UInt64(epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffleRNG.int(below: i + 1)) }

        var lossSum: Double = 0
        var trainPredicted = [Int]()
        trainPredicted.reserveCapacity(train.count)
        var trainLabels = [Int]()
        trainLabels.reserveCapacity(train.count)
        var start = 0
        while start < order.count {
            if let control, !control.waitIfPaused() { return nil }
            let rows = min(config.batchSize, order.count - start)
            let indices = order[start..<(start + rows)]
            train.gather(indices, into: batch)
            train.silenceReceivers(in: batch, rows: rows, probability: config.receiverDropout, rng: &augmentRNG)
            train.perturbRSSI(in: batch, rows: rows, sigmaDB: config.rssiNoiseDB, rng: &augmentRNG)
            let labels = indices.map { train.labels[$0] }
            optimizer.zeroGradients()
            projection?.project()
            let logits = model.forward(batch, rows: rows, training: true)
            if let labeller {
                lossSum += Double(labeller.crfStep(tags: train.stepLabels(indices), batch: rows)) * Double(rows)
                trainPredicted.append(contentsOf: labeller.windowRooms(batch: rows, steps: train.steps, classes: classes))
            } else {
                let batchLoss = distiller?.forward(logits, inputs: batch, indices: indices, labels: labels, rows: rows, classWeights: classWeights)
                    ?? loss.forward(logits, labels: labels, rows: rows, classWeights: classWeights)
                lossSum += Double(batchLoss) * Double(rows)
                for r in 0..<rows {
                    trainPredicted.append(argmax(UnsafeBufferPointer(start: logits.data + r * classes, count: classes)))
                }
                model.backward(distiller?.backward(rows: rows) ?? loss.backward(rows: rows), rows: rows)
            }
            trainLabels.append(contentsOf: labels)
            projection?.restore()
            optimizer.update()
            start += rows
            control?.report(EpochProgress(epoch: epoch, windowsDone: start, windows: order.count))
        }
        control?.report(EpochProgress(epoch: epoch, windowsDone: order.count, windows: order.count, validating: true))
        // Under quantization-aware training the model is judged (and kept) as it will run.
        projection?.project()
        let validationPredictions = predict(model, on: validation, classes: classes)
        projection?.restore()
        let validationMetrics = ClassificationMetrics(predictions: validationPredictions.predicted, labels: validation.labels, roomCount: classes)
        let trainMetrics = ClassificationMetrics(predictions: trainPredicted, labels: trainLabels, roomCount: classes)
        lastValidationPredictions = validationPredictions.predicted
        bookkeeping.finish(epoch: epoch, validationF1: validationMetrics.macroF1)
        return EpochRecord(epoch: epoch, trainLoss: Float(lossSum / Double(train.count)), trainF1: trainMetrics.macroF1,
                           validationLoss: validationPredictions.loss, validationF1: validationMetrics.macroF1,
                           validationAccuracy: validationMetrics.accuracy, seconds: Date().timeIntervalSince(started))
    }

    /// Loads the weights training ends with into the model: the best-on-validation epoch's, or
    /// the last epoch's with `keptWeights` `.last`.
    public func restoreBest() {
        bookkeeping.restoreKept()
    }

    public func state() -> TrainerState { bookkeeping.state(optimizer: optimizer) }

    /// Continues from a saved state. Throws if the state belongs to a different network.
    public func restore(_ state: TrainerState) throws { try bookkeeping.restore(state, optimizer: optimizer) }
}

public enum TrainerError: Error, CustomStringConvertible {
    case mismatchedState(expected: [String], found: [String])
    public var description: String {
        switch self {
        case let .mismatchedState(expected, found):
            return "checkpoint does not match the model: it holds parameters \(found), the model has \(expected)"
        }
    }
}

extension TrainingConfig {
    /// With `balanceClasses`, w_c = N / (present · n_c) over the training labels, so the mean weight
    /// over training windows is 1 and an absent room weighs 0; nil (every window weighs 1) otherwise.
    func classWeights(labels: [Int], classes: Int) -> [Float]? {
        guard balanceClasses else { return nil }
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[label] += 1 }
        let present = counts.filter { $0 > 0 }.count
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(present * $0) }
    }

    /// Early stopping: the epoch limit, or `patience` epochs without a better validation score.
    func isFinished(epochsDone: Int, bestEpoch: Int) -> Bool {
        epochsDone >= epochs || (epochsDone - bestEpoch >= patience && epochsDone > 0)
    }
}

/// A feature that is 0 throughout training (SPHERE's Study_AP, heard in one recording only) never
/// moves the weights that read it: they keep their random start. Zeroed, a receiver first heard at
/// test time cannot add that untrained noise to every prediction; a RandomForest ignores such a
/// feature by construction. Training is unchanged: those weights only ever multiplied zeros.
func cutUntrainedInputs(of model: ClassifierModel, silentFeatures: [Int]) {
    if !silentFeatures.isEmpty { model.zeroInputWeights(reading: silentFeatures) }
}

/// The features of `x` ([rows, features] row-major) that are 0 in every row.
public func silentFeatures(_ x: [Float], features: Int) -> [Int] {
    var heard = [Bool](repeating: false, count: features)
    for (index, value) in x.enumerated() where value != 0 { heard[index % features] = true }
    return heard.indices.filter { !heard[$0] }
}
