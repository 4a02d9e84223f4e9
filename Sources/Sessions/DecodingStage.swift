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
    /// posteriors carry a uniform prior rather than the training label frequencies.
    public static func evaluate(_ specs: [DecoderSpec], train: WindowSet, test: WindowSet, testLogits: [Float],
                                balancedClassifier: Bool, plan: FloorPlan?, dataset: Dataset) throws -> [DecodedResult] {
        let decoding = specs.filter { $0.mode != .none }
        guard !decoding.isEmpty else { return [] }
        let trainRuns = WindowRuns(train).labelRuns(train.labels)
        let testRuns = WindowRuns(test)
        var transitions: [Bool: RoomTransitions] = [:]
        for usesPlan in Set(decoding.map(\.usesFloorPlan)) {
            var adjacency: RoomAdjacency?
            if usesPlan {
                guard let plan else { throw TemporalDecodingError.noFloorPlan(data: dataset.name) }
                adjacency = try RoomAdjacency(plan: plan, rooms: dataset.rooms)
            }
            transitions[usesPlan] = try RoomTransitions.counted(runs: trainRuns, rooms: dataset.rooms, adjacency: adjacency)
        }
        let uniform = [Double](repeating: 1 / Double(dataset.rooms.count), count: dataset.rooms.count)
        return try decoding.map { spec in
            let counted = transitions[spec.usesFloorPlan]!
            let decoder = TemporalDecoding(transitions: counted,
                                           classifierPrior: balancedClassifier && !spec.dividesByFrequencies ? uniform : counted.prior)
            let decoded = try decoder.decode(logits: testLogits, runs: testRuns, mode: spec.mode,
                                             recordingNames: dataset.recordings.map(\.name))
            let metrics = ClassificationMetrics(predictions: decoded.rooms, labels: test.labels, roomCount: dataset.rooms.count)
            return DecodedResult(decoder: spec, result: .init(metrics, rooms: dataset.rooms),
                                 integerDifferences: zip(decoded.rooms, decoded.integerRooms).filter { $0 != $1 }.count,
                                 footprint: decoder.integer.footprint(lag: decoded.backPointerRows),
                                 ruledOutTransitions: decoder.transitions.ruledOut)
        }
    }
}
