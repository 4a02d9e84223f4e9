import Foundation

/// Why a temporal decoder cannot be built or run. Every case names what is wrong and where.
public enum TemporalDecodingError: Error, CustomStringConvertible, Equatable {
    /// A `--decode` entry that is not `none`, `offline` or `lag=N` (N ≥ 0), optionally with `+plan`.
    case badSpec(text: String, reason: String)
    /// The lag would put the decision for a recording's first window after its last window.
    case lagBeyondRecording(lag: Int, recording: String, windows: Int)
    /// No other room leads to `room`, so once the decoder leaves it it can never come back.
    case unreachableRoom(room: String, source: String)
    /// A row of the matrix is not a probability distribution.
    case badRow(room: String, source: String, reason: String)
    /// The floor plan and the data name different rooms.
    case planRoomsMismatch(plan: String, missingFromPlan: [String], notInData: [String])
    /// `+plan` was asked for, but the data has no floor plan.
    case noFloorPlan(data: String)
    /// A decoder with no chip form (offline needs the recording's end) was asked for on the chip.
    case notOnChip(decoder: String)

    public var description: String {
        switch self {
        case let .badSpec(text, reason):
            return "--decode \"\(text)\": \(reason) (use none, offline or lag=N with N ≥ 0, optionally followed by +plan, +freq, +add=K, +weight=W in that order)"
        case let .lagBeyondRecording(lag, recording, windows):
            return "--decode lag=\(lag): recording \(recording) has only \(windows) windows, so the lag can be at most \(max(0, windows - 1)) there"
        case let .unreachableRoom(room, source):
            return "transition matrix (\(source)): room \"\(room)\" is unreachable: no other room has a transition into it"
        case let .badRow(room, source, reason):
            return "transition matrix (\(source)): the row of room \"\(room)\" \(reason)"
        case let .planRoomsMismatch(plan, missing, extra):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("rooms of the data missing from the plan: \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("rooms of the plan not in the data: \(extra.joined(separator: ", "))") }
            return "floor plan \"\(plan)\" does not match the data's rooms (\(parts.joined(separator: "; ")))"
        case let .notOnChip(decoder):
            return "decoder \(decoder) cannot run on the chip: only a fixed lag (lag=N) can, offline waits for the recording's end"
        case let .noFloorPlan(data):
            return "--decode …+plan needs a floor plan, and data \(data) has none"
        }
    }
}

/// Which room-to-room moves a floor plan allows between consecutive windows: staying, or passing
/// one door (a staircase counts as a door). The rooms are in the data's class order.
public struct RoomAdjacency: Sendable, Equatable {
    public var plan: String
    public var rooms: [String]
    /// allowed[i][j]: room j can follow room i.
    public var allowed: [[Bool]]

    /// The plan must name exactly the data's rooms; a mismatch would silently rule out real moves.
    public init(plan: FloorPlan, rooms: [String]) throws {
        let planRooms = Set(plan.rooms.map(\.name))
        let missing = rooms.filter { !planRooms.contains($0) }
        let extra = plan.rooms.map(\.name).filter { !rooms.contains($0) }
        if !missing.isEmpty || !extra.isEmpty {
            throw TemporalDecodingError.planRoomsMismatch(plan: plan.name, missingFromPlan: missing, notInData: extra)
        }
        var allowed = (0..<rooms.count).map { i in (0..<rooms.count).map { $0 == i } }
        for door in plan.doors where door.between.count == 2 {
            guard let a = rooms.firstIndex(of: door.between[0]), let b = rooms.firstIndex(of: door.between[1]) else { continue }
            allowed[a][b] = true
            allowed[b][a] = true
        }
        self.plan = plan.name
        self.rooms = rooms
        self.allowed = allowed
    }
}

/// A hidden Markov model over rooms: P(room at window t+1 | room at t) and the class prior.
///
/// The prior is both the distribution of the first window and what a classifier's posterior is
/// divided by to act as an emission likelihood, p(x | room) ∝ p(room | x) / p(room).
public struct RoomTransitions: Sendable, Equatable {
    public var rooms: [String]
    /// probability[i][j] = P(j at t+1 | i at t); 0 for a move the floor plan rules out.
    public var probability: [[Double]]
    public var prior: [Double]
    /// Where the matrix came from, for messages (e.g. "counted on 3,212 training windows").
    public var source: String
    /// Training transitions between rooms the floor plan says are not adjacent, left out.
    public var ruledOut: Int

    /// Checks that every row is a distribution and that every room can be entered from another.
    public init(rooms: [String], probability: [[Double]], prior: [Double], source: String, ruledOut: Int = 0) throws {
        precondition(probability.count == rooms.count && probability.allSatisfy { $0.count == rooms.count } && prior.count == rooms.count,
                     "transition matrix and prior must be rooms × rooms and rooms")
        for (i, row) in probability.enumerated() {
            if row.contains(where: { !($0 >= 0 && $0.isFinite) }) {
                throw TemporalDecodingError.badRow(room: rooms[i], source: source, reason: "has a negative or non-finite entry")
            }
            let sum = row.reduce(0, +)
            if abs(sum - 1) > 1e-9 { throw TemporalDecodingError.badRow(room: rooms[i], source: source, reason: "sums to \(sum), not 1") }
        }
        if rooms.count > 1 {
            for j in rooms.indices where !rooms.indices.contains(where: { $0 != j && probability[$0][j] > 0 }) {
                throw TemporalDecodingError.unreachableRoom(room: rooms[j], source: source)
            }
        }
        self.rooms = rooms
        self.probability = probability
        self.prior = prior
        self.source = source
        self.ruledOut = ruledOut
    }

    /// Counted on runs of consecutive training windows (each run's labels in time order), with
    /// additive smoothing over the moves allowed: every allowed entry of a row gets `pseudoCount`
    /// (1: Laplace), so a move seen in no training recording keeps a small probability. With
    /// `adjacency`, moves between rooms without a door are 0 and their training counts dropped.
    /// The prior is the add-one smoothed frequency of the training labels.
    public static func counted(runs: [[Int]], rooms: [String], adjacency: RoomAdjacency? = nil,
                               pseudoCount: Double = 1) throws -> RoomTransitions {
        precondition(pseudoCount > 0, "a positive pseudo-count keeps every allowed move possible")
        let c = rooms.count
        var counts = [[Double]](repeating: [Double](repeating: 0, count: c), count: c)
        var labelCounts = [Double](repeating: 1, count: c)
        var ruledOut = 0, windows = 0
        for run in runs {
            for room in run { labelCounts[room] += 1 }
            windows += run.count
            for (from, to) in zip(run, run.dropFirst()) {
                if let adjacency, !adjacency.allowed[from][to] { ruledOut += 1; continue }
                counts[from][to] += 1
            }
        }
        let probability = (0..<c).map { i -> [Double] in
            let smoothed = (0..<c).map { j in adjacency.map { $0.allowed[i][j] } ?? true ? counts[i][j] + pseudoCount : 0 }
            let total = smoothed.reduce(0, +)
            return smoothed.map { $0 / total }
        }
        let labelTotal = labelCounts.reduce(0, +)
        let smoothing = pseudoCount == 1 ? "add-one" : "add-\(pseudoCount)"
        let source = "counted on \(windows) training windows, \(smoothing)" + (adjacency.map { ", doors of \($0.plan)" } ?? "")
        return try RoomTransitions(rooms: rooms, probability: probability, prior: labelCounts.map { $0 / labelTotal },
                                   source: source, ruledOut: ruledOut)
    }
}
