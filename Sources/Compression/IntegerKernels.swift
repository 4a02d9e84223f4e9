/// The integer kernels, each a small value holding what its conversion precomputed and a `run`
/// over row-major Int32 buffers (values within the tensor's bit width). No Float is touched here:
/// scales were folded into `QuantizedMultiplier`s, biases, tables and constants at conversion.
///
/// Shapes: rows R (steps, or 1), columns as named. Zero points are the tensors' own.

/// y[r][c] = clamp(M[c]·(bias[c] + Σ_i w[c][i]·(x[r][i] − z_x)) + z_y), with M[c] = s_x·s_w[c]/s_y
/// (TFLite's per-channel FULLY_CONNECTED; clamp low = z_y when ReLU is fused).
/// `flatten` reads all of x as one row.
public struct FullyConnectedKernel: Sendable, Codable, Equatable {
    public var weights: SymmetricPerChannelWeights
    public var bias: [Int32]
    public var multipliers: [QuantizedMultiplier]
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32
    public var flatten: Bool

    /// Σ_i w[c][i] per output, so the zero point comes out of the inner loop:
    /// Σ w·(x − z) = Σ w·x − z·Σ w (exact in integers).
    var weightSums: [Int32] {
        (0..<weights.outFeatures).map { c in (0..<weights.inFeatures).reduce(Int32(0)) { $0 + weights.values[c * weights.inFeatures + $1] } }
    }

    func run(_ x: [Int32], rows: Int, weightSums: [Int32]) -> [Int32] {
        let n = weights.inFeatures, m = weights.outFeatures, rowCount = flatten ? 1 : rows
        precondition(x.count == rowCount * n, "fully connected: input is not \(rowCount)×\(n)")
        // |x − z| ≤ 65,535 at most: an int32 dot product cannot overflow while n·qmax_w·65,535 fits
        // (516 inputs at int8 weights); past that, 64 bits.
        let wide = Int64(n) * Int64(weights.qmax) * 65_535 >= Int64(Int32.max)
        var y = [Int32](repeating: 0, count: rowCount * m)
        weights.values.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { x in
                for r in 0..<rowCount {
                    let xr = x.baseAddress! + r * n
                    for c in 0..<m {
                        let wc = w.baseAddress! + c * n
                        var acc: Int64
                        if wide {
                            acc = Int64(bias[c])
                            for i in 0..<n { acc += Int64(wc[i]) * Int64(xr[i] - inputZero) }
                        } else {
                            var dot: Int32 = 0
                            for i in 0..<n { dot &+= wc[i] &* xr[i] }
                            acc = Int64(bias[c]) + Int64(dot) - Int64(inputZero) * Int64(weightSums[c])
                        }
                        let scaled = FixedPoint.multiply(IntegerMath.saturate(acc, bits: 32), by: multipliers[c]) + outputZero
                        y[r * m + c] = min(max(scaled, outputMin), outputMax)
                    }
                }
            }
        }
        return y
    }
}

/// TFLite's quantized ADD: both inputs are brought to a common scale 2·max(s₁, s₂) with
/// `leftShift` bits of headroom, added, and requantized to the output:
/// a = M₁·((x₁ − z₁)·2^shift), b = M₂·((x₂ − z₂)·2^shift), y = clamp(M_out·(a + b) + z_y).
public struct AddKernel: Sendable, Codable, Equatable {
    public var leftShift: Int
    public var firstMultiplier: QuantizedMultiplier
    public var secondMultiplier: QuantizedMultiplier
    public var outputMultiplier: QuantizedMultiplier
    public var firstZero: Int32
    public var secondZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    init(first: TensorQuantization, second: TensorQuantization, output: TensorQuantization) {
        leftShift = (first.bits == 8 && second.bits == 8) ? 20 : 15
        let twiceMax = 2 * Double(max(first.scale, second.scale))
        firstMultiplier = QuantizedMultiplier(Double(first.scale) / twiceMax)
        secondMultiplier = QuantizedMultiplier(Double(second.scale) / twiceMax)
        outputMultiplier = QuantizedMultiplier(twiceMax / (Double(1 << leftShift) * Double(output.scale)))
        firstZero = first.zeroPoint
        secondZero = second.zeroPoint
        outputZero = output.zeroPoint
        outputMin = output.qmin
        outputMax = output.qmax
    }

    func run(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        precondition(a.count == b.count, "add: operands differ in size")
        return (0..<a.count).map { i in
            let x = FixedPoint.multiply((a[i] - firstZero) << Int32(leftShift), by: firstMultiplier)
            let y = FixedPoint.multiply((b[i] - secondZero) << Int32(leftShift), by: secondMultiplier)
            return min(max(FixedPoint.multiply(x + y, by: outputMultiplier) + outputZero, outputMin), outputMax)
        }
    }
}

/// y = clamp(M·(x − z_x) + z_y): a change of quantization (interleaving), or the mean (M = s_x/(T·s_y) on a sum).
public struct RequantizeKernel: Sendable, Codable, Equatable {
    public var multiplier: QuantizedMultiplier
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    func apply(_ centred: Int32) -> Int32 {
        min(max(FixedPoint.multiply(centred, by: multiplier) + outputZero, outputMin), outputMax)
    }

    func run(_ x: [Int32]) -> [Int32] { x.map { apply($0 - inputZero) } }

    /// [T, C] → [1, C]: Σ_t (x − z_x) then one requantization (M = s_x/(T·s_y)).
    func mean(_ x: [Int32], rows: Int, columns: Int) -> [Int32] {
        (0..<columns).map { c in
            var sum: Int32 = 0
            for t in 0..<rows { sum += x[t * columns + c] - inputZero }
            return apply(sum)
        }
    }
}

/// y = clamp(M·(x₁ − z₁)·(x₂ − z₂) + z_y), M = s₁·s₂/s_y (TFLite's MUL).
public struct MulKernel: Sendable, Codable, Equatable {
    public var multiplier: QuantizedMultiplier
    public var firstZero: Int32
    public var secondZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    func run(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        (0..<a.count).map { i in
            let product = (a[i] - firstZero) * (b[i] - secondZero)
            return min(max(FixedPoint.multiply(product, by: multiplier) + outputZero, outputMin), outputMax)
        }
    }
}

/// An elementwise function as a table built from the input and output quantizations: for an
/// int8 input, 256 entries, y = table[x + 128]; for an int16 input (symmetric), 513 entries
/// 128 codes apart with linear interpolation (TFLite's int16 LUT scheme).
public struct LookupTable: Sendable, Codable, Equatable {
    public var function: TableFunction
    public var inputBits: Int
    public var outputBits: Int
    public var values: [Int32]

    public enum TableFunction: String, Sendable, Codable {
        case relu, gelu, silu, sigmoid, tanh, softplus, elu, exp
    }

    /// The input code each entry stands for.
    public func inputCode(ofEntry i: Int) -> Int32 { inputBits == 8 ? Int32(i - 128) : Int32(i * 128 - 32768) }

    public func apply(_ q: Int32) -> Int32 {
        if inputBits == 8 { return values[Int(q) + 128] }
        let u = Int(q) + 32768
        let i = u >> 7, r = Int32(u & 127)
        let low = values[i], high = values[i + 1]
        return low + (((high - low) * r + 64) >> 7)
    }

    func run(_ x: [Int32]) -> [Int32] { x.map(apply) }
}

/// LayerNorm (`centred` true) or RMSNorm per row of C values, in integers:
/// x_i = q_i − z_x; LayerNorm: d_i = C·x_i − Σx (C times the deviation from the mean), RMSNorm:
/// d_i = C·x_i. σ_C = ⌊√(Σd²/C + ε_q)⌋ (C times the row's standard deviation in input codes, ε
/// carried into codes at conversion), n_i = ⌊d_i·2^12 / σ_C⌋ (the normalized value in Q12), then
/// y_i = clamp(sign_i·M_i·n_i + b_i + z_y) with M_i = |γ_i|/(2^12·s_y) and b_i = round(β_i/s_y).
/// The input scale cancels: only its ε term needs it.
public struct NormKernel: Sendable, Codable, Equatable {
    public var centred: Bool
    public var multipliers: [QuantizedMultiplier]
    public var negative: [Bool]
    public var bias: [Int32]
    /// ε·C²/s_x², rounded (the ε of √(σ² + ε) in the units of Σd²/C).
    public var epsilon: Int64
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    func run(_ x: [Int32], rows: Int) -> [Int32] {
        let c = multipliers.count
        var y = [Int32](repeating: 0, count: x.count)
        var d = [Int64](repeating: 0, count: c)
        for r in 0..<rows {
            var sum: Int64 = 0
            for i in 0..<c { sum += Int64(x[r * c + i] - inputZero) }
            var squares: Int64 = 0
            for i in 0..<c {
                d[i] = Int64(c) * Int64(x[r * c + i] - inputZero) - (centred ? sum : 0)
                squares += d[i] * d[i]
            }
            let sigma = max(IntegerMath.squareRoot(squares / Int64(c) + epsilon), 1)
            for i in 0..<c {
                let n = IntegerMath.saturate((d[i] << 12) / sigma, bits: 32)
                let scaled = FixedPoint.multiply(n, by: multipliers[i])
                let v = Int64(negative[i] ? -scaled : scaled) + Int64(bias[i]) + Int64(outputZero)
                y[r * c + i] = Int32(min(max(v, Int64(outputMin)), Int64(outputMax)))
            }
        }
        return y
    }
}

/// Multi-head attention on Q [Tq, d], K [T, d], V [T, d] (each with its own quantization):
/// per head and query i, a_j = Σ_c (q_ic − z_q)(k_jc − z_k) (int32); the softmax runs on
/// a_j − max_j a_j converted to Q10 natural-log units by M_s = s_q·s_k/√dₕ·2^10, e_j = exp(·) in Q16
/// (`IntegerMath.exp`), p_j = ⌊e_j·2^15 / Σe⌋ (Q15); then o_c = Σ_j p_j (v_jc − z_v), requantized by
/// M_o = s_v/(2^15·s_y). Only the last `queries` rows of Q ask. Scratch: one row of T scores.
/// With int16 operands the sums are formed in 64 bits and shifted right by `scoreShift` /
/// `valueShift` before requantization (the multipliers carry the 2^shift), so nothing overflows.
public struct AttentionKernel: Sendable, Codable, Equatable {
    public var heads: Int
    public var width: Int
    public var queries: Int?
    public var scoreShift: Int
    public var valueShift: Int
    public var queryZero: Int32
    public var keyZero: Int32
    public var valueZero: Int32
    public var scoreMultiplier: QuantizedMultiplier
    public var outputMultiplier: QuantizedMultiplier
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    func run(query: [Int32], key: [Int32], value: [Int32], keys: Int) -> [Int32] {
        let d = width, dh = d / heads, asking = queries ?? (query.count / d), first = query.count / d - asking
        var y = [Int32](repeating: 0, count: asking * d)
        var scores = [Int32](repeating: 0, count: keys)
        for h in 0..<heads {
            for i in 0..<asking {
                let qi = (first + i) * d + h * dh
                var best = Int32.min
                for j in 0..<keys {
                    var acc: Int64 = 0
                    for c in 0..<dh { acc += Int64(query[qi + c] - queryZero) * Int64(key[j * d + h * dh + c] - keyZero) }
                    scores[j] = IntegerMath.saturate(acc >> Int64(scoreShift), bits: 32)
                    best = max(best, scores[j])
                }
                var total: Int64 = 0
                for j in 0..<keys {
                    let gap = IntegerMath.saturate(Int64(best) - Int64(scores[j]), bits: 32)
                    let logit = -FixedPoint.multiply(gap, by: scoreMultiplier)
                    scores[j] = IntegerMath.exp(q10: max(logit, -24 * 1024))
                    total += Int64(scores[j])
                }
                for j in 0..<keys { scores[j] = Int32((Int64(scores[j]) << 15) / total) }
                for c in 0..<dh {
                    var acc: Int64 = 0
                    for j in 0..<keys { acc += Int64(scores[j]) * Int64(value[j * d + h * dh + c] - valueZero) }
                    let scaled = FixedPoint.multiply(IntegerMath.saturate(acc >> Int64(valueShift), bits: 32), by: outputMultiplier)
                    y[i * d + h * dh + c] = min(max(scaled + outputZero, outputMin), outputMax)
                }
            }
        }
        return y
    }
}

/// 1-D convolution over rows with per-output-channel int8 weights (in = k·Cin, tap-major as the
/// float weight): y[t][o] = clamp(M_o·(bias_o + Σ_j Σ_c w[o][j·Cin + c]·(x[t·stride + j − pad][c] − z_x)) + z_y);
/// rows outside the input read real 0 and are skipped.
public struct Conv1dKernel: Sendable, Codable, Equatable {
    public var weights: SymmetricPerChannelWeights
    public var bias: [Int32]
    public var multipliers: [QuantizedMultiplier]
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    func run(_ x: [Int32], rows: Int, outputRows: Int) -> [Int32] {
        let cin = weights.inFeatures / kernel, cout = weights.outFeatures, n = weights.inFeatures
        var y = [Int32](repeating: 0, count: outputRows * cout)
        weights.values.withUnsafeBufferPointer { w in
            for t in 0..<outputRows {
                for o in 0..<cout {
                    var acc = Int64(bias[o])
                    for j in 0..<kernel {
                        let row = t * stride + j - padding
                        guard row >= 0 && row < rows else { continue }
                        var dot: Int32 = 0
                        for c in 0..<cin { dot &+= w[o * n + j * cin + c] &* (x[row * cin + c] - inputZero) }
                        acc += Int64(dot)
                    }
                    let scaled = FixedPoint.multiply(IntegerMath.saturate(acc, bits: 32), by: multipliers[o]) + outputZero
                    y[t * cout + o] = min(max(scaled, outputMin), outputMax)
                }
            }
        }
        return y
    }
}

/// Depthwise causal convolution: y[t][c] = clamp(M_c·(bias_c + Σ_j w[c][j]·(x[t−k+1+j][c] − z_x)) + z_y),
/// taps before the first row read real 0 (x = z_x) and are skipped. Streaming passes the history
/// rows (k−1, oldest first) before the current row, and gets them back shifted.
public struct DepthwiseConvKernel: Sendable, Codable, Equatable {
    /// in = k taps, out = C channels.
    public var weights: SymmetricPerChannelWeights
    public var bias: [Int32]
    public var multipliers: [QuantizedMultiplier]
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    /// `x` holds `history` rows of earlier steps followed by the rows to convolve.
    func run(_ x: [Int32], rows: Int, history: Int) -> [Int32] {
        let k = weights.inFeatures, c = weights.outFeatures
        var y = [Int32](repeating: 0, count: rows * c)
        for t in 0..<rows {
            let last = t + history // index of the current row in x
            for ch in 0..<c {
                var acc = bias[ch]
                for j in 0..<k {
                    let row = last - (k - 1) + j
                    if row < 0 { continue }
                    acc += weights.values[ch * k + j] * (x[row * c + ch] - inputZero)
                }
                y[t * c + ch] = min(max(FixedPoint.multiply(acc, by: multipliers[ch]) + outputZero, outputMin), outputMax)
            }
        }
        return y
    }
}

/// Mamba's selective scan in integers, per row t, channel e, state entry n:
///
///     δ = x_Δ − z_Δ,  υ = x_u − z_u
///     decay = exp(−M_A·(δ·A_q[e][n]))          Q16, M_A = s_Δ·s_A·2^10 (A = −s_A·A_q, int16)
///     h ← ⌊(decay·h + 2^15) / 2^16⌋ + M_in·(δ·υ·(x_B − z_B))      h int16 or int32, scale s_h
///     y = clamp(M_y·(Σ_n h·(x_C − z_C) >> accShift) + M_D·(υ·D_q[e]) + z_y)
///
/// with M_in = s_Δ·s_u·s_B·2^productShift/s_h (the product δ·υ·(x_B − z_B) is formed in 64 bits and
/// shifted right by `productShift`, 16 when an operand is int16, so it fits 32 bits),
/// M_y = s_h·s_C·2^accShift/s_y, M_D = s_u·s_D/s_y. The state's scale comes from its calibrated
/// range; it saturates rather than wraps.
public struct ScanKernel: Sendable, Codable, Equatable {
    public var channels: Int
    public var stateSize: Int
    public var stateBits: Int
    public var decayRates: [Int32]
    public var decayMultiplier: QuantizedMultiplier
    public var inputMultiplier: QuantizedMultiplier
    public var readoutMultiplier: QuantizedMultiplier
    public var accumulatorShift: Int
    public var productShift: Int
    public var skip: [Int32]
    public var skipMultiplier: QuantizedMultiplier
    public var uZero: Int32
    public var deltaZero: Int32
    public var bZero: Int32
    public var cZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32

    /// u, Δ [T, E]; b, c [T, N]; `state` [E, N] is updated in place (zero for a new window).
    func run(u: [Int32], delta: [Int32], b: [Int32], c: [Int32], rows: Int, state h: inout [Int32]) -> [Int32] {
        let e = channels, n = stateSize
        var y = [Int32](repeating: 0, count: rows * e)
        for t in 0..<rows {
            for ch in 0..<e {
                let dt = delta[t * e + ch] - deltaZero, uu = u[t * e + ch] - uZero
                var acc: Int64 = 0
                for j in 0..<n {
                    let decay = IntegerMath.exp(q10: -FixedPoint.multiply(dt * decayRates[ch * n + j], by: decayMultiplier))
                    let kept = (Int64(decay) * Int64(h[ch * n + j]) + (1 << 15)) >> 16
                    let product = Int64(dt) * Int64(uu) * Int64(b[t * n + j] - bZero)
                    let input = FixedPoint.multiply(IntegerMath.saturate(product >> Int64(productShift), bits: 32), by: inputMultiplier)
                    let v = IntegerMath.saturate(kept + Int64(input), bits: stateBits)
                    h[ch * n + j] = v
                    acc += Int64(v) * Int64(c[t * n + j] - cZero)
                }
                let readout = FixedPoint.multiply(IntegerMath.saturate(acc >> Int64(accumulatorShift), bits: 32), by: readoutMultiplier)
                let direct = FixedPoint.multiply(uu * skip[ch], by: skipMultiplier)
                let v = Int64(readout) + Int64(direct) + Int64(outputZero)
                y[t * e + ch] = Int32(min(max(v, Int64(outputMin)), Int64(outputMax)))
            }
        }
        return y
    }
}

/// LSTM with int8 inputs and hidden states and int16 gates (as TFLite's integer LSTM):
/// pre = M_x[g]·(bias[g] + Σ w_x·(x − z_x)) + M_h[g]·Σ w_h·(h − z_h) in Q3.12 (int16);
/// i, f, o = σ(pre), g = tanh(pre) from 513-entry interpolated tables to Q0.15;
/// c ← ⌊f·c/2^15⌉ + ⌊i·g/2^(30−F)⌉ (int16, F = `cellFractionBits`), h = clamp(M_out·(o·tanh(c)) + z_h)
/// with tanh(c) read after moving c to Q3.12. The hidden state fed back is the int8 h.
public struct LSTMKernel: Sendable, Codable, Equatable {
    public var hidden: Int
    public var inputWeights: SymmetricPerChannelWeights
    public var recurrentWeights: SymmetricPerChannelWeights
    public var bias: [Int32]
    public var inputMultipliers: [QuantizedMultiplier]
    public var recurrentMultipliers: [QuantizedMultiplier]
    public var cellFractionBits: Int
    public var outputMultiplier: QuantizedMultiplier
    public var inputZero: Int32
    public var outputZero: Int32
    public var outputMin: Int32
    public var outputMax: Int32
    public var sigmoid: LookupTable
    public var tanh: LookupTable

    func run(_ x: [Int32], rows: Int) -> [Int32] {
        let f = inputWeights.inFeatures, hid = hidden, g = 4 * hid
        var y = [Int32](repeating: 0, count: rows * hid)
        var h = [Int32](repeating: outputZero, count: hid), cell = [Int32](repeating: 0, count: hid)
        var gates = [Int32](repeating: 0, count: g)
        for t in 0..<rows {
            for o in 0..<g {
                var ax = bias[o], ah: Int32 = 0
                for i in 0..<f { ax += inputWeights.values[o * f + i] * (x[t * f + i] - inputZero) }
                for i in 0..<hid { ah += recurrentWeights.values[o * hid + i] * (h[i] - outputZero) }
                let pre = Int64(FixedPoint.multiply(ax, by: inputMultipliers[o])) + Int64(FixedPoint.multiply(ah, by: recurrentMultipliers[o]))
                gates[o] = IntegerMath.saturate(pre, bits: 16)
            }
            for j in 0..<hid {
                let ig = sigmoid.apply(gates[j]), fg = sigmoid.apply(gates[hid + j])
                let gg = tanh.apply(gates[2 * hid + j]), og = sigmoid.apply(gates[3 * hid + j])
                let kept = (Int64(fg) * Int64(cell[j]) + (1 << 14)) >> 15
                let shift = Int64(30 - cellFractionBits)
                let added = (Int64(ig) * Int64(gg) + (Int64(1) << (shift - 1))) >> shift
                cell[j] = IntegerMath.saturate(kept + added, bits: 16)
                let c12: Int32 = cellFractionBits >= 12
                    ? FixedPoint.roundingDivideByPOT(cell[j], cellFractionBits - 12)
                    : IntegerMath.saturate(Int64(cell[j]) << Int64(12 - cellFractionBits), bits: 16)
                let product = og * tanh.apply(c12) // Q30
                h[j] = min(max(FixedPoint.multiply(product, by: outputMultiplier) + outputZero, outputMin), outputMax)
                y[t * hid + j] = h[j]
            }
        }
        return y
    }
}
