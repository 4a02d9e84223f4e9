import Foundation
import TinyTensor

/// LSTM over [B, T, F] → hidden states [B, T, H], gates in the order i, f, g, o (Keras and PyTorch):
///
///     [i f g o]_t = x_t·Wx + h_{t−1}·Wh + b       Wx [F, 4H], Wh [H, 4H], one bias [4H] (as Keras)
///     i, f, o = σ(·),  g = tanh(·)
///     c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   h_{−1} = c_{−1} = 0
///
/// The input projection of all steps is one GEMM; each step adds h_{t−1}·Wh for the whole batch.
/// Backward is backpropagation through time. Initialisation ~ U(−1/√H, 1/√H), as PyTorch.
public final class LSTM {
    public let inFeatures: Int
    public let hidden: Int
    public let inputWeight: Parameter
    public let recurrentWeight: Parameter
    public let bias: Parameter

    /// Activated gates [B·T, 4H], cell states and hidden states [B·T, H].
    private var gates: ActivationBuffer
    private var cells: ActivationBuffer
    private var states: ActivationBuffer
    private var gatesGrad: ActivationBuffer
    private var carry: ActivationBuffer
    private var cellCarry: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var input: Tensor?

    public init(name: String, inFeatures: Int, hidden: Int, rng: inout SeededRNG) {
        self.inFeatures = inFeatures
        self.hidden = hidden
        inputWeight = Parameter(name: "\(name).inputWeight", shape: [inFeatures, 4 * hidden])
        recurrentWeight = Parameter(name: "\(name).recurrentWeight", shape: [hidden, 4 * hidden])
        bias = Parameter(name: "\(name).bias", shape: [4 * hidden])
        let bound = 1 / Float(hidden).squareRoot()
        for p in [inputWeight, recurrentWeight, bias] {
            for i in 0..<p.count { p.value[i] = (rng.uniform() * 2 - 1) * bound }
        }
        gates = ActivationBuffer(rowWidth: 4 * hidden)
        cells = ActivationBuffer(rowWidth: hidden)
        states = ActivationBuffer(rowWidth: hidden)
        gatesGrad = ActivationBuffer(rowWidth: 4 * hidden)
        carry = ActivationBuffer(rowWidth: hidden)
        cellCarry = ActivationBuffer(rowWidth: hidden)
        inputGrad = ActivationBuffer(rowWidth: inFeatures)
    }

    public var parameters: [Parameter] { [inputWeight, recurrentWeight, bias] }

    private static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// x [B, T, F] → h [B, T, H] (the layer's own buffer).
    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        let H = hidden, G = 4 * hidden
        let a = gates.reserve(rows: batch * steps), c = cells.reserve(rows: batch * steps)
        let h = states.reserve(rows: batch * steps)
        input = x
        gemm(transposeA: false, transposeB: false, m: batch * steps, n: G, k: inFeatures,
             a: x.data, lda: inFeatures, b: inputWeight.value.data, ldb: G, beta: 0, c: a.data, ldc: G,
             bias: bias.value.data)
        for t in 0..<steps {
            if t > 0 {
                // Rows of step t are T rows apart: strided operands select them without copying.
                gemm(transposeA: false, transposeB: false, m: batch, n: G, k: H,
                     a: h.data + (t - 1) * H, lda: steps * H, b: recurrentWeight.value.data, ldb: G,
                     beta: 1, c: a.data + t * G, ldc: steps * G)
            }
            for b in 0..<batch {
                let row = b * steps + t
                let gate = a.data + row * G, cell = c.data + row * H, state = h.data + row * H
                for j in 0..<H {
                    let i = Self.sigmoid(gate[j]), f = Self.sigmoid(gate[H + j])
                    let g = tanhf(gate[2 * H + j]), o = Self.sigmoid(gate[3 * H + j])
                    gate[j] = i; gate[H + j] = f; gate[2 * H + j] = g; gate[3 * H + j] = o
                    let previous: Float = t > 0 ? c.data[(row - 1) * H + j] : 0
                    cell[j] = f * previous + i * g
                    state[j] = o * tanhf(cell[j])
                }
            }
        }
        return h
    }

    /// dh [B, T, H] (the loss's gradient with respect to every hidden state) → dx [B, T, F].
    public func backward(_ dh: Tensor, batch: Int, steps: Int) -> Tensor {
        guard let x = input else { preconditionFailure("LSTM.backward before forward") }
        let H = hidden, G = 4 * hidden
        let a = gates.tensor, c = cells.tensor, h = states.tensor
        let dg = gatesGrad.reserve(rows: batch * steps)
        let dhNext = carry.reserve(rows: batch), dcNext = cellCarry.reserve(rows: batch)
        dhNext.data.update(repeating: 0, count: batch * H)
        dcNext.data.update(repeating: 0, count: batch * H)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in 0..<batch {
                let row = b * steps + t
                let gate = a.data + row * G, d = dg.data + row * G
                for j in 0..<H {
                    let i = gate[j], f = gate[H + j], g = gate[2 * H + j], o = gate[3 * H + j]
                    let tc = tanhf(c.data[row * H + j])
                    let dState = dh.data[row * H + j] + dhNext.data[b * H + j]
                    // h = o·tanh(c): do = dh·tanh(c), dc += dh·o·(1 − tanh²(c))
                    let dCell = dcNext.data[b * H + j] + dState * o * (1 - tc * tc)
                    let previous: Float = t > 0 ? c.data[(row - 1) * H + j] : 0
                    // c = f·c₋₁ + i·g, then through each gate's nonlinearity to its pre-activation
                    d[j] = dCell * g * i * (1 - i)
                    d[H + j] = dCell * previous * f * (1 - f)
                    d[2 * H + j] = dCell * i * (1 - g * g)
                    d[3 * H + j] = dState * tc * o * (1 - o)
                    dcNext.data[b * H + j] = dCell * f
                }
            }
            if t > 0 {
                // pre-activation += h₋₁·Wh, so dh₋₁ = dpre·Whᵀ and dWh += h₋₁ᵀ·dpre
                gemm(transposeA: false, transposeB: true, m: batch, n: H, k: G,
                     a: dg.data + t * G, lda: steps * G, b: recurrentWeight.value.data, ldb: G,
                     beta: 0, c: dhNext.data, ldc: H)
                gemm(transposeA: true, transposeB: false, m: H, n: G, k: batch,
                     a: h.data + (t - 1) * H, lda: steps * H, b: dg.data + t * G, ldb: steps * G,
                     beta: 1, c: recurrentWeight.grad.data, ldc: G)
            }
        }
        // pre-activation = x·Wx + b for all steps at once: dWx += xᵀ·dpre, db += Σ dpre, dx = dpre·Wxᵀ
        gemm(transposeA: true, transposeB: false, m: inFeatures, n: G, k: batch * steps,
             a: x.data, lda: inFeatures, b: dg.data, ldb: G, beta: 1, c: inputWeight.grad.data, ldc: G)
        for r in 0..<(batch * steps) {
            for j in 0..<G { bias.grad.data[j] += dg.data[r * G + j] }
        }
        let dx = inputGrad.reserve(rows: batch * steps)
        gemm(transposeA: false, transposeB: true, m: batch * steps, n: inFeatures, k: G,
             a: dg.data, lda: G, b: inputWeight.value.data, ldb: G, beta: 0, c: dx.data, ldc: inFeatures)
        return dx
    }
}
