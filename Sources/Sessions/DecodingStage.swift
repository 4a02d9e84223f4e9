import Compression
import Deploy
import Foundation
import Localisation
import Models

/// A classifier's test score after temporal decoding (docs/RESULTS.md, "Temporal decoding").
public struct DecodedResult: Codable, Sendable, Equatable {
    public var decoder: DecoderSpec
    /// The float decoder's rooms, scored like the undecoded predictions.
    public var result: ExperimentReport.SplitResult
    /// Test windows where the integer decoder chose another room than the float decoder.
    public var integerDifferences: Int
    /// The integer decoder's bytes on the chip at this lag (offline: the longest test recording − 1).
    public var footprint: DecoderFootprint
    /// Training transitions between rooms without a door, left out (`+plan` only).
    public var ruledOutTransitions: Int
    /// The integer decoder on the integer model's output codes, as the chip runs it (`cv --int8`).
    public var int8: ExperimentReport.SplitResult? = nil
    /// Test windows where that path differs from the float decoder's on the same codes dequantized.
    public var int8Differences: Int? = nil
}

/// An integer model's output codes for a set of windows, `codes[w·rooms + j]`, and their scale.
public struct IntegerScores: Sendable {
    public var codes: [Int32]
    public var rooms: Int
    public var scale: Float
    public var zeroPoint: Int32

    public init(codes: [Int32], output: TensorQuantization, rooms: Int) {
        precondition(rooms > 0 && codes.count % rooms == 0, "codes are whole rows of \(rooms) rooms")
        self.codes = codes
        self.rooms = rooms
        scale = output.scale
        zeroPoint = output.zeroPoint
    }

    /// The real logits the codes stand for.
    public var logits: [Float] { codes.map { scale * Float($0 - zeroPoint) } }

    /// Each window's room: the first largest code.
    public var predictions: [Int] {
        let c = rooms
        return (0..<(codes.count / c)).map { w in
            var best = 0
            for j in 1..<c where codes[w * c + j] > codes[w * c + best] { best = j }
            return best
        }
    }
}

extension ChipDecoder {
    /// The tables of `decoding`'s integer decoder for the C export, reading output codes of scale
    /// `scoreScale`, with `lag` rows of back-pointers.
    public init(_ decoding: TemporalDecoding, name: String, lag: Int, scoreScale: Float) {
        let integer = decoding.integer
        self.init(name: name, rooms: integer.rooms, lag: lag, logTransition: integer.logTransition, logPrior: integer.logPrior,
                  logClassifierPrior: integer.logClassifierPrior,
                  scoreMultiplier: integer.scaling(scoreScale: scoreScale).multiplier,
                  scoreShift: ScoreScaling.shift)
    }
}

/// Decoding after a trained classifier: transitions counted on the training windows, the test
/// windows decoded per recording in time order. Shared by a session's run and cross-validation.
public enum DecodingStage {
    /// Throws, before any training, for what would only fail after it: a `+plan` decoder without a
    /// plan or with a plan of other rooms, or a lag beyond a test recording's windows.
    public static func check(_ specs: [DecoderSpec], testWindowsPerRecording: [(name: String, windows: Int)],
                             plan: FloorPlan?, dataset: Dataset) throws {
        if specs.contains(where: \.usesFloorPlan) {
            guard let plan else { throw TemporalDecodingError.noFloorPlan(data: dataset.name) }
            _ = try RoomAdjacency(plan: plan, rooms: dataset.rooms)
        }
        for spec in specs {
            guard case .lag(let lag) = spec.mode else { continue }
            for (name, windows) in testWindowsPerRecording where lag > windows - 1 {
                throw TemporalDecodingError.lagBeyondRecording(lag: lag, recording: name, windows: windows)
            }
        }
    }

    /// `testLogits[w·rooms + j]` for every test window;
    /// `balancedClassifier`: the classifier was trained with class-balanced weights, so its
    /// posteriors carry a uniform prior rather than the training label frequencies;
    /// `integerScores`: the integer model's codes on the test windows, decoded as the chip would.
    public static func evaluate(_ specs: [DecoderSpec], train: WindowSet, test: WindowSet, testLogits: [Float],
                                integerScores: IntegerScores? = nil,
                                balancedClassifier: Bool, plan: FloorPlan?, dataset: Dataset) throws -> [DecodedResult] {
        let decoding = specs.filter { $0.mode != .none }
        guard !decoding.isEmpty else { return [] }
        let trainRuns = WindowRuns(train).labelRuns(train.labels)
        let testRuns = WindowRuns(test)
        let names = dataset.recordings.map(\.name)
        var counted: [Counting: RoomTransitions] = [:]
        return try decoding.map { spec in
            let decoder = try temporalDecoding(spec, trainRuns: trainRuns, balancedClassifier: balancedClassifier, plan: plan,
                                               dataset: dataset, counted: &counted)
            let decoded = try decoder.decode(logits: testLogits, runs: testRuns, mode: spec.mode, recordingNames: names)
            let metrics = ClassificationMetrics(predictions: decoded.rooms, labels: test.labels, roomCount: dataset.rooms.count)
            var result = DecodedResult(decoder: spec, result: .init(metrics, rooms: dataset.rooms),
                                       integerDifferences: zip(decoded.rooms, decoded.integerRooms).filter { $0 != $1 }.count,
                                       footprint: decoder.integer.footprint(lag: decoded.backPointerRows),
                                       ruledOutTransitions: decoder.transitions.ruledOut)
            if let integerScores {
                let chip = try decoder.decode(integerScores: integerScores.codes, scoreScale: integerScores.scale, runs: testRuns,
                                              mode: spec.mode, recordingNames: names)
                let reference = try decoder.decode(logits: integerScores.logits, runs: testRuns, mode: spec.mode, recordingNames: names)
                let chipMetrics = ClassificationMetrics(predictions: chip, labels: test.labels, roomCount: dataset.rooms.count)
                result.int8 = .init(chipMetrics, rooms: dataset.rooms)
                result.int8Differences = zip(chip, reference.rooms).filter { $0 != $1 }.count
            }
            return result
        }
    }

    /// The rooms the session's first decoder gives on `windows` (the replay's recording), from the
    /// integer model's codes as the chip decodes them; nil without a decoder. The decoder's name
    /// comes with them, for the screen to say what it shows.
    public static func replayRooms(_ specs: [DecoderSpec], train: WindowSet, windows: WindowSet, integerScores: IntegerScores,
                                   balancedClassifier: Bool, plan: FloorPlan?, dataset: Dataset) throws -> (decoder: String, rooms: [Int])? {
        guard let spec = specs.first(where: { $0.mode != .none }) else { return nil }
        var counted: [Counting: RoomTransitions] = [:]
        let decoder = try temporalDecoding(spec, trainRuns: WindowRuns(train).labelRuns(train.labels), balancedClassifier: balancedClassifier,
                                           plan: plan, dataset: dataset, counted: &counted)
        let rooms = try decoder.decode(integerScores: integerScores.codes, scoreScale: integerScores.scale, runs: WindowRuns(windows),
                                       mode: spec.mode, recordingNames: dataset.recordings.map(\.name))
        return (spec.description, rooms)
    }

    /// What a transition matrix is counted with: decoders that agree on it share one count.
    struct Counting: Hashable {
        var usesPlan: Bool
        var pseudoCount: Double
    }

    /// The decoder `spec` names, its transitions counted on `trainRuns` (or taken from `counted`).
    static func temporalDecoding(_ spec: DecoderSpec, trainRuns: [[Int]], balancedClassifier: Bool, plan: FloorPlan?,
                                 dataset: Dataset, counted: inout [Counting: RoomTransitions]) throws -> TemporalDecoding {
        let key = Counting(usesPlan: spec.usesFloorPlan, pseudoCount: spec.pseudoCount)
        if counted[key] == nil {
            var adjacency: RoomAdjacency?
            if spec.usesFloorPlan {
                guard let plan else { throw TemporalDecodingError.noFloorPlan(data: dataset.name) }
                adjacency = try RoomAdjacency(plan: plan, rooms: dataset.rooms)
            }
            counted[key] = try RoomTransitions.counted(runs: trainRuns, rooms: dataset.rooms, adjacency: adjacency,
                                                       pseudoCount: spec.pseudoCount)
        }
        let transitions = counted[key]!
        let uniform = [Double](repeating: 1 / Double(dataset.rooms.count), count: dataset.rooms.count)
        return TemporalDecoding(transitions: transitions,
                                classifierPrior: balancedClassifier && !spec.dividesByFrequencies ? uniform : transitions.prior,
                                emissionWeight: spec.emissionWeight)
    }

    /// The decoder `spec` as the chip runs it after a session's integer model (output codes of
    /// scale `scoreScale`): transitions counted on the session's training recordings. Only a fixed
    /// lag has a chip form; offline waits for the recording's end.
    public static func chipDecoder(_ spec: DecoderSpec, session config: SessionConfig, scoreScale: Float) throws -> ChipDecoder {
        guard case .lag(let lag) = spec.mode else {
            throw TemporalDecodingError.notOnChip(decoder: spec.description)
        }
        let (dataset, plan) = try config.data.load(seed: config.seed)
        let (split, _) = try config.resolvedSplit(dataset: dataset)
        let train = makeWindows(dataset: dataset, recordings: split.train, config: config.windowConfig)
        return try chipDecoder(spec, lag: lag, train: train, balancedClassifier: config.training.balanceClasses, plan: plan,
                               dataset: dataset, scoreScale: scoreScale)
    }

    /// The chip decoder of the first fixed-lag decoder in `specs` (nil when there is none), for the
    /// RAM plan of a run.
    public static func chipDecoder(firstLagIn specs: [DecoderSpec], train: WindowSet, balancedClassifier: Bool, plan: FloorPlan?,
                                   dataset: Dataset, scoreScale: Float) throws -> ChipDecoder? {
        for spec in specs {
            guard case .lag(let lag) = spec.mode else { continue }
            return try chipDecoder(spec, lag: lag, train: train, balancedClassifier: balancedClassifier, plan: plan, dataset: dataset,
                                   scoreScale: scoreScale)
        }
        return nil
    }

    private static func chipDecoder(_ spec: DecoderSpec, lag: Int, train: WindowSet, balancedClassifier: Bool, plan: FloorPlan?,
                                    dataset: Dataset, scoreScale: Float) throws -> ChipDecoder {
        var counted: [Counting: RoomTransitions] = [:]
        let decoding = try temporalDecoding(spec, trainRuns: WindowRuns(train).labelRuns(train.labels), balancedClassifier: balancedClassifier,
                                            plan: plan, dataset: dataset, counted: &counted)
        return ChipDecoder(decoding, name: spec.description, lag: lag, scoreScale: scoreScale)
    }
}
