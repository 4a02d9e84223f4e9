import Foundation

/// How window predictions are decoded over time.
public enum DecodeMode: Sendable, Equatable, Hashable {
    /// Each window's own argmax.
    case none
    /// The most likely room path over the whole recording (needs the recording's end).
    case offline
    /// The decision for window t is made after window t + lag, from the best path so far.
    case lag(Int)
}

/// One decoder as named on the command line: `none`, `offline` or `lag=N`, then, in this order and
/// each at most once: `+plan` when the transitions are restricted to the floor plan's doors, `+freq`
/// when the posteriors are divided by the training room frequencies even though the classifier was
/// trained class-balanced (see `ViterbiDecoder`; it favours rare rooms), `+add=K` for K pseudo-counts
/// per allowed move instead of one (more: moves seen rarely in training become likelier), `+weight=W`
/// to multiply every emission by W (above 1 the classifier outweighs the transitions). Stored in JSON
/// as that text.
public struct DecoderSpec: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var mode: DecodeMode
    public var usesFloorPlan: Bool
    public var dividesByFrequencies: Bool
    public var pseudoCount: Double
    public var emissionWeight: Double

    public init(mode: DecodeMode, usesFloorPlan: Bool = false, dividesByFrequencies: Bool = false, pseudoCount: Double = 1,
                emissionWeight: Double = 1) {
        self.mode = mode
        self.usesFloorPlan = usesFloorPlan
        self.dividesByFrequencies = dividesByFrequencies
        self.pseudoCount = pseudoCount
        self.emissionWeight = emissionWeight
    }

    private static let options = ["plan", "freq", "add", "weight"]

    public init(parsing text: String) throws {
        var parts = text.trimmingCharacters(in: .whitespaces).split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        let body = parts.removeFirst()
        let names = parts.map { String($0.prefix { $0 != "=" }) }
        for name in names where !Self.options.contains(name) {
            throw TemporalDecodingError.badSpec(text: text, reason: "unknown option +\(name)")
        }
        if names != Self.options.filter(names.contains) || Set(names).count != names.count {
            throw TemporalDecodingError.badSpec(text: text, reason: "options go once each, in the order +plan, +freq, +add=K, +weight=W")
        }
        func value(_ name: String, range: ClosedRange<Double>) throws -> Double? {
            guard let part = parts.first(where: { $0.hasPrefix(name + "=") }) else {
                if parts.contains(name) { throw TemporalDecodingError.badSpec(text: text, reason: "+\(name) needs a value, +\(name)=…") }
                return nil
            }
            guard let v = Double(part.dropFirst(name.count + 1)), range.contains(v) else {
                throw TemporalDecodingError.badSpec(text: text, reason: "+\(part): the value must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return v
        }
        for flag in ["plan", "freq"] where parts.contains(where: { $0.hasPrefix(flag + "=") }) {
            throw TemporalDecodingError.badSpec(text: text, reason: "+\(flag) takes no value")
        }
        usesFloorPlan = parts.contains("plan")
        dividesByFrequencies = parts.contains("freq")
        pseudoCount = try value("add", range: 0.001...1_000_000) ?? 1
        emissionWeight = try value("weight", range: 0.01...100) ?? 1
        switch body {
        case "none":
            if !parts.isEmpty { throw TemporalDecodingError.badSpec(text: text, reason: "none does not decode, so +\(names[0]) means nothing") }
            mode = .none
        case "offline":
            mode = .offline
        case _ where body.hasPrefix("lag="):
            guard let lag = Int(body.dropFirst(4)) else { throw TemporalDecodingError.badSpec(text: text, reason: "the lag is not a whole number") }
            guard lag >= 0 else { throw TemporalDecodingError.badSpec(text: text, reason: "the lag is \(lag), below 0") }
            mode = .lag(lag)
        default:
            throw TemporalDecodingError.badSpec(text: text, reason: "unknown decoder")
        }
    }

    /// A comma-separated list, e.g. `none,lag=5,offline+plan`.
    public static func list(_ text: String) throws -> [DecoderSpec] {
        let specs = try text.split(separator: ",").map { try DecoderSpec(parsing: String($0)) }
        if specs.isEmpty { throw TemporalDecodingError.badSpec(text: text, reason: "no decoder named") }
        return specs
    }

    public var description: String {
        let body: String
        switch mode {
        case .none: body = "none"
        case .offline: body = "offline"
        case .lag(let n): body = "lag=\(n)"
        }
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        return body + (usesFloorPlan ? "+plan" : "") + (dividesByFrequencies ? "+freq" : "")
            + (pseudoCount != 1 ? "+add=\(number(pseudoCount))" : "") + (emissionWeight != 1 ? "+weight=\(number(emissionWeight))" : "")
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw TemporalDecodingError.badSpec(text: text, reason: "in a saved file")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Viterbi decoding of a room HMM in float (Double) log-probabilities: the reference the integer
/// decoder is checked against.
///
/// Score of room j at window t: δ_t(j) = max_i [δ_{t−1}(i) + log A(i, j)] + e_t(j), δ_0(j) = log π(j) + e_0(j),
/// with e_t(j) = w · (log q(j | x_t) − log ρ(j)): the classifier's posterior q divided by the prior ρ it
/// was trained under, so that it stands for the likelihood p(x_t | j), weighted by w (1 unless
/// `+weight=W` says otherwise). ρ is the training label
/// frequency for a plainly trained classifier; a class-balanced loss (weights ∝ 1/frequency) has
/// already divided it out, so there ρ is uniform. π is the training label frequency either way.
/// Ties go to the lowest room index.
public struct ViterbiDecoder: Sendable {
    public let rooms: Int
    /// logTransition[i·rooms + j]; −∞ for a move that is ruled out.
    public let logTransition: [Double]
    /// log π, the first window's room distribution.
    public let logPrior: [Double]
    /// w · log ρ, the prior the classifier's posteriors carry, weighted as the emissions are.
    public let logClassifierPrior: [Double]
    public let emissionWeight: Double

    public init(_ transitions: RoomTransitions, classifierPrior: [Double], emissionWeight: Double = 1) {
        self.init(rooms: transitions.rooms.count, logTransition: transitions.probability.flatMap { $0.map { log($0) } },
                  logPrior: transitions.prior.map { log($0) }, logClassifierPrior: classifierPrior.map { emissionWeight * log($0) },
                  emissionWeight: emissionWeight)
    }

    public init(rooms: Int, logTransition: [Double], logPrior: [Double], logClassifierPrior: [Double], emissionWeight: Double = 1) {
        precondition(logTransition.count == rooms * rooms && logPrior.count == rooms && logClassifierPrior.count == rooms,
                     "tables must be rooms × rooms and rooms")
        self.rooms = rooms
        self.logTransition = logTransition
        self.logPrior = logPrior
        self.logClassifierPrior = logClassifierPrior
        self.emissionWeight = emissionWeight
    }

    /// e_t(j) for rows of classifier logits, `logits[t·rooms + j]`: w · log-softmax minus w · log ρ.
    public func logEmissions(logits: ArraySlice<Float>) -> [Double] {
        precondition(logits.count % rooms == 0, "logits are not whole rows of \(rooms) rooms")
        var out = [Double](repeating: 0, count: logits.count)
        let base = logits.startIndex
        for t in 0..<(logits.count / rooms) {
            let row = (0..<rooms).map { Double(logits[base + t * rooms + $0]) }
            let top = row.max()!
            let logSum = top + log(row.reduce(0) { $0 + exp($1 - top) })
            for j in 0..<rooms { out[t * rooms + j] = emissionWeight * (row[j] - logSum) - logClassifierPrior[j] }
        }
        return out
    }

    /// The single best path over all windows.
    public func decodeOffline(logEmissions e: [Double]) -> [Int] {
        decode(logEmissions: e, lag: max(0, e.count / rooms - 1))
    }

    /// Fixed-lag decoding: after window t the best path ending at t is traced back `lag` windows and
    /// its room there is the decision for window t − lag. The last `lag` windows are decided from the
    /// best path at the recording's end. A lag covering the whole sequence is offline Viterbi.
    public func decode(logEmissions e: [Double], lag: Int) -> [Int] {
        precondition(lag >= 0 && e.count % rooms == 0, "lag must be ≥ 0 and emissions whole rows")
        let n = e.count / rooms
        guard n > 0 else { return [] }
        var score = (0..<rooms).map { logPrior[$0] + e[$0] }
        var next = score
        var back = [Int](repeating: 0, count: n * rooms)
        var decided = [Int](repeating: 0, count: n)
        func trace(from end: Int, steps: Int, room start: Int) -> Int {
            var room = start
            for t in stride(from: end, to: end - steps, by: -1) { room = back[t * rooms + room] }
            return room
        }
        for t in 0..<n {
            if t > 0 {
                for j in 0..<rooms {
                    var best = -Double.infinity, from = 0
                    for i in 0..<rooms {
                        let candidate = score[i] + logTransition[i * rooms + j]
                        if candidate > best { best = candidate; from = i }
                    }
                    next[j] = best + e[t * rooms + j]
                    back[t * rooms + j] = from
                }
                swap(&score, &next)
            }
            if t >= lag { decided[t - lag] = trace(from: t, steps: lag, room: argmax(score)) }
        }
        var room = argmax(score)
        for t in stride(from: n - 1, through: max(0, n - lag), by: -1) {
            decided[t] = room
            if t > 0 { room = back[t * rooms + room] }
        }
        return decided
    }

    private func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
