import Foundation
import TinyTensor

/// One stretch of the resident's day: standing/sitting at a spot, walking a straight line on one
/// floor, or taking the stairs (in place on the plan, rising between floors).
struct Leg {
    enum Kind { case still, walk, climb }
    var kind: Kind
    var start: Double
    var end: Double
    var from: FloorPlan.Point
    var to: FloorPlan.Point
    var floor: Int
    /// Differs from `floor` only for a climb.
    var toFloor: Int
}

/// The resident's movement for one recording: legs back to back from t = 0, and the rooms in
/// order with the times the resident crossed into and out of each.
struct ResidentTrack {
    struct Visit { var room: String; var enter: Double; var exit: Double }
    var legs: [Leg]
    var visits: [Visit]
}

/// Plans where the resident goes: dwell in a room (still, with small walks inside it), then walk
/// the shortest door path to the next destination.
struct MotionPlanner {
    let plan: FloorPlan
    let config: HomeSimulatorConfig
    /// For each room, the doors out of it and the room each leads to, in plan order.
    private let exits: [String: [(door: FloorPlan.Door, to: String)]]
    private let destinations: [String]

    init(plan: FloorPlan, config: HomeSimulatorConfig) {
        self.plan = plan
        self.config = config
        var exits: [String: [(door: FloorPlan.Door, to: String)]] = [:]
        for door in plan.doors where door.between.count == 2 {
            exits[door.between[0], default: []].append((door, door.between[1]))
            exits[door.between[1], default: []].append((door, door.between[0]))
        }
        self.exits = exits
        let transit = Set(config.transitRooms)
        let candidates = plan.rooms.map(\.name).filter { !transit.contains($0) && (config.destinationWeights[$0] ?? 1) > 0 }
        // A plan made only of transit rooms still needs somewhere to go.
        destinations = candidates.isEmpty ? plan.rooms.map(\.name) : candidates
    }

    func track(rng: inout SeededRNG) -> ResidentTrack {
        var legs: [Leg] = []
        var visits: [ResidentTrack.Visit] = []
        var round: [String] = []
        var room = destinations[rng.int(below: destinations.count)]
        var floor = plan.room(named: room)!.floor
        var spot = randomSpot(in: room, rng: &rng)
        var t = 0.0
        visits.append(.init(room: room, enter: 0, exit: 0))

        func walk(to target: FloorPlan.Point, rng: inout SeededRNG) {
            let speed = min(1.6, max(0.5, config.walkingSpeed * (1 + config.speedJitter * rng.normalDouble())))
            let seconds = spot.distance(to: target) / speed
            if seconds > 0 {
                legs.append(Leg(kind: .walk, start: t, end: t + seconds, from: spot, to: target, floor: floor, toFloor: floor))
                t += seconds
            }
            spot = target
        }

        while t < config.duration {
            let median = config.roomDwellMedian[room] ?? config.dwellMedian
            let dwell = min(config.maxDwell, max(config.minDwell, median * Foundation.exp(config.dwellSigma * rng.normalDouble())))
            let dwellEnd = t + (visits.count == 1 ? dwell + config.leadIn : dwell)
            while t < dwellEnd {
                let still = min(dwellEnd - t, -config.inRoomMoveInterval * Foundation.log(max(1e-12, 1 - rng.uniformDouble())))
                legs.append(Leg(kind: .still, start: t, end: t + still, from: spot, to: spot, floor: floor, toFloor: floor))
                t += still
                if t < dwellEnd { walk(to: randomSpot(in: room, rng: &rng), rng: &rng) }
            }
            let next = nextDestination(after: room, round: &round, rng: &rng)
            for (door, into) in route(from: room, to: next) {
                walk(to: door.at, rng: &rng)
                let crossing: Double
                if door.toFloor != nil {
                    let upper = door.floor(of: into)
                    legs.append(Leg(kind: .climb, start: t, end: t + config.stairSeconds, from: spot, to: spot, floor: floor, toFloor: upper))
                    // Climbing counts as the staircase's room (between[1]) in either direction.
                    crossing = into == door.between[1] ? t : t + config.stairSeconds
                    t += config.stairSeconds
                    floor = upper
                } else {
                    crossing = t
                }
                visits[visits.count - 1].exit = crossing
                visits.append(.init(room: into, enter: crossing, exit: crossing))
                room = into
            }
            walk(to: randomSpot(in: room, rng: &rng), rng: &rng)
        }
        visits[visits.count - 1].exit = t
        return ResidentTrack(legs: legs, visits: visits)
    }

    private func nextDestination(after room: String, round: inout [String], rng: inout SeededRNG) -> String {
        let others = destinations.filter { $0 != room }
        guard !others.isEmpty else { return room }
        switch config.visitOrder {
        case .tour:
            if round.isEmpty {
                round = destinations.flatMap { repeatElement($0, count: max(1, Int((config.destinationWeights[$0] ?? 1).rounded()))) }
                for i in stride(from: round.count - 1, to: 0, by: -1) { round.swapAt(i, rng.int(below: i + 1)) }
            }
            // Never "go" to the room the resident is in: take the latest other room of the round instead.
            guard let k = round.lastIndex(where: { $0 != room }) else {
                round.removeAll()
                return others[rng.int(below: others.count)]
            }
            round.swapAt(k, round.count - 1)
            return round.removeLast()
        case .random:
            let weights = others.map { config.destinationWeights[$0] ?? 1 }
            var u = rng.uniformDouble() * weights.reduce(0, +)
            for (name, w) in zip(others, weights) {
                u -= w
                if u < 0 { return name }
            }
            return others[others.count - 1]
        }
    }

    /// Fewest-doors path (breadth-first, doors in plan order, so deterministic).
    private func route(from start: String, to goal: String) -> [(FloorPlan.Door, String)] {
        var cameFrom: [String: (FloorPlan.Door, String)] = [:]
        var queue = [start], head = 0
        var seen: Set<String> = [start]
        while head < queue.count {
            let room = queue[head]; head += 1
            if room == goal { break }
            for (door, to) in exits[room] ?? [] where seen.insert(to).inserted {
                cameFrom[to] = (door, room)
                queue.append(to)
            }
        }
        var path: [(FloorPlan.Door, String)] = []
        var room = goal
        while room != start, let (door, previous) = cameFrom[room] {
            path.append((door, room))
            room = previous
        }
        return path.reversed()
    }

    /// Uniform over the room at least `wallMargin` from its walls (rejection sampling); the
    /// centroid of vertices if a room is too small for the margin.
    private func randomSpot(in name: String, rng: inout SeededRNG) -> FloorPlan.Point {
        let polygon = plan.room(named: name)!.polygon
        let box = Geometry.boundingBox(polygon)
        for _ in 0..<200 {
            let p = FloorPlan.Point(x: box.min.x + (box.max.x - box.min.x) * rng.uniformDouble(),
                                    y: box.min.y + (box.max.y - box.min.y) * rng.uniformDouble())
            if Geometry.contains(polygon, p) && Geometry.distanceToBoundary(polygon, p) >= config.wallMargin { return p }
        }
        let n = Double(polygon.count)
        return FloorPlan.Point(x: polygon.map(\.x).reduce(0, +) / n, y: polygon.map(\.y).reduce(0, +) / n)
    }
}
