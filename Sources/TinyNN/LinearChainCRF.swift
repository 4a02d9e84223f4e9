import Foundation
import TinyTensor

/// Linear-chain conditional random field over per-step emissions E [B, T, C]:
///
///     score(y) = start[y₀] + Σ_t E[t, y_t] + Σ_{t≥1} A[y_{t−1}, y_t] + end[y_{T−1}]
///     NLL = (1/B) Σ_b (log Z_b − score_b(y_b)),   log Z = logsumexp over all C^T paths
///
/// log Z by the forward algorithm α_t(j) = E[t, j] + logsumexp_i(α_{t−1}(i) + A[i, j]);
/// the gradient from the forward–backward marginals: dE[t, j] = P(y_t = j) − 1[y_t = j],
/// dA[i, j] = Σ_t P(y_{t−1} = i, y_t = j) − count, likewise start and end; all over B.
/// Decoding is Viterbi. Transitions, start and end ~ U(−0.1, 0.1) (as pytorch-crf).
/// Recursions run in Double: C and T are small, and the loss is a difference of large sums.
public final class LinearChainCRF {
    public let classes: Int
    /// A[i, j]: score of moving from tag i to tag j.
    public let transitions: Parameter
    public let start: Parameter
    public let end: Parameter
    private var emissionsGrad: ActivationBuffer
    private var emissions: Tensor?
    private var tags: [Int] = []
    private var alpha: [Double] = []
    private var beta: [Double] = []

    public init(name: String, classes: Int, rng: inout SeededRNG) {
        self.classes = classes
        transitions = Parameter(name: "\(name).transitions", shape: [classes, classes])
        start = Parameter(name: "\(name).start", shape: [classes])
        end = Parameter(name: "\(name).end", shape: [classes])
        for p in [transitions, start, end] {
            for i in 0..<p.count { p.value[i] = (rng.uniform() * 2 - 1) * 0.1 }
        }
        emissionsGrad = ActivationBuffer(rowWidth: classes)
    }

    public var parameters: [Parameter] { [transitions, start, end] }

    private func logSumExp(_ values: UnsafeMutablePointer<Double>, _ count: Int) -> Double {
        var m = -Double.infinity
        for i in 0..<count { m = Swift.max(m, values[i]) }
        var s: Double = 0
        for i in 0..<count { s += exp(values[i] - m) }
        return m + log(s)
    }

    /// Fills alpha [T, C] for sequence `b` and returns log Z.
    private func forwardScores(_ e: UnsafePointer<Float>, steps: Int, alpha: UnsafeMutablePointer<Double>,
                               scratch: UnsafeMutablePointer<Double>) -> Double {
        let C = classes, a = transitions.value.data
        for j in 0..<C { alpha[j] = Double(start.value[j] + e[j]) }
        for t in 1..<max(steps, 1) {
            for j in 0..<C {
                for i in 0..<C { scratch[i] = alpha[(t - 1) * C + i] + Double(a[i * C + j]) }
                alpha[t * C + j] = Double(e[t * C + j]) + logSumExp(scratch, C)
            }
        }
        for j in 0..<C { scratch[j] = alpha[(steps - 1) * C + j] + Double(end.value[j]) }
        return logSumExp(scratch, C)
    }

    /// The score of one tag path (the numerator of its probability, in logs).
    private func pathScore(_ e: UnsafePointer<Float>, tags y: ArraySlice<Int>, steps: Int) -> Double {
        let C = classes, first = y.startIndex
        var s = Double(start.value[y[first]]) + Double(end.value[y[first + steps - 1]])
        for t in 0..<steps {
            s += Double(e[t * C + y[first + t]])
            if t > 0 { s += Double(transitions.value[y[first + t - 1] * C + y[first + t]]) }
        }
        return s
    }

    /// Mean NLL over `batch` sequences; `tags` holds batch·steps labels in 0..<C.
    public func forward(_ e: Tensor, tags: [Int], batch: Int, steps: Int) -> Float {
        precondition(tags.count >= batch * steps && steps >= 1)
        emissions = e
        self.tags = tags
        if alpha.count < steps * classes { alpha = [Double](repeating: 0, count: steps * classes) }
        var scratch = [Double](repeating: 0, count: classes)
        var total: Double = 0
        alpha.withUnsafeMutableBufferPointer { al in
            scratch.withUnsafeMutableBufferPointer { sc in
                for b in 0..<batch {
                    let eb = e.data + b * steps * classes
                    let logZ = forwardScores(eb, steps: steps, alpha: al.baseAddress!, scratch: sc.baseAddress!)
                    total += logZ - pathScore(eb, tags: tags[(b * steps)..<((b + 1) * steps)], steps: steps)
                }
            }
        }
        return Float(total / Double(batch))
    }

    /// dE [B, T, C] for the last forward; accumulates the transition, start and end gradients.
    public func backward(batch: Int, steps: Int) -> Tensor {
        guard let e = emissions else { preconditionFailure("CRF.backward before forward") }
        let C = classes, a = transitions.value.data
        let dA = transitions.grad.data, dStart = start.grad.data, dEnd = end.grad.data
        let de = emissionsGrad.reserve(rows: batch * steps)
        let scale = 1 / Double(batch)
        if beta.count < steps * C { beta = [Double](repeating: 0, count: steps * C) }
        var scratch = [Double](repeating: 0, count: C)
        alpha.withUnsafeMutableBufferPointer { al in
            beta.withUnsafeMutableBufferPointer { be in
                scratch.withUnsafeMutableBufferPointer { sc in
                    let al = al.baseAddress!, be = be.baseAddress!, sc = sc.baseAddress!
                    for b in 0..<batch {
                        let eb = e.data + b * steps * C, d = de.data + b * steps * C
                        let y = tags[(b * steps)..<((b + 1) * steps)], first = y.startIndex
                        let logZ = forwardScores(eb, steps: steps, alpha: al, scratch: sc)
                        // β_{T−1}(i) = end[i]; β_t(i) = logsumexp_j(A[i, j] + E[t+1, j] + β_{t+1}(j))
                        for i in 0..<C { be[(steps - 1) * C + i] = Double(end.value[i]) }
                        for t in stride(from: steps - 2, through: 0, by: -1) {
                            for i in 0..<C {
                                for j in 0..<C { sc[j] = Double(a[i * C + j] + eb[(t + 1) * C + j]) + be[(t + 1) * C + j] }
                                be[t * C + i] = logSumExp(sc, C)
                            }
                        }
                        for t in 0..<steps {
                            for j in 0..<C {
                                let marginal = exp(al[t * C + j] + be[t * C + j] - logZ)
                                let observed: Double = y[first + t] == j ? 1 : 0
                                d[t * C + j] = Float((marginal - observed) * scale)
                                if t == 0 { dStart[j] += Float((marginal - observed) * scale) }
                                if t == steps - 1 { dEnd[j] += Float((marginal - observed) * scale) }
                            }
                            guard t > 0 else { continue }
                            for i in 0..<C {
                                for j in 0..<C {
                                    let pair = exp(al[(t - 1) * C + i] + Double(a[i * C + j] + eb[t * C + j]) + be[t * C + j] - logZ)
                                    dA[i * C + j] += Float(pair * scale)
                                }
                            }
                            dA[y[first + t - 1] * C + y[first + t]] -= Float(scale)
                        }
                    }
                }
            }
        }
        return de
    }

    /// The highest-scoring tag path of each sequence (Viterbi), batch·steps tags.
    public func decode(_ e: Tensor, batch: Int, steps: Int) -> [Int] {
        let C = classes, a = transitions.value.data
        var path = [Int](repeating: 0, count: batch * steps)
        var delta = [Double](repeating: 0, count: steps * C)
        var back = [Int](repeating: 0, count: steps * C)
        for b in 0..<batch {
            let eb = e.data + b * steps * C
            for j in 0..<C { delta[j] = Double(start.value[j] + eb[j]) }
            for t in 1..<max(steps, 1) {
                for j in 0..<C {
                    var best = 0, bestScore = -Double.infinity
                    for i in 0..<C {
                        let s = delta[(t - 1) * C + i] + Double(a[i * C + j])
                        if s > bestScore { bestScore = s; best = i }
                    }
                    delta[t * C + j] = bestScore + Double(eb[t * C + j])
                    back[t * C + j] = best
                }
            }
            var last = 0, lastScore = -Double.infinity
            for j in 0..<C where delta[(steps - 1) * C + j] + Double(end.value[j]) > lastScore {
                lastScore = delta[(steps - 1) * C + j] + Double(end.value[j])
                last = j
            }
            path[b * steps + steps - 1] = last
            for t in stride(from: steps - 1, to: 0, by: -1) {
                last = back[t * C + last]
                path[b * steps + t - 1] = last
            }
        }
        return path
    }
}
