import XCTest
import TinyTensor
@testable import Localisation

final class SimulatorTests: XCTestCase {
    private func bits(_ r: Recording) -> ([UInt64], [UInt32], [UInt32], [RoomInterval]) {
        (r.times.map(\.bitPattern), r.rssi.map(\.bitPattern), (r.accel ?? []).map(\.bitPattern), r.intervals)
    }

    func testSameSeedSameDataDifferentSeedDifferentData() throws {
        let plan = try sphereHouse()
        let a = simulateDataset(plan: plan, config: shortTour(), recordings: 2, seed: 42)
        let b = simulateDataset(plan: plan, config: shortTour(), recordings: 2, seed: 42)
        let c = simulateDataset(plan: plan, config: shortTour(), recordings: 2, seed: 43)
        for i in 0..<2 {
            XCTAssertTrue(bits(a.recordings[i]) == bits(b.recordings[i]), "recording \(i) differs for the same seed")
        }
        XCTAssertFalse(bits(a.recordings[0]).1 == bits(c.recordings[0]).1)
        XCTAssertFalse(bits(a.recordings[0]).2 == bits(c.recordings[0]).2)
        XCTAssertFalse(bits(a.recordings[0]) == bits(a.recordings[1]), "two days in the same home should differ")
        // A recording does not depend on which others were simulated.
        let alone = HomeSimulator(plan: plan, config: shortTour(), seed: 42).recording(1)
        XCTAssertTrue(bits(alone) == bits(a.recordings[1]))
        XCTAssertEqual(a.rooms, plan.roomNames)
        XCTAssertEqual(a.receivers, ["Kitchen_AP", "Lounge_AP", "Upstairs_AP", "Study_AP"])
    }

    func testRecordingIsPlausible() throws {
        let plan = try sphereHouse()
        var config = shortTour(seconds: 900)
        config.receiverOutage = 0
        let dataset = simulateDataset(plan: plan, config: config, recordings: 1, seed: 5)
        let recording = dataset.recordings[0]
        XCTAssertEqual(recording.packetCount, 18_000)
        XCTAssertEqual(recording.times[1] - recording.times[0], 0.05, accuracy: 1e-12)
        let r = recording.receivers.count
        for j in 0..<r {
            let column = (0..<recording.packetCount).map { recording.rssi[$0 * r + j] }
            let heard = column.filter { !$0.isNaN }
            let missing = 1 - Double(heard.count) / Double(column.count)
            XCTAssertTrue((0.1...0.95).contains(missing), "\(recording.receivers[j]) misses \(missing)")
            for v in heard {
                XCTAssertGreaterThanOrEqual(Double(v), config.weakestReading)
                XCTAssertLessThan(v, -30)
                XCTAssertEqual(v, v.rounded())
            }
        }
        // Intervals: sorted, disjoint, valid rooms, most of the time labelled, several rooms seen.
        let intervals = recording.intervals
        for (a, b) in zip(intervals, intervals.dropFirst()) { XCTAssertLessThanOrEqual(a.end, b.start) }
        XCTAssertTrue(intervals.allSatisfy { $0.start < $0.end && dataset.rooms.indices.contains($0.room) })
        let labelledShare = intervals.map { $0.end - $0.start }.reduce(0, +) / recording.duration
        XCTAssertGreaterThan(labelledShare, 0.85, "share of the recording inside a room interval")
        XCTAssertGreaterThanOrEqual(Set(intervals.map(\.room)).count, 5)
        // Consecutive intervals are joined by a door (the resident never teleports).
        for (a, b) in zip(intervals, intervals.dropFirst()) {
            let pair = Set([dataset.rooms[a.room], dataset.rooms[b.room]])
            XCTAssertTrue(plan.doors.contains { Set($0.between) == pair }, "\(pair)")
        }
    }

    func testIntactRecordingsKeepEveryReceiverAndOnlyLoseTheOutage() throws {
        let plan = try sphereHouse()
        var config = shortTour(seconds: 120)
        config.receiverOutage = 1
        let intact = simulateDataset(plan: plan, config: config, recordings: 3, seed: 9, intact: 1)
        let everywhere = simulateDataset(plan: plan, config: config, recordings: 3, seed: 9)
        func silent(_ r: Recording) -> [Bool] {
            r.receivers.indices.map { j in (0..<r.packetCount).allSatisfy { r.rssi[$0 * r.receivers.count + j].isNaN } }
        }
        for i in 0..<2 {
            XCTAssertEqual(silent(intact.recordings[i]), [true, true, true, true], "recording \(i) keeps its outages")
            XCTAssertTrue(bits(intact.recordings[i]) == bits(everywhere.recordings[i]))
        }
        XCTAssertEqual(silent(intact.recordings[2]), [false, false, false, false])
        XCTAssertEqual(silent(everywhere.recordings[2]), [true, true, true, true])
        // The same day in the same home, only with every receiver plugged in.
        XCTAssertEqual(intact.recordings[2].intervals, everywhere.recordings[2].intervals)
        XCTAssertTrue(bits(intact.recordings[2]).2 == bits(everywhere.recordings[2]).2)
    }

    func testDefaultTourVisitsMostRooms() throws {
        let plan = try sphereHouse()
        var config = HomeSimulatorConfig.scriptedTour
        config.duration = 1800
        let recording = HomeSimulator(plan: plan, config: config, seed: 1).recording(0)
        XCTAssertEqual(recording.duration, 1800 - 0.05, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(Set(recording.intervals.map(\.room)).count, 8)
    }

    func testAccelerometerTellsWalkingFromStill() {
        var rng = SeededRNG(seed: 3)
        var model = AccelerometerModel(config: HomeSimulatorConfig(), rng: &rng)
        let p = FloorPlan.Point(x: 0, y: 0)
        func magnitudes(_ kind: Leg.Kind, leg index: Int) -> [Double] {
            let leg = Leg(kind: kind, start: 0, end: 10, from: p, to: FloorPlan.Point(x: 10, y: 0), floor: 0, toFloor: 0)
            var accel = [Float](repeating: 0, count: 200 * 3)
            for i in 0..<200 { model.step(leg: leg, index: index, time: Double(i) * 0.05, dt: 0.05, rng: &rng, into: &accel, row: i) }
            return (0..<200).map { i -> Double in
                let v = SIMD3<Double>(Double(accel[3 * i]), Double(accel[3 * i + 1]), Double(accel[3 * i + 2]))
                return (v * v).sum().squareRoot()
            }
        }
        func variance(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
        }
        let still = magnitudes(.still, leg: 0), walking = magnitudes(.walk, leg: 1)
        XCTAssertEqual(still.reduce(0, +) / 200, 1, accuracy: 0.02, "gravity only")
        XCTAssertGreaterThan(variance(walking), 20 * variance(still))
        XCTAssertGreaterThan(variance(walking), 0.01)
    }

    func testRadioChannelTerms() throws {
        let plan = try sphereHouse()
        var config = HomeSimulatorConfig()
        config.shadowingSigma = 0
        var rng = SeededRNG(seed: 0)
        let channel = RadioChannel(plan: plan, config: config, rng: &rng)
        let upstairs = plan.receivers.firstIndex { $0.name == "Upstairs_AP" }!
        let kitchen = plan.receivers.firstIndex { $0.name == "Kitchen_AP" }!
        let receiver = plan.receivers[kitchen].position
        // 1 m from the kitchen receiver at its height, facing it: just P(1 m).
        let near = FloorPlan.Point(x: receiver.x + 1, y: receiver.y)
        let level = plan.receivers[kitchen].height
        XCTAssertEqual(channel.meanPower(receiver: kitchen, position: near, floor: 0, height: level, heading: .pi), config.rssiAt1m, accuracy: 1e-9)
        // Turning the back on it costs the full body loss.
        XCTAssertEqual(channel.meanPower(receiver: kitchen, position: near, floor: 0, height: level, heading: 0), config.rssiAt1m - config.bodyLoss, accuracy: 1e-9)
        // From the living room the kitchen receiver sits behind the lounge/study wall and the rear wall.
        let living = FloorPlan.Point(x: 1.5, y: 8.5)
        var noWalls = config
        noWalls.wallAttenuationScale = 0
        let withoutWalls = RadioChannel(plan: plan, config: noWalls, rng: &rng)
        let heading = atan2(receiver.y - living.y, receiver.x - living.x)
        let wallLoss = withoutWalls.meanPower(receiver: kitchen, position: living, floor: 0, height: 1, heading: heading)
            - channel.meanPower(receiver: kitchen, position: living, floor: 0, height: 1, heading: heading)
        XCTAssertEqual(wallLoss, 6 + 9, accuracy: 1e-9)
        // The floor slab separates the ground floor from the upstairs receiver, but not a wrist upstairs.
        var noFloor = config
        noFloor.floorAttenuation = 0
        let withoutFloor = RadioChannel(plan: plan, config: noFloor, rng: &rng)
        let below = FloorPlan.Point(x: 4.4, y: 7.0)
        let floorLoss = withoutFloor.meanPower(receiver: upstairs, position: below, floor: 0, height: 1, heading: 0)
            - channel.meanPower(receiver: upstairs, position: below, floor: 0, height: 1, heading: 0)
        XCTAssertEqual(floorLoss, config.floorAttenuation, accuracy: 1e-9)
    }

    func testShadowingFieldHasItsSigmaAndIsSmooth() {
        var rng = SeededRNG(seed: 9)
        let box = (min: FloorPlan.Point(x: 0, y: 0), max: FloorPlan.Point(x: 30, y: 30))
        let field = ShadowingField(box: box, sigma: 6, correlation: 2, rng: &rng)
        let values = field.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        XCTAssertEqual(std, 6, accuracy: 1.2)
        // Neighbours 0.2 m apart are nearly equal; points 10 m apart are unrelated.
        var nearDiff = 0.0, farDiff = 0.0
        for k in 0..<200 {
            let p = FloorPlan.Point(x: 5 + Double(k % 20) * 0.5, y: 5 + Double(k / 20) * 0.5)
            nearDiff += abs(field.value(at: p) - field.value(at: FloorPlan.Point(x: p.x + 0.2, y: p.y)))
            farDiff += abs(field.value(at: p) - field.value(at: FloorPlan.Point(x: p.x + 10, y: p.y + 10)))
        }
        XCTAssertLessThan(nearDiff * 4, farDiff)
    }
}
