import Foundation
import TinyTensor

/// Simulates a resident wearing a BLE wristband in a home described by a `FloorPlan`.
///
/// The home (its shadowing maps) is fixed by the seed; each recording is a different day in it:
/// the resident walks room to room through doors at walking speed, dwells, and the band
/// advertises; each receiver decodes an advertisement with a probability that rises with its power
/// (see `RadioChannel`, plus Rician fading) through `sensitivity`, unless random or bursty loss takes it. The reading is
/// repeated on the rows until the next advertisement and rounded to whole dBm, as in SPHERE.
/// Same plan, config and seed → bit-identical recordings.
public struct HomeSimulator: Sendable {
    public let plan: FloorPlan
    public let config: HomeSimulatorConfig
    /// Class order of the produced intervals: `plan.roomNames`.
    public let rooms: [String]
    private let seed: UInt64
    private let channel: RadioChannel
    private let planner: MotionPlanner

    public init(plan: FloorPlan, config: HomeSimulatorConfig = .scriptedTour, seed: UInt64) {
        self.plan = plan
        self.config = config
        self.seed = seed
        rooms = plan.roomNames
        var home = SeededRNG(seed: seed).split(0)
        channel = RadioChannel(plan: plan, config: config, rng: &home)
        planner = MotionPlanner(plan: plan, config: config)
    }

    /// Recording number `index` of this home; independent of which other recordings are made.
    /// Without `outages` no receiver is silent for the whole recording, whatever `receiverOutage`
    /// says; everything else (movement, radio, accelerometer) comes out as with them.
    public func recording(_ index: Int, name: String? = nil, outages: Bool = true) -> Recording {
        let base = SeededRNG(seed: seed).split(1000 + UInt64(index))
        var motionRNG = base.split(1), radioRNG = base.split(2), accelRNG = base.split(3), outageRNG = base.split(4)
        let track = planner.track(rng: &motionRNG)
        let receiverCount = plan.receivers.count
        let silent = (0..<receiverCount).map { _ in outageRNG.uniformDouble() < config.receiverOutage && outages }

        let rowCount = max(0, Int((config.duration * config.packetRate).rounded()))
        let rowsPerAdvert = max(1, Int((config.packetRate / config.advertisingRate).rounded()))
        let dt = 1 / config.packetRate
        var times = [Double](repeating: 0, count: rowCount)
        var rssi = [Float](repeating: .nan, count: rowCount * receiverCount)
        var accel = [Float](repeating: 0, count: rowCount * 3)
        var held = [Float](repeating: .nan, count: receiverCount)
        var badLink = [Bool](repeating: false, count: receiverCount)
        var wrist = AccelerometerModel(config: config, rng: &accelRNG)
        var legIndex = 0
        var heading = 0.0
        for i in 0..<rowCount {
            let t = Double(i) * dt
            times[i] = t
            while legIndex < track.legs.count - 1 && track.legs[legIndex].end <= t { legIndex += 1 }
            let leg = track.legs[legIndex]
            let state = position(in: leg, at: t)
            switch leg.kind {
            case .walk:
                heading = Foundation.atan2(leg.to.y - leg.from.y, leg.to.x - leg.from.x)
            case .still, .climb:
                heading += config.orientationDrift * dt.squareRoot() * accelRNG.normalDouble()
            }
            wrist.step(leg: leg, index: legIndex, time: t, dt: dt, rng: &accelRNG, into: &accel, row: i)

            if i % rowsPerAdvert == 0 {
                for r in 0..<receiverCount {
                    badLink[r] = badLink[r] ? radioRNG.uniformDouble() >= config.burstExit : radioRNG.uniformDouble() < config.burstEnter
                    let power = channel.meanPower(receiver: r, position: state.position, floor: state.floor, height: state.height, heading: heading)
                        + channel.fading(rng: &radioRNG)
                    let decoded = radioRNG.uniformDouble() * (1 + Foundation.exp(-(power - config.sensitivity) / config.sensitivityWidth)) < 1
                    let lost = radioRNG.uniformDouble() < config.packetLoss
                    held[r] = silent[r] || badLink[r] || lost || !decoded || power < config.weakestReading ? .nan : Float(power.rounded())
                }
            }
            for r in 0..<receiverCount { rssi[i * receiverCount + r] = held[r] }
        }
        return Recording(name: name ?? String(format: "sim-%03d", index), receivers: plan.receivers.map(\.name),
                         times: times, rssi: rssi, accel: accel, intervals: intervals(track))
    }

    /// Where the wrist is during `leg` at time t: plan position, floor, and height above the ground floor.
    /// A climb switches floor half-way, while the height rises smoothly.
    private func position(in leg: Leg, at t: Double) -> (position: FloorPlan.Point, floor: Int, height: Double) {
        let span = leg.end - leg.start
        let u = span > 0 ? min(1, max(0, (t - leg.start) / span)) : 1
        let from = elevation(of: leg.floor), to = elevation(of: leg.toFloor)
        let point = leg.kind == .walk ? leg.from + (leg.to - leg.from) * u : leg.from
        return (point, u < 0.5 ? leg.floor : leg.toFloor, from + (to - from) * u + config.wristHeight)
    }

    private func elevation(of floor: Int) -> Double {
        channel.floorElevations[channel.floorSlot(floor)]
    }

    /// Visits become labelled intervals minus `doorGap`/2 each side of a crossing and minus the lead-in.
    private func intervals(_ track: ResidentTrack) -> [RoomInterval] {
        let half = config.doorGap / 2
        var out: [RoomInterval] = []
        for (k, visit) in track.visits.enumerated() {
            let start = max(config.leadIn, k == 0 ? visit.enter : visit.enter + half)
            let end = min(config.duration, k == track.visits.count - 1 ? visit.exit : visit.exit - half)
            guard end > start, let room = rooms.firstIndex(of: visit.room) else { continue }
            out.append(RoomInterval(start: start, end: end, room: room))
        }
        return out
    }
}

/// Simulated data set of `recordings` recordings of one home; rooms are `plan.roomNames`,
/// receivers the plan's receivers in plan order. The last `intact` recordings have no receiver
/// outage, so recordings held out to measure a model (the default split holds out the last two)
/// test rooms, not a receiver unplugged all day; the others keep outages to learn from.
public func simulateDataset(plan: FloorPlan, config: HomeSimulatorConfig = .scriptedTour, recordings: Int, seed: UInt64,
                            intact: Int = 0) -> Dataset {
    let simulator = HomeSimulator(plan: plan, config: config, seed: seed)
    return Dataset(name: "sim:\(plan.name)", rooms: simulator.rooms, receivers: plan.receivers.map(\.name),
                   recordings: (0..<recordings).map { simulator.recording($0, outages: $0 < recordings - intact) })
}
