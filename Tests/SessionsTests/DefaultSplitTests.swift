import Foundation
import Localisation
import XCTest
@testable import Sessions

/// The split a session gets when none is named: validation and test must hear the receivers
/// training hears. Expected recordings are worked out here from the raw readings, not by the rule.
final class DefaultSplitTests: XCTestCase {
    /// Names of the receivers that heard at least one packet in the recording.
    private func heard(_ recording: Recording) -> Set<String> {
        let r = recording.receivers.count
        return Set(recording.receivers.indices.filter { j in
            (0..<recording.packetCount).contains { !recording.rssi[$0 * r + j].isNaN }
        }.map { recording.receivers[$0] })
    }

    /// Two packets per second for 60 s; `silent` receivers never hear, the others always do.
    private func recording(_ name: String, silent: Set<Int>) -> Recording {
        let receivers = ["A", "B", "C"]
        let times = (0..<120).map { Double($0) / 2 }
        let rssi = times.indices.flatMap { _ in receivers.indices.map { silent.contains($0) ? Float.nan : -70 } }
        return Recording(name: name, receivers: receivers, times: times, rssi: rssi, accel: nil,
                         intervals: [RoomInterval(start: 0, end: 60, room: 0)])
    }

    func testRecordingsWithAMissingOrAnExtraReceiverTrainInsteadOfBeingHeldOut() throws {
        // r5 lacks B, r6 is the only one to hear C: the old rule would have validated on r5, tested on r6.
        let recordings = [recording("r1", silent: [2]), recording("r2", silent: [2]), recording("r3", silent: [2]),
                          recording("r4", silent: [2]), recording("r5", silent: [1, 2]), recording("r6", silent: [])]
        let dataset = Dataset(name: "toy", rooms: ["room"], receivers: ["A", "B", "C"], recordings: recordings)
        let (split, note) = try SessionConfig(name: "t").resolvedSplit(dataset: dataset)
        XCTAssertEqual(split, .init(train: [0, 1, 4, 5], validation: [2], test: [3]))
        let text = try XCTUnwrap(note)
        XCTAssertEqual(text, "default split: r5 (no B), r6 (+ C) train; val r3, test r4 hear the receivers most recordings hear (A, B)")

        var old = SessionConfig(name: "t")
        old.defaultSplit = .lastTwo
        XCTAssertEqual(try old.resolvedSplit(dataset: dataset).split, .init(train: [0, 1, 2, 3], validation: [4], test: [5]))
        // Two recordings hearing the same receivers leave nothing to choose from: the last two, said plainly.
        let few = Dataset(name: "few", rooms: ["room"], receivers: ["A", "B", "C"], recordings: [
            recording("f1", silent: [2]), recording("f2", silent: [2]), recording("f3", silent: [1]), recording("f4", silent: []),
        ])
        let fallback = try SessionConfig(name: "t").resolvedSplit(dataset: few)
        XCTAssertEqual(fallback.split, .init(train: [0, 1], validation: [2], test: [3]))
        XCTAssertEqual(fallback.note, "default split: val f3, test f4, the last two; too few recordings hear the same receivers to choose from")

        // A split that was typed is kept, odd recordings or not.
        old.splitSpec = SplitSpec(validation: "r5", test: "r6")
        XCTAssertEqual(try old.resolvedSplit(dataset: dataset).split, .init(train: [0, 1, 2, 3], validation: [4], test: [5]))
    }

    func testDefaultSphereSplitHoldsOutRecordingsThatHearWhatTrainingHears() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/sphere")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("train").path) else {
            throw XCTSkip("SPHERE data not found at \(folder.path)")
        }
        var config = SessionConfig(name: "sphere")
        config.data = try .real(path: folder.path)
        let (dataset, _) = try config.data.load(seed: config.seed)
        let sets = dataset.recordings.map(heard)
        let (split, note) = try config.resolvedSplit(dataset: dataset)

        let seenInTraining = split.train.reduce(into: Set<String>()) { $0.formUnion(sets[$1]) }
        // The receivers most recordings hear, counted here over the raw readings.
        let usual = try XCTUnwrap(sets.max { a, b in sets.filter { $0 == a }.count < sets.filter { $0 == b }.count })
        XCTAssertGreaterThan(sets.filter { $0 == usual }.count, sets.count / 2)
        for index in split.validation + split.test {
            let name = dataset.recordings[index].name
            XCTAssertTrue(sets[index].isSubset(of: seenInTraining), "\(name) hears a receiver training never heard")
            XCTAssertEqual(sets[index], usual, "\(name) misses a receiver most recordings hear, or adds one")
        }
        // The last two such recordings, so the rest of the data keeps its old roles.
        let typical = sets.indices.filter { sets[$0] == usual }
        XCTAssertEqual(split.validation + split.test, Array(typical.suffix(2)))
        XCTAssertEqual(Set(split.train), Set(sets.indices).subtracting(split.validation + split.test))
        let odd = sets.indices.filter { sets[$0] != usual }.map { dataset.recordings[$0].name }
        XCTAssertFalse(odd.isEmpty, "SPHERE has recordings with other receivers (00006, 00007)")
        for name in odd { XCTAssertTrue(try XCTUnwrap(note).contains(name), "the note names \(name)") }
    }

    func testDefaultSimulatedHomeHoldsOutRecordingsWithEveryReceiverWorking() throws {
        // Seed 1's last recording used to lose Lounge_AP all day, which made the default demo right 4 times in 10.
        var config = SessionConfig(name: "sim")
        // Outages come from their own random stream, so shorter recordings lose the same receivers.
        config.data.minutesPerRecording = 10
        let (dataset, _) = try config.data.load(seed: config.seed)
        let (split, note) = try config.resolvedSplit(dataset: dataset)
        let n = dataset.recordings.count
        XCTAssertEqual(split, .init(train: Array(0..<(n - 2)), validation: [n - 2], test: [n - 1]))
        for index in split.validation + split.test {
            XCTAssertEqual(heard(dataset.recordings[index]), Set(dataset.receivers), dataset.recordings[index].name)
        }
        XCTAssertNil(note)
    }
}

final class SilentReceiverNoticeTests: XCTestCase {
    func testOnlyAReceiverTrainingUsuallyHearsIsWorthAWarning() throws {
        let dataset = Dataset(name: "toy", rooms: ["room"], receivers: ["A", "B", "C"], recordings: [
            ("r1", [2]), ("r2", [2]), ("r3", []), ("t", [1, 2]),
        ].map { name, silent in
            Recording(name: name, receivers: ["A", "B", "C"], times: [0, 1],
                      rssi: [0, 1].flatMap { _ in (0..<3).map { silent.contains($0) ? Float.nan : -70 } }, accel: nil,
                      intervals: [RoomInterval(start: 0, end: 1, room: 0)])
        })
        let summary = ExperimentReport.DataSummary(
            source: "toy", rooms: ["room"], receivers: ["A", "B", "C"], recordings: ["r1", "r2", "r3", "t"],
            trainRecordings: ["r1", "r2"], validationRecordings: ["r3"], testRecordings: ["t"], trainWindows: 0,
            validationWindows: 0, testWindows: 0, features: 0, steps: 0,
            silentReceivers: ["r1": ["C"], "r2": ["C"], "t": ["B", "C"]], coverage: ReceiverCoverage.table(dataset))
        // Both training recordings hear B, neither hears C.
        XCTAssertEqual(summary.silentButHeardInTraining("t"), ["B"])
        XCTAssertNil(summary.silentButHeardInTraining("r3"))
    }
}
