import XCTest
import TinyTensor
@testable import Localisation

final class DecodingTests: XCTestCase {
    /// A random HMM with some moves ruled out (every room still enterable) and random logits.
    /// Also a classifier prior unlike the transitions' prior, so mixing the two up would show.
    private func randomCase(rooms c: Int, windows n: Int, rng: inout SeededRNG) throws -> (RoomTransitions, [Double], [Float]) {
        var probability = [[Double]]()
        for i in 0..<c {
            var row = (0..<c).map { _ in rng.uniformDouble() + 0.01 }
            // Rule out the move to i+2 (mod c); i+1 stays open, so every room can be entered.
            if c > 2 { row[(i + 2) % c] = 0 }
            let total = row.reduce(0, +)
            probability.append(row.map { $0 / total })
        }
        let weights = (0..<c).map { _ in rng.uniformDouble() + 0.1 }
        let prior = weights.map { $0 / weights.reduce(0, +) }
        let classifierWeights = (0..<c).map { _ in rng.uniformDouble() + 0.1 }
        let classifierPrior = classifierWeights.map { $0 / classifierWeights.reduce(0, +) }
        let logits = (0..<(n * c)).map { _ in 3 * rng.normal() }
        return (try RoomTransitions(rooms: (0..<c).map { "r\($0)" }, probability: probability, prior: prior, source: "test"),
                classifierPrior, logits)
    }

    /// The best path over the first `length` windows, by scoring every one of rooms^length paths.
    private func bruteForceBest(_ decoder: ViterbiDecoder, emissions e: [Double], length: Int) -> [Int] {
        let c = decoder.rooms
        var best = -Double.infinity, bestPath = [Int]()
        var path = [Int](repeating: 0, count: length)
        for code in 0..<Int(pow(Double(c), Double(length))) {
            var rest = code
            for t in 0..<length { path[t] = rest % c; rest /= c }
            var score = decoder.logPrior[path[0]] + e[path[0]]
            for t in 1..<length { score += decoder.logTransition[path[t - 1] * c + path[t]] + e[t * c + path[t]] }
            if score > best { best = score; bestPath = path }
        }
        return bestPath
    }

    func testOfflineViterbiIsTheBestOfAllPaths() throws {
        var rng = SeededRNG(seed: 14)
        for trial in 0..<40 {
            let c = 2 + trial % 3, n = 1 + trial % 6
            let (transitions, classifierPrior, logits) = try randomCase(rooms: c, windows: n, rng: &rng)
            let decoder = ViterbiDecoder(transitions, classifierPrior: classifierPrior)
            let e = decoder.logEmissions(logits: logits[...])
            XCTAssertEqual(decoder.decodeOffline(logEmissions: e), bruteForceBest(decoder, emissions: e, length: n), "trial \(trial)")
        }
    }

    func testFixedLagDecidesEachWindowFromTheBestPathSeenLagWindowsLater() throws {
        var rng = SeededRNG(seed: 15)
        for trial in 0..<30 {
            let c = 2 + trial % 3, n = 2 + trial % 5
            let (transitions, classifierPrior, logits) = try randomCase(rooms: c, windows: n, rng: &rng)
            let decoder = ViterbiDecoder(transitions, classifierPrior: classifierPrior)
            let e = decoder.logEmissions(logits: logits[...])
            for lag in 0..<n {
                let expected = (0..<n).map { t in bruteForceBest(decoder, emissions: e, length: min(n, t + lag + 1))[t] }
                XCTAssertEqual(decoder.decode(logEmissions: e, lag: lag), expected, "trial \(trial), lag \(lag)")
            }
        }
    }

    func testFixedLagCoveringTheRecordingIsOffline() throws {
        var rng = SeededRNG(seed: 16)
        let (transitions, classifierPrior, logits) = try randomCase(rooms: 9, windows: 60, rng: &rng)
        let decoding = TemporalDecoding(transitions: transitions, classifierPrior: classifierPrior)
        let runs = WindowRuns(recordingIndex: [Int](repeating: 0, count: 60), startTimes: (0..<60).map { Double($0) * 2 })
        let offline = try decoding.decode(logits: logits, runs: runs, mode: .offline, recordingNames: ["rec"])
        let lagged = try decoding.decode(logits: logits, runs: runs, mode: .lag(59), recordingNames: ["rec"])
        XCTAssertEqual(lagged.rooms, offline.rooms)
        XCTAssertEqual(lagged.integerRooms, offline.integerRooms)
        // A short lag does decide differently on this case, so the equality above is not vacuous.
        let short = try decoding.decode(logits: logits, runs: runs, mode: .lag(0), recordingNames: ["rec"])
        XCTAssertNotEqual(short.rooms, offline.rooms)
    }

    func testIntegerDecoderTakesTheFloatDecodersPath() throws {
        var rng = SeededRNG(seed: 17)
        for trial in 0..<20 {
            let c = 3 + trial % 7, n = 30 + trial
            let (transitions, classifierPrior, logits) = try randomCase(rooms: c, windows: n, rng: &rng)
            let integer = IntegerViterbi(converting: transitions, classifierPrior: classifierPrior)
            let q = integer.quantizedEmissions(logits: logits[...])
            // On the values the integer tables stand for, float and integer arithmetic agree exactly.
            let exact = integer.dequantized
            let qe = q.map { Double($0) / Double(1 << integer.fractionBits) }
            // On the unquantized model, the float decoder of the original probabilities.
            let float = ViterbiDecoder(transitions, classifierPrior: classifierPrior)
            let e = float.logEmissions(logits: logits[...])
            for lag in [0, 1, 5, n - 1] {
                let path = integer.decode(emissions: q, lag: lag)
                XCTAssertEqual(path, exact.decode(logEmissions: qe, lag: lag), "trial \(trial), lag \(lag), dequantized")
                XCTAssertEqual(path, float.decode(logEmissions: e, lag: lag), "trial \(trial), lag \(lag), float model")
            }
        }
    }

    func testFootprintCountsBackPointersTransitionsAndScores() {
        let footprint = DecoderFootprint(rooms: 9, lag: 10)
        XCTAssertEqual(footprint.backPointerBytes, 90)
        XCTAssertEqual(footprint.scoreBytes, 72)
        XCTAssertEqual(footprint.transitionBytes, 162)
        XCTAssertEqual(footprint.priorBytes, 36)
        // 90 + 72 + a uint32 window count; 162 + 36 + the int64 score multiplier.
        XCTAssertEqual(footprint.ramBytes, 166)
        XCTAssertEqual(footprint.flashBytes, 206)
    }

    func testScoreScalingTurnsCodeDifferencesIntoFixedPointNats() {
        // scale 1/8, 10 fraction bits: multiplier 2^-3 · 2^34 = 2^31; a difference of −3 codes is
        // −3/8 nat = −384/1024 exactly, −5 codes −640/1024.
        let eighth = ScoreScaling(scoreScale: 0.125, fractionBits: 10)
        XCTAssertEqual(eighth.multiplier, 1 << 31)
        XCTAssertEqual(eighth.fixedPoint(-3), -384)
        XCTAssertEqual(eighth.fixedPoint(-5), -640)
        XCTAssertEqual(eighth.fixedPoint(0), 0)
        // scale 0.1: −255 codes = −25.5 nat = −26,112/1024; −7 codes = −716.8/1024, rounded to −717.
        let tenth = ScoreScaling(scoreScale: 0.1, fractionBits: 10)
        XCTAssertEqual(tenth.fixedPoint(-255), -26_112)
        XCTAssertEqual(tenth.fixedPoint(-7), -717)
    }

    /// What the chip decodes: int8 output codes. On the values its tables and emissions stand for,
    /// the integer path is the float decoder's exactly; against the float decoder of the unrounded
    /// model (the logits those codes stand for) it may differ only where two paths score within the
    /// rounding (1/1024 nat per table entry and emission): here at most 1 decision in 500.
    func testIntegerDecoderOnOutputCodesTakesTheFloatDecodersPath() throws {
        var rng = SeededRNG(seed: 18)
        var compared = 0, decodedDiffersFromArgmax = 0, decisions = 0, nearTies = 0
        for trial in 0..<30 {
            let c = 3 + trial % 7, n = 30 + trial
            // Every third case weights the emissions (`+weight=W`), which both decoders must apply alike.
            let weight = [1, 2.5, 0.6][trial % 3]
            let (transitions, classifierPrior, _) = try randomCase(rooms: c, windows: n, rng: &rng)
            let scale = Float(0.02 + 0.1 * rng.uniformDouble()), zeroPoint = Int32(trial % 5) * 7 - 14
            let codes = (0..<(n * c)).map { _ in Int32((40 * rng.normal()).rounded()).clamped(to: -128...127) }
            let logits = codes.map { scale * Float($0 - zeroPoint) }
            let integer = IntegerViterbi(converting: transitions, classifierPrior: classifierPrior, emissionWeight: weight)
            let e = integer.emissions(scores: codes, scaling: integer.scaling(scoreScale: scale))
            let exact = integer.dequantized, qe = e.map { Double($0) / Double(1 << integer.fractionBits) }
            let float = ViterbiDecoder(transitions, classifierPrior: classifierPrior, emissionWeight: weight)
            let fe = float.logEmissions(logits: logits[...])
            for lag in [0, 1, 5, n - 1] {
                let path = integer.decode(emissions: e, lag: lag)
                XCTAssertEqual(path, exact.decode(logEmissions: qe, lag: lag), "trial \(trial), lag \(lag), dequantized")
                nearTies += zip(path, float.decode(logEmissions: fe, lag: lag)).filter { $0 != $1 }.count
                decisions += n
                compared += 1
                let argmax = (0..<n).map { t in (0..<c).max { codes[t * c + $0] < codes[t * c + $1] || (codes[t * c + $0] == codes[t * c + $1] && $0 > $1) }! }
                if path != argmax { decodedDiffersFromArgmax += 1 }
            }
        }
        XCTAssertLessThanOrEqual(nearTies * 500, decisions, "\(nearTies) of \(decisions) decisions differ from the unrounded float decoder")
        // Decoding changed the rooms in most cases, so the equality above is not argmax against argmax.
        XCTAssertGreaterThan(decodedDiffersFromArgmax, compared / 2)
    }

    func testCountingWithAddOneSmoothing() throws {
        let t = try RoomTransitions.counted(runs: [[0, 0, 1], [1, 1]], rooms: ["a", "b"])
        // Pairs: a→a, a→b, b→b; plus one of each.
        XCTAssertEqual(t.probability[0], [0.5, 0.5])
        XCTAssertEqual(t.probability[1][0], 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(t.probability[1][1], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(t.prior[0], 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(t.prior[1], 4.0 / 7, accuracy: 1e-12)
    }

    func testPseudoCountsOtherThanOne() throws {
        // Pairs a→a, a→b, b→b with 0.5 each added: a's row (1.5, 1.5), b's row (0.5, 1.5).
        let t = try RoomTransitions.counted(runs: [[0, 0, 1], [1, 1]], rooms: ["a", "b"], pseudoCount: 0.5)
        XCTAssertEqual(t.probability[0], [0.5, 0.5])
        XCTAssertEqual(t.probability[1][0], 0.25, accuracy: 1e-12)
        XCTAssertEqual(t.probability[1][1], 0.75, accuracy: 1e-12)
        XCTAssertTrue(t.source.contains("add-0.5"), t.source)
    }

    func testEmissionWeightMultipliesTheDividedPosterior() throws {
        // Logits (0, ln 3): softmax (1/4, 3/4); uniform ρ = 1/2; weight 2:
        // e = 2 (ln 1/4 − ln 1/2) = −2 ln 2 and 2 (ln 3/4 − ln 1/2) = 2 ln 3/2.
        let t = try RoomTransitions.counted(runs: [[0, 1]], rooms: ["a", "b"])
        let decoder = ViterbiDecoder(t, classifierPrior: [0.5, 0.5], emissionWeight: 2)
        let e = decoder.logEmissions(logits: [0, Float(log(3.0))][...])
        XCTAssertEqual(e[0], -2 * log(2.0), accuracy: 1e-6)
        XCTAssertEqual(e[1], 2 * log(1.5), accuracy: 1e-6)
    }

    func testFloorPlanRulesOutMovesWithoutADoor() throws {
        let plan = try sphereHouse()
        let rooms = plan.roomNames
        let adjacency = try RoomAdjacency(plan: plan, rooms: rooms)
        let kitchen = rooms.firstIndex(of: "kitchen")!, hall = rooms.firstIndex(of: "hall")!, bed1 = rooms.firstIndex(of: "bed1")!
        XCTAssertTrue(adjacency.allowed[kitchen][hall] && adjacency.allowed[hall][kitchen])
        XCTAssertFalse(adjacency.allowed[kitchen][bed1])
        let t = try RoomTransitions.counted(runs: [[kitchen, bed1, hall, kitchen]], rooms: rooms, adjacency: adjacency)
        XCTAssertEqual(t.ruledOut, 2)  // kitchen→bed1 and bed1→hall
        XCTAssertEqual(t.probability[kitchen][bed1], 0)
        // Kitchen's row: itself and the hall are allowed; kitchen→hall was never counted (the one
        // kitchen→… pair was ruled out), so each gets its pseudo-count only.
        XCTAssertEqual(t.probability[kitchen][hall], 0.5, accuracy: 1e-12)
    }

    func testRunsAreRecordingsInTimeOrder() {
        // Recording 1 listed before recording 0 and out of time order; a gap (4 → 10 s) does not cut.
        let runs = WindowRuns(recordingIndex: [1, 1, 0, 0, 0, 0], startTimes: [2, 0, 0, 2, 4, 10])
        XCTAssertEqual(runs.runs, [.init(recording: 0, windows: [2, 3, 4, 5]), .init(recording: 1, windows: [1, 0])])
        XCTAssertEqual(runs.labelRuns([7, 8, 0, 1, 2, 3]), [[0, 1, 2, 3], [8, 7]])
    }

    // MARK: bad input

    func testLagBelowZeroIsRejectedByName() throws {
        XCTAssertThrowsError(try DecoderSpec(parsing: "lag=-1")) { error in
            XCTAssertEqual(error as? TemporalDecodingError, .badSpec(text: "lag=-1", reason: "the lag is -1, below 0"))
            XCTAssertTrue("\(error)".contains("lag=-1") && "\(error)".contains("below 0"), "\(error)")
        }
        XCTAssertThrowsError(try DecoderSpec.list("offline,lag=x"))
        XCTAssertEqual(try DecoderSpec.list("none,lag=5,offline+plan,lag=2+plan+freq,offline+freq").map(\.description),
                       ["none", "lag=5", "offline+plan", "lag=2+plan+freq", "offline+freq"])
        XCTAssertThrowsError(try DecoderSpec(parsing: "offline+freq+plan"))
        XCTAssertThrowsError(try DecoderSpec(parsing: "offline+plan+plan"))
        XCTAssertThrowsError(try DecoderSpec(parsing: "none+plan"))
        XCTAssertThrowsError(try DecoderSpec(parsing: "lag=3+door")) { XCTAssertTrue("\($0)".contains("+door"), "\($0)") }
        XCTAssertEqual(try DecoderSpec.list("lag=10+plan+add=10+weight=1.5,offline+add=0.1,lag=5+weight=2").map(\.description),
                       ["lag=10+plan+add=10+weight=1.5", "offline+add=0.1", "lag=5+weight=2"])
        let tuned = try DecoderSpec(parsing: "lag=10+add=10+weight=1.5")
        XCTAssertEqual(tuned, DecoderSpec(mode: .lag(10), pseudoCount: 10, emissionWeight: 1.5))
        for bad in ["lag=5+weight=1.5+add=2", "lag=5+weight=0", "lag=5+add", "lag=5+add=x", "lag=5+plan=1", "offline+weight=2+weight=3"] {
            XCTAssertThrowsError(try DecoderSpec(parsing: bad), bad) { XCTAssertTrue("\($0)".contains(bad), "\($0)") }
        }
    }

    func testLagLongerThanTheRecordingNamesTheRecording() throws {
        let t = try RoomTransitions.counted(runs: [[0, 1, 1]], rooms: ["a", "b"])
        let runs = WindowRuns(recordingIndex: [0, 0, 0, 1, 1], startTimes: [0, 2, 4, 0, 2])
        let logits = [Float](repeating: 0, count: 10)
        XCTAssertNoThrow(try TemporalDecoding(transitions: t, classifierPrior: [0.5, 0.5]).decode(logits: logits, runs: runs, mode: .lag(1), recordingNames: ["00001", "00002"]))
        XCTAssertThrowsError(try TemporalDecoding(transitions: t, classifierPrior: [0.5, 0.5]).decode(logits: logits, runs: runs, mode: .lag(2), recordingNames: ["00001", "00002"])) { error in
            XCTAssertEqual(error as? TemporalDecodingError, .lagBeyondRecording(lag: 2, recording: "00002", windows: 2))
            XCTAssertTrue("\(error)".contains("recording 00002 has only 2 windows"), "\(error)")
        }
    }

    func testUnreachableRoomIsNamed() {
        let matrix = [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.3, 0.3, 0.4]]
        XCTAssertThrowsError(try RoomTransitions(rooms: ["hall", "kitchen", "study"], probability: matrix,
                                                 prior: [0.4, 0.4, 0.2], source: "hand-made")) { error in
            XCTAssertEqual(error as? TemporalDecodingError, .unreachableRoom(room: "study", source: "hand-made"))
            XCTAssertTrue("\(error)".contains("\"study\" is unreachable"), "\(error)")
        }
        XCTAssertThrowsError(try RoomTransitions(rooms: ["a", "b"], probability: [[0.5, 0.5], [0.7, 0.7]],
                                                 prior: [0.5, 0.5], source: "hand-made")) { error in
            XCTAssertTrue("\(error)".contains("row of room \"b\" sums to"), "\(error)")
        }
    }

    func testFloorPlanWithOtherRoomsIsRejectedWithTheDifference() throws {
        let plan = try sphereHouse()
        let rooms = plan.roomNames.filter { $0 != "study" } + ["garage"]
        XCTAssertThrowsError(try RoomAdjacency(plan: plan, rooms: rooms)) { error in
            XCTAssertEqual(error as? TemporalDecodingError, .planRoomsMismatch(plan: "sphere-house", missingFromPlan: ["garage"], notInData: ["study"]))
            XCTAssertTrue("\(error)".contains("floor plan \"sphere-house\"") && "\(error)".contains("garage"), "\(error)")
        }
    }
}

private extension Int32 {
    func clamped(to range: ClosedRange<Int32>) -> Int32 { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
