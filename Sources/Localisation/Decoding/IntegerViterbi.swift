import Foundation

/// Fixed-lag Viterbi as it runs on the chip: log-probabilities in int16 fixed point (`fractionBits`
/// bits after the point), scores in int32, max-plus in integers, and a ring of `lag` rows of uint8
/// back-pointers — the only memory that grows with the lag. Made by conversion from the float model.
/// 10 fraction bits (steps of 1/1024 nat, range ±32 nats): at 8 bits a near-tie in the tests'
/// random cases went the other way from the float decoder; an emission more than 32 nats below the
/// window's best room is clamped there.
///
/// Emissions come straight from the classifier's logits: log-softmax differs from the logits by a
/// constant per window, which no path comparison sees, so e_t(j) = (z_t(j) − max_k z_t(k)) − log ρ(j)
/// needs no exp or log on the chip. Scores are shifted by their maximum after every window (again
/// invisible to the comparisons), so they stay within int32 however long the recording.
public struct IntegerViterbi: Sendable {
    public let rooms: Int
    public let fractionBits: Int
    /// log A(i, j) in fixed point, `logTransition[i·rooms + j]`; `Int16.min` marks a ruled-out move.
    public let logTransition: [Int16]
    /// log π and w · log ρ (see `ViterbiDecoder`).
    public let logPrior: [Int16]
    public let logClassifierPrior: [Int16]
    /// w: every emission's weight, applied before the emissions are rounded to fixed point.
    public let emissionWeight: Double

    public init(converting transitions: RoomTransitions, classifierPrior: [Double], emissionWeight: Double = 1, fractionBits: Int = 10) {
        precondition(transitions.rooms.count <= 256, "uint8 back-pointers hold at most 256 rooms")
        rooms = transitions.rooms.count
        self.fractionBits = fractionBits
        let scale = Double(1 << fractionBits)
        func fixed(_ p: Double) -> Int16 {
            // Int16.min is kept for "ruled out": a possible move stays possible however unlikely.
            p > 0 ? max(Int16.min + 1, Int16(clamping: Int((log(p) * scale).rounded()))) : Int16.min
        }
        logTransition = transitions.probability.flatMap { $0.map(fixed) }
        logPrior = transitions.prior.map(fixed)
        logClassifierPrior = classifierPrior.map { fixed(pow($0, emissionWeight)) }
        self.emissionWeight = emissionWeight
    }

    /// The scaling of output codes of scale `scoreScale`, this decoder's emission weight folded in.
    public func scaling(scoreScale: Float) -> ScoreScaling {
        ScoreScaling(scoreScale: Float(Double(scoreScale) * emissionWeight), fractionBits: fractionBits)
    }

    /// The emissions of logit rows in fixed point, clamped to int16 (≈ −32 nats at 10 fraction bits:
    /// a room that unlikely is as good as impossible).
    public func quantizedEmissions(logits: ArraySlice<Float>) -> [Int16] {
        let scale = Float(Double(1 << fractionBits) * emissionWeight)
        var out = [Int16](repeating: 0, count: logits.count)
        let base = logits.startIndex
        for t in 0..<(logits.count / rooms) {
            let row = logits[(base + t * rooms)..<(base + (t + 1) * rooms)]
            let top = row.max()!
            for j in 0..<rooms {
                let shifted = Int(((row[base + t * rooms + j] - top) * scale).rounded()) - Int(logClassifierPrior[j])
                out[t * rooms + j] = Int16(clamping: shifted)
            }
        }
        return out
    }

    /// The emissions of an integer classifier's output codes (one row of `rooms` codes per window,
    /// real logit = scale · (code − zero point)): e_t(j) = (s_t(j) − max_k s_t(k)) · scale in fixed
    /// point, minus log ρ(j), clamped to int16. The zero point cancels in the difference and the
    /// scale is one fixed-point multiplier (`ScoreScaling`), so the chip needs neither float nor a table.
    public func emissions(scores: [Int32], scaling: ScoreScaling) -> [Int16] {
        precondition(scores.count % rooms == 0, "scores are not whole rows of \(rooms) rooms")
        var out = [Int16](repeating: 0, count: scores.count)
        for t in 0..<(scores.count / rooms) {
            let row = scores[(t * rooms)..<((t + 1) * rooms)]
            let top = row.max()!
            for j in 0..<rooms {
                out[t * rooms + j] = Int16(clamping: scaling.fixedPoint(row[t * rooms + j] - top) - Int64(logClassifierPrior[j]))
            }
        }
        return out
    }

    /// The float model these tables stand for exactly (the float decoder on it takes the same path):
    /// fixed-point values divided by 2^fractionBits, ruled-out moves as probability 0.
    public var dequantized: ViterbiDecoder {
        let scale = Double(1 << fractionBits)
        return ViterbiDecoder(rooms: rooms, logTransition: logTransition.map { $0 == Int16.min ? -Double.infinity : Double($0) / scale },
                              logPrior: logPrior.map { Double($0) / scale }, logClassifierPrior: logClassifierPrior.map { Double($0) / scale },
                              emissionWeight: emissionWeight)
    }

    /// Same contract as `ViterbiDecoder.decode(logEmissions:lag:)`, on fixed-point emissions.
    public func decode(emissions e: [Int16], lag: Int) -> [Int] {
        precondition(lag >= 0 && e.count % rooms == 0, "lag must be ≥ 0 and emissions whole rows")
        let n = e.count / rooms
        guard n > 0 else { return [] }
        let unreachable = Int32.min / 2
        var score = (0..<rooms).map { Int32(logPrior[$0]) + Int32(e[$0]) }
        var next = score
        // back[(t mod lag)·rooms + j]: the room before j on the best path into j at window t.
        var back = [UInt8](repeating: 0, count: lag * rooms)
        var decided = [Int](repeating: 0, count: n)
        func trace(from end: Int, steps: Int, room start: Int) -> Int {
            var room = start
            for t in stride(from: end, to: end - steps, by: -1) { room = Int(back[(t % lag) * rooms + room]) }
            return room
        }
        for t in 0..<n {
            if t > 0 {
                for j in 0..<rooms {
                    var best = unreachable, from = 0
                    for i in 0..<rooms where score[i] > unreachable {
                        let a = logTransition[i * rooms + j]
                        guard a != Int16.min else { continue }
                        let candidate = score[i] + Int32(a)
                        if candidate > best { best = candidate; from = i }
                    }
                    next[j] = best == unreachable ? unreachable : best + Int32(e[t * rooms + j])
                    if lag > 0 { back[(t % lag) * rooms + j] = UInt8(from) }
                }
                let top = next.max()!
                for j in 0..<rooms where next[j] > unreachable { next[j] -= top }
                swap(&score, &next)
            }
            if t >= lag { decided[t - lag] = trace(from: t, steps: lag, room: argmax(score)) }
        }
        var room = argmax(score)
        for t in stride(from: n - 1, through: max(0, n - lag), by: -1) {
            decided[t] = room
            if t > 0 && t > n - lag { room = Int(back[(t % lag) * rooms + room]) }
        }
        return decided
    }

    /// Bytes on the chip for a lag of `lag` windows (offline: lag = windows − 1).
    public func footprint(lag: Int) -> DecoderFootprint {
        DecoderFootprint(rooms: rooms, lag: lag)
    }

    private func argmax(_ values: [Int32]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}

/// A difference of two int8 output codes as a log-probability in the decoder's fixed point:
/// d · scale · 2^fractionBits = (d · multiplier + 2^(shift−1)) >> shift, rounded half up, in int64.
/// 24 bits after the multiplier's point keep the relative error below 2^−24 / scale for any output
/// scale above 2^−14, far under the decoder's 1/1024-nat step.
public struct ScoreScaling: Sendable, Equatable {
    public static let shift = 24
    public let multiplier: Int64

    public init(scoreScale: Float, fractionBits: Int) {
        precondition(scoreScale > 0 && scoreScale.isFinite && fractionBits >= 0 && fractionBits <= 16,
                     "an output scale must be positive and finite, fraction bits 0…16")
        multiplier = Int64((Double(scoreScale) * Double(Int64(1) << (fractionBits + Self.shift))).rounded())
    }

    /// `difference` is s − max, so −255…0 for int8 codes.
    public func fixedPoint(_ difference: Int32) -> Int64 {
        (Int64(difference) * multiplier + (Int64(1) << (Self.shift - 1))) >> Self.shift
    }
}

/// The integer decoder's memory: RAM holds the back-pointer ring (lag × rooms uint8), two score
/// rows (rooms int32 each: the previous window's and the one being computed) and the uint32 count
/// of windows since the reset (it places the ring and says when the first decision is due); flash
/// holds the transition table (rooms × rooms int16), the two log priors π and ρ (rooms int16 each)
/// and the int64 multiplier that turns output codes into emissions.
public struct DecoderFootprint: Sendable, Equatable, Codable {
    public var rooms: Int
    public var lag: Int
    public var backPointerBytes: Int
    public var scoreBytes: Int
    public var transitionBytes: Int
    public var priorBytes: Int
    public static let counterBytes = MemoryLayout<UInt32>.size
    public static let multiplierBytes = MemoryLayout<Int64>.size

    public init(rooms: Int, lag: Int) {
        self.rooms = rooms
        self.lag = lag
        backPointerBytes = lag * rooms
        scoreBytes = 2 * rooms * MemoryLayout<Int32>.size
        transitionBytes = rooms * rooms * MemoryLayout<Int16>.size
        priorBytes = 2 * rooms * MemoryLayout<Int16>.size
    }

    public var ramBytes: Int { backPointerBytes + scoreBytes + Self.counterBytes }
    public var flashBytes: Int { transitionBytes + priorBytes + Self.multiplierBytes }
}
