import Deploy
import Localisation
import Models
import XCTest
@testable import Sessions

/// Leave-one-recording-out folds, split specs by recording, and scaling fitted on training only.
final class CrossValidationTests: XCTestCase {
    /// Two rooms, two receivers; in each recording the wearer is in room 0 for the first half
    /// (receiver A loud) and room 1 for the second (receiver B loud). 10 packets per second.
    private func twoRoomDataset(recordings: Int, seconds: Double = 40) -> Dataset {
        let items = (0..<recordings).map { k -> Recording in
            var times: [Double] = [], rssi: [Float] = [], accel: [Float] = []
            var rng = SplitMix(seed: UInt64(k + 1))
            for i in 0..<Int(seconds * 10) {
                let t = Double(i) / 10
                let first = t < seconds / 2
                times.append(t)
                rssi.append((first ? -60 : -85) + Float(rng.next() % 7))
                rssi.append(rng.next() % 3 == 0 ? .nan : (first ? -88 : -62) + Float(rng.next() % 7))
                accel.append(contentsOf: [0, 0, 1])
            }
            return Recording(name: String(format: "%05d", k + 1), receivers: ["A", "B"], times: times, rssi: rssi, accel: accel,
                             intervals: [RoomInterval(start: 0, end: seconds / 2, room: 0),
                                         RoomInterval(start: seconds / 2, end: seconds, room: 1)])
        }
        return Dataset(name: "two-room", rooms: ["hall", "kitchen"], receivers: ["A", "B"], recordings: items)
    }

    func testFoldRuleIsNextRecordingCyclicSkippingEmptyOnes() throws {
        let plans = try CrossValidation.plan(windowCounts: [5, 0, 7, 3])
        XCTAssertEqual(plans, [
            .init(test: 0, validation: 2, train: [3]),
            .init(test: 2, validation: 3, train: [0]),
            .init(test: 3, validation: 0, train: [2]),
        ])
        XCTAssertThrowsError(try CrossValidation.plan(windowCounts: [5, 0, 7, 3], testRecordings: [1]), "no windows: not a fold")
        XCTAssertThrowsError(try CrossValidation.plan(windowCounts: [5, 7]), "too few recordings")
    }

    func testCrossValidationHoldsOutEachRecordingAndIsRepeatable() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1, 2])
        config.training.epochs = 3
        config.training.patience = 3
        var started = 0
        let report = try CrossValidation.run(dataset: dataset, config: config) { event in
            if case .foldStarted = event { started += 1 }
        }
        XCTAssertEqual(started, 6)
        XCTAssertEqual(report.folds.map(\.test), ["00001", "00002", "00003", "00001", "00002", "00003"])
        XCTAssertEqual(report.folds.map(\.seed), [1, 1, 1, 2, 2, 2])
        for fold in report.folds {
            XCTAssertFalse(fold.train.contains(fold.test))
            XCTAssertFalse(fold.train.contains(fold.validation))
            XCTAssertNotEqual(fold.validation, fold.test)
            XCTAssertEqual(fold.testWindows, report.windowsPerRecording[fold.test])
            XCTAssertEqual(fold.result.confusion.joined().reduce(0, +), fold.testWindows)
        }
        XCTAssertEqual(report.meanMacroF1, report.folds.map(\.result.macroF1).reduce(0, +) / 6, accuracy: 1e-12)
        XCTAssertEqual(report.seedMeans.map(\.seed), [1, 2])
        XCTAssertEqual(report.confusion.joined().reduce(0, +), report.folds.map(\.testWindows).reduce(0, +))
        XCTAssertGreaterThan(report.meanAccuracy, 0.8, "two well-separated rooms are easy")

        let again = try CrossValidation.run(dataset: dataset, config: config)
        XCTAssertEqual(again.folds, report.folds, "same seeds, same folds, same numbers")
    }

    /// Receiver B is heard only in recording 00003: the folds that train without 00003 name it as
    /// ignored (their models cannot have learnt anything from it), the fold that trains on it does not.
    func testFoldsNameTheReceiversTheirTrainingNeverHeard() throws {
        var dataset = twoRoomDataset(recordings: 3)
        for k in 0..<2 {
            for i in stride(from: 1, to: dataset.recordings[k].rssi.count, by: 2) { dataset.recordings[k].rssi[i] = .nan }
        }
        var config = CrossValidation.Config(seeds: [1])
        config.training.epochs = 1
        let report = try CrossValidation.run(dataset: dataset, config: config)
        XCTAssertEqual(report.folds.map(\.test), ["00001", "00002", "00003"])
        XCTAssertEqual(report.folds.map(\.train), [["00003"], ["00001"], ["00002"]])
        XCTAssertEqual(report.folds.map(\.ignoredReceivers), [nil, ["B"], ["B"]])
    }

    /// Resuming from the progress of an interrupted run trains only the folds it lacks, and the
    /// result equals an uninterrupted run's; progress of other settings is refused.
    func testResumingTrainsOnlyTheMissingFoldsAndMatchesAnUninterruptedRun() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1, 2])
        config.training.epochs = 2
        let whole = try CrossValidation.run(dataset: dataset, config: config)
        var saved: CrossValidationReport?
        _ = try CrossValidation.run(dataset: dataset, config: config) { event in
            if case let .foldFinished(_, soFar) = event, soFar.folds.count == 4 { saved = soFar }
        }
        let progress = try XCTUnwrap(saved)
        XCTAssertEqual(progress.folds, Array(whole.folds.prefix(4)))

        var started = 0, resumed = 0
        let finished = try CrossValidation.run(dataset: dataset, config: config, resuming: progress) { event in
            if case .foldStarted = event { started += 1 }
            if case .foldResumed = event { resumed += 1 }
        }
        XCTAssertEqual(started, 2)
        XCTAssertEqual(resumed, 4)
        XCTAssertEqual(finished.folds, whole.folds)
        XCTAssertEqual(finished.meanMacroF1, whole.meanMacroF1)

        var other = config
        other.training.epochs = 3
        XCTAssertThrowsError(try CrossValidation.run(dataset: dataset, config: other, resuming: progress)) { error in
            XCTAssertTrue("\(error)".contains("another cross-validation"), "\(error)")
        }
    }

    func testDistilledFoldsReportTheirTeacherOnTheSameTestRecording() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1])
        config.model.kind = .studentTiny
        config.training.epochs = 2
        config.distillation = DistillationConfig(teacher: ModelConfig(kind: .cnn))
        let report = try CrossValidation.run(dataset: dataset, config: config)
        XCTAssertEqual(report.folds.count, 3)
        for fold in report.folds {
            let teacher = try XCTUnwrap(fold.teacher, "a distilled fold carries its teacher's score")
            XCTAssertEqual(teacher.result.confusion.joined().reduce(0, +), fold.testWindows, "teacher scored on the student's test windows")
            XCTAssertTrue((1...2).contains(teacher.epochsTrained))
        }
        let teacherMean = try XCTUnwrap(report.teacherMeanMacroF1)
        XCTAssertEqual(teacherMean, report.folds.compactMap(\.teacher?.result.macroF1).reduce(0, +) / 3, accuracy: 1e-12)

        var crf = config
        crf.model = ModelConfig(kind: .teacher)
        crf.model.addCRF()
        XCTAssertThrowsError(try CrossValidation.run(dataset: dataset, config: crf), "a CRF model is not distilled") { error in
            XCTAssertTrue("\(error)".contains("cannot be distilled"), "\(error)")
        }

        config.distillation = nil
        XCTAssertNil(try CrossValidation.run(dataset: dataset, config: config).teacherMeanMacroF1)
    }

    func testDecodersScoreEveryFoldAndSurviveTheJSON() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1])
        config.training.epochs = 2
        config.decoders = [DecoderSpec(mode: .lag(2)), DecoderSpec(mode: .offline)]
        let report = try CrossValidation.run(dataset: dataset, config: config)
        for fold in report.folds {
            let decoded = try XCTUnwrap(fold.decoded)
            XCTAssertEqual(decoded.map(\.decoder.description), ["lag=2", "offline"])
            for score in decoded {
                XCTAssertEqual(score.result.confusion.joined().reduce(0, +), fold.testWindows)
                XCTAssertEqual(score.integerDifferences, 0)
            }
            XCTAssertEqual(decoded[0].footprint.backPointerBytes, 2 * 2)
            XCTAssertEqual(decoded[1].footprint.backPointerBytes, (fold.testWindows - 1) * 2)
        }
        let means = try XCTUnwrap(report.decodedMeans)
        XCTAssertEqual(means[1].macroF1, report.folds.map { $0.decoded![1].result.macroF1 }.reduce(0, +) / 3, accuracy: 1e-12)
        let again = try JSONDecoder().decode(CrossValidationReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(again.folds.map(\.decoded), report.folds.map(\.decoded))
        XCTAssertEqual(again.config.decoders, config.decoders)
    }

    /// `cv --int8 --decode`: the integer decoder on the integer model's codes, as the chip runs it,
    /// checked against the float (Double) decoder on the same codes dequantized.
    func testDecodersAlsoRunOnTheIntegerModelsCodes() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1])
        config.training.epochs = 2
        config.integer = true
        config.decoders = [DecoderSpec(mode: .lag(0)), DecoderSpec(mode: .lag(3)), DecoderSpec(mode: .offline)]
        let report = try CrossValidation.run(dataset: dataset, config: config)
        for fold in report.folds {
            let decoded = try XCTUnwrap(fold.decoded)
            for score in decoded {
                let int8 = try XCTUnwrap(score.int8, "\(score.decoder)")
                XCTAssertEqual(int8.confusion.joined().reduce(0, +), fold.testWindows)
                XCTAssertEqual(score.int8Differences, 0, "\(score.decoder) on fold \(fold.test)")
            }
        }
        let means = try XCTUnwrap(report.decodedMeans)
        XCTAssertEqual(try XCTUnwrap(means[2].int8MacroF1), report.folds.map { $0.decoded![2].int8!.macroF1 }.reduce(0, +) / 3, accuracy: 1e-12)
        let again = try JSONDecoder().decode(CrossValidationReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(again.decodedMeans, report.decodedMeans)
    }

    func testThePriorDividedOutIsTheOneTheClassifierWasTrainedUnder() throws {
        // Training: 90 windows of room a, then 10 of b. The classifier cannot tell them apart
        // (equal logits), so the path follows the priors. Dividing by the uniform prior leaves the
        // frequent room a on every window (start and stay in a: log 91/102 + 4 log 90/92 ≈ −0.20,
        // against −2.61 for b); dividing by the frequencies adds −log π per window (0.11 for a,
        // 2.23 for b) and makes b the best path (8.53 against 0.37).
        func windows(_ labels: [Int], recording: Int) -> WindowSet {
            WindowSet(count: labels.count, length: 1, features: 1, x: [Float](repeating: 0, count: labels.count), labels: labels,
                      recordingIndex: [Int](repeating: recording, count: labels.count),
                      startTimes: labels.indices.map { Double($0) * 2 }, rooms: ["a", "b"], featureNames: ["f"])
        }
        let recordings = ["r1", "r2"].map { Recording(name: $0, receivers: [], times: [], rssi: [], accel: nil, intervals: []) }
        let dataset = Dataset(name: "priors", rooms: ["a", "b"], receivers: [], recordings: recordings)
        let train = windows([Int](repeating: 0, count: 90) + [Int](repeating: 1, count: 10), recording: 0)
        let test = windows([0, 0, 0, 0, 0], recording: 1)
        let specs = [DecoderSpec(mode: .offline), DecoderSpec(mode: .offline, dividesByFrequencies: true)]
        func accuracies(balanced: Bool) throws -> [Double] {
            try DecodingStage.evaluate(specs, train: train, test: test, testLogits: [Float](repeating: 0, count: 10),
                                       balancedClassifier: balanced, plan: nil, dataset: dataset).map(\.result.accuracy)
        }
        XCTAssertEqual(try accuracies(balanced: true), [1, 0])
        XCTAssertEqual(try accuracies(balanced: false), [0, 0], "a plainly trained classifier carries the frequencies either way")
    }

    func testDecodersThatCannotRunFailBeforeAnyTraining() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1])
        config.training.epochs = 1
        var started = 0
        config.decoders = [DecoderSpec(mode: .lag(100))]
        XCTAssertThrowsError(try CrossValidation.run(dataset: dataset, config: config) { if case .foldStarted = $0 { started += 1 } }) {
            XCTAssertTrue("\($0)".contains("recording 00001 has only"), "\($0)")
        }
        config.decoders = [DecoderSpec(mode: .offline, usesFloorPlan: true)]
        XCTAssertThrowsError(try CrossValidation.run(dataset: dataset, config: config) { if case .foldStarted = $0 { started += 1 } }) {
            XCTAssertEqual($0 as? TemporalDecodingError, .noFloorPlan(data: "two-room"))
        }
        XCTAssertEqual(started, 0)
    }

    func testMinMaxScalerIsFittedOnTrainingRecordingsOnly() throws {
        let dataset = twoRoomDataset(recordings: 3)
        var loud = dataset
        // Make the test recording's accelerometer far outside the training range.
        loud.recordings[2].accel = loud.recordings[2].accel.map { $0.map { $0 * 10 + 5 } }
        let config = WindowConfig(stepRate: 5, length: 10, hop: 5)
        let train = makeWindows(dataset: loud, recordings: [0], config: config)
        let test = makeWindows(dataset: loud, recordings: [2], config: config)
        let split = SplitWindows(train: train, validation: makeWindows(dataset: loud, recordings: [1], config: config), test: test,
                                 scaling: .minmax, receivers: 2)
        let scaler = try XCTUnwrap(split.scaler)
        XCTAssertEqual(scaler, FeatureScaler.fit(on: train, keepingZero: [0, 1, 2, 3]))
        XCTAssertEqual(scaler.maximum[4 + 2], 1, "accelerometer z range from training (all 1 g), not the test recording's 15 g")
        XCTAssertGreaterThan(split.test.x.max() ?? 0, 1, "test values outside the training range stay outside [0, 1]")
        XCTAssertNil(SplitWindows(train: train, validation: train, test: test, scaling: .fixed, receivers: 2).scaler)
    }

    func testSplitSpecByNamesNumbersAndRanges() throws {
        let sphere = ["00001", "00002", "00003", "00004", "00005", "00006", "00007"]
        let split = try SplitSpec(train: "1-5", validation: "6", test: "00007").resolve(against: sphere)
        XCTAssertEqual(split.train, [0, 1, 2, 3, 4])
        XCTAssertEqual(split.validation, [5])
        XCTAssertEqual(split.test, [6])
        XCTAssertEqual(try SplitSpec(validation: "2", test: "3,5").resolve(against: sphere).train, [0, 3, 5, 6], "train defaults to the rest")

        let study = ["A-fp", "A-fl", "B-fp"]
        XCTAssertEqual(try SplitSpec.recordings("A-fl", names: study), [1], "a dash inside a name is not a range")
        XCTAssertEqual(try SplitSpec.recordings("A-fp-B-fp", names: study), [0, 1, 2])
        XCTAssertEqual(try SplitSpec.recordings("3", names: study), [2], "a number is a position when no name reads as it")

        XCTAssertThrowsError(try SplitSpec(train: "1-6", validation: "6", test: "7").resolve(against: sphere), "6 in two parts")
        XCTAssertThrowsError(try SplitSpec(validation: "8", test: "7").resolve(against: sphere), "no recording 8")
        XCTAssertThrowsError(try SplitSpec(validation: "5-3", test: "7").resolve(against: sphere), "backwards range")
        XCTAssertThrowsError(try SplitSpec(train: "1-5", validation: "", test: "7").resolve(against: sphere), "no validation")
        let pair = try SplitSpec(train: "A-fp", validation: "none", test: "A-fl").resolve(against: ["A-fp", "A-fl"])
        XCTAssertEqual(pair.validation, [], "the study's two files: validation explicitly none")
        XCTAssertEqual(pair.train, [0])
    }

    func testRunnerWithFittedScalingStoresTheScalerWithTheModel() throws {
        let root = try temporaryFolder()
        let folder = root.appendingPathComponent("data")
        try writeSphereFixture(dataset: twoRoomDataset(recordings: 3, seconds: 30), to: folder)
        var config = SessionConfig(name: "scaled")
        config.data = try .real(path: folder.path)
        XCTAssertEqual(config.data.kind, .sphere)
        config.splitSpec = SplitSpec(train: "1", validation: "2", test: "3")
        config.scaling = .minmax
        config.training.epochs = 2
        let (session, _) = try Session.openOrCreate(root: root, config: config)
        let report = try XCTUnwrap(try ExperimentRunner(session: session).run())
        XCTAssertEqual(report.data.trainRecordings, ["00001"])
        XCTAssertEqual(report.data.testRecordings, ["00003"])
        XCTAssertEqual(report.scaling, .minmax)
        let saved = try JSONDecoder().decode(FeatureScaler.self, from: Data(contentsOf: session.scalerURL))
        XCTAssertEqual(saved, report.scaler)
        XCTAssertEqual(saved.minimum.count, report.data.features)
    }

    func testRunnerDecodesTheTestRecordingAndRefusesAnImpossibleLagBeforeTraining() throws {
        let root = try temporaryFolder()
        let folder = root.appendingPathComponent("data")
        try writeSphereFixture(dataset: twoRoomDataset(recordings: 3, seconds: 30), to: folder)
        var config = SessionConfig(name: "decoded")
        config.data = try .real(path: folder.path)
        config.splitSpec = SplitSpec(train: "1", validation: "2", test: "3")
        config.training.epochs = 2
        config.decoders = [DecoderSpec(mode: .lag(3)), DecoderSpec(mode: .offline)]
        let (session, _) = try Session.openOrCreate(root: root, config: config)
        XCTAssertEqual(try Session.openOrCreate(root: root, config: SessionConfig(name: "decoded")).session.config.decoders, config.decoders)
        var replay: (rooms: [Int], decoder: String?)?
        let report = try XCTUnwrap(try ExperimentRunner(session: session).run { event in
            if case let .finished(_, rooms, decoder) = event { replay = (rooms, decoder) }
        })
        // The replay (the validation recording) shows the first decoder's rooms, from the integer model's codes.
        XCTAssertEqual(replay?.decoder, "lag=3")
        XCTAssertEqual(replay?.rooms.count, report.data.validationWindows)
        let decoded = try XCTUnwrap(report.testDecoded)
        XCTAssertEqual(decoded.map(\.decoder.description), ["lag=3", "offline"])
        XCTAssertEqual(decoded.map { $0.result.confusion.joined().reduce(0, +) }, [report.data.testWindows, report.data.testWindows])
        XCTAssertEqual(decoded[0].footprint, DecoderFootprint(rooms: 2, lag: 3))
        // The RAM plan's decoder line for lag=3 over 2 rooms: 3 × 2 back-pointers, 2 × 2 int32 scores, a uint32 count.
        let plan = try XCTUnwrap(report.memory?.integer)
        XCTAssertEqual(plan.decoder, RAMReport.DecoderLine(name: "decoder lag=3", ramBytes: 6 + 16 + 4, flashBytes: 8 + 8 + 8))
        XCTAssertEqual(plan.totalRAMBytes, plan.arenaBytes + 26)
        let saved = try JSONDecoder().decode(ExperimentReport.self, from: Data(contentsOf: session.reportURL))
        XCTAssertEqual(saved.testDecoded, decoded)

        config.name = "too-late"
        config.decoders = [DecoderSpec(mode: .lag(1000))]
        let (doomed, _) = try Session.openOrCreate(root: root, config: config)
        XCTAssertThrowsError(try ExperimentRunner(session: doomed).run()) {
            XCTAssertTrue("\($0)".contains("recording 00003 has only \(report.data.testWindows) windows"), "\($0)")
        }
        XCTAssertEqual(doomed.epochHistory().count, 0, "nothing trained")
    }

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-cv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a data set in the SPHERE layout (rooms.json, train/<name>/acceleration.csv, location_0.csv).
    private func writeSphereFixture(dataset: Dataset, to folder: URL) throws {
        let rooms = "[" + dataset.rooms.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(rooms.utf8).write(to: folder.appendingPathComponent("rooms.json"))
        for recording in dataset.recordings {
            let dir = folder.appendingPathComponent("train/\(recording.name)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let r = recording.receivers.count
            var text = "t,x,y,z," + recording.receivers.joined(separator: ",") + "\n"
            for i in 0..<recording.packetCount {
                let accel = recording.accel.map { a in (0..<3).map { "\(a[i * 3 + $0])" } } ?? ["0", "0", "1"]
                let cells = (0..<r).map { j -> String in let v = recording.rssi[i * r + j]; return v.isNaN ? "" : "\(v)" }
                text += (["\(recording.times[i])"] + accel + cells).joined(separator: ",") + "\n"
            }
            try Data(text.utf8).write(to: dir.appendingPathComponent("acceleration.csv"))
            var locations = "start,end,name,index\n"
            for interval in recording.intervals {
                locations += "\(interval.start),\(interval.end),\(dataset.rooms[interval.room]),\(interval.room)\n"
            }
            try Data(locations.utf8).write(to: dir.appendingPathComponent("location_0.csv"))
        }
    }
}

/// A tiny deterministic generator for fixture noise (not the engine's RNG, so fixtures never
/// change when the engine's random streams do).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
