import Compression
import Foundation

/// A quantized `TFLiteProgram` run with TFLite Micro's reference int8 arithmetic, op by op, so
/// tinyloc predicts what TFLM outputs for the .tflite it writes (checked within ±1 LSB against the
/// tflite-micro runtime by bench/tflite/check.py and the fixture tests). Multipliers are derived
/// as TFLM derives them at Prepare: from the float32 scales in the file, in double (float where
/// TFLM computes in float, as SUB does).
public struct TFLiteReference {
    public let program: TFLiteProgram

    public init(_ program: TFLiteProgram) {
        precondition(program.tensor(program.output).quantization != nil, "run quantized(calibration:) first")
        self.program = program
    }

    public var inputQuantization: TensorQuantization { program.tensor(program.input).quantization! }
    public var outputQuantization: TensorQuantization { program.tensor(program.output).quantization! }

    /// Input codes as TFLite quantizes a float input: round(x / scale) in double, ties away from zero.
    public func quantizeInput(_ x: [Float]) -> [Int32] { x.map(inputQuantization.quantize) }

    /// Golden vectors for windows given row-major one after another: each window's int8 input
    /// codes, the int8 scores TFLM is predicted to output, and the room they pick (the first
    /// largest score).
    public func golden(windows x: [Float], windowSize: Int) -> (inputs: [Int8], scores: [Int8], predictions: [Int]) {
        var inputs = [Int8](), scores = [Int8](), predictions = [Int]()
        for start in stride(from: 0, to: x.count, by: windowSize) {
            let codes = quantizeInput(Array(x[start..<(start + windowSize)]))
            let out = run(codes)
            inputs += codes.map { Int8($0) }
            scores += out.map { Int8($0) }
            predictions.append(out.firstIndex(of: out.max()!)!)
        }
        return (inputs, scores, predictions)
    }

    /// One inference on int8 input codes; returns the output codes.
    public func run(_ codes: [Int32]) -> [Int32] {
        var values: [String: [Int32]] = [program.input: codes]
        for t in program.tensors { if let c = t.codes { values[t.name] = c } }
        for step in program.steps { values[step.output] = evaluate(step, values) }
        return values[program.output]!
    }

    private func q(_ name: String) -> TensorQuantization { program.tensor(name).quantization! }
    private func shape(_ name: String) -> [Int] { program.tensor(name).shape }

    private func evaluate(_ step: TFLiteProgram.Step, _ v: [String: [Int32]]) -> [Int32] {
        switch step {
        case .fullyConnected(let x, let w, let b, let y):
            // FullyConnectedPerChannel: acc = b + Σ (x − z_x)·w; y = M_c·acc + z_y.
            let input = v[x]!, filter = v[w]!, bias = v[b]!, qx = q(x), qy = q(y)
            let scales = program.tensor(w).channelScales!, n = shape(w)[1], m = shape(w)[0], rows = input.count / n
            let multipliers = scales.map { QuantizedMultiplier(Double(qx.scale) * Double($0) / Double(qy.scale)) }
            var out = [Int32](repeating: 0, count: rows * m)
            for r in 0..<rows {
                for o in 0..<m {
                    var acc = bias[o]
                    for i in 0..<n { acc &+= (input[r * n + i] - qx.zeroPoint) * filter[o * n + i] }
                    out[r * m + o] = Self.clamp(FixedPoint.multiply(acc, by: multipliers[o]) + qy.zeroPoint)
                }
            }
            return out
        case .add(let a, let b, let y), .sub(let a, let b, let y):
            var subtract = false
            if case .sub = step { subtract = true }
            return addOrSub(a, b, y, v, subtract: subtract)
        case .mul(let a, let b, let y):
            let qa = q(a), qb = q(b), qy = q(y)
            let multiplier = QuantizedMultiplier(Double(qa.scale) * Double(qb.scale) / Double(qy.scale))
            return Broadcast(shape(a), shape(b), shape(y)).map(v[a]!, v[b]!) { x1, x2 in
                Self.clamp(FixedPoint.multiply((x1 - qa.zeroPoint) * (x2 - qb.zeroPoint), by: multiplier) + qy.zeroPoint)
            }
        case .mean(let x, let axis, let y):
            return mean(x, axis: axis, y, v)
        case .rsqrt(let x, _, let y):
            return rsqrt(x, y, v)
        case .reshape(let x, _):
            return v[x]!
        case .transpose(let x, let permutation, _):
            return TFLiteProgram.transpose(v[x]!, shape: shape(x), permutation: permutation)
        case .batchMatMul(let a, let b, let adjointB, let y):
            let qa = q(a), qb = q(b), qy = q(y)
            let multiplier = QuantizedMultiplier(Double(qa.scale) * Double(qb.scale) / Double(qy.scale))
            let sums = MatMulShape(a: shape(a), b: shape(b), adjointB: adjointB).map(v[a]!, v[b]!, zero: Int32(0)) { acc, x1, x2 in
                acc &+ (x1 - qa.zeroPoint) * (x2 - qb.zeroPoint)
            }
            return sums.map { Self.clamp(FixedPoint.multiply($0, by: multiplier) + qy.zeroPoint) }
        case .softmax(let x, _):
            return GemmlowpSoftmax(inputScale: q(x).scale).run(v[x]!, depth: shape(x).last!)
        case .gelu(let x, let y):
            let table = Self.geluTable(input: q(x), output: q(y))
            return v[x]!.map { table[Int($0) + 128] }
        }
    }

    /// Int8 GELU as the file's table holds it: entry i is round(gelu(s_x·(i − 128 − z_x)) / s_y) + z_y.
    public static func geluTable(input: TensorQuantization, output: TensorQuantization) -> [Int32] {
        (-128...127).map { code in output.quantize(TFLiteProgram.gelu(Double(input.scale) * Double(Int32(code) - input.zeroPoint))) }
    }

    /// ADD / SUB: both inputs to a common scale with 20 bits of headroom, summed, rescaled.
    private func addOrSub(_ a: String, _ b: String, _ y: String, _ v: [String: [Int32]], subtract: Bool) -> [Int32] {
        let qa = q(a), qb = q(b), qy = q(y), leftShift: Int32 = 20
        let m1, m2, mOut: QuantizedMultiplier
        if subtract {
            // TFLM's SUB forms the ratios in float, then widens them.
            let twiceMax = 2 * Swift.max(qa.scale, qb.scale)
            m1 = QuantizedMultiplier(Double(qa.scale / twiceMax))
            m2 = QuantizedMultiplier(Double(qb.scale / twiceMax))
            mOut = QuantizedMultiplier(Double(twiceMax / (Float(1 << leftShift) * qy.scale)))
        } else {
            let twiceMax = 2 * Double(Swift.max(qa.scale, qb.scale))
            m1 = QuantizedMultiplier(Double(qa.scale) / twiceMax)
            m2 = QuantizedMultiplier(Double(qb.scale) / twiceMax)
            mOut = QuantizedMultiplier(twiceMax / (Double(1 << leftShift) * Double(qy.scale)))
        }
        return Broadcast(shape(a), shape(b), shape(y)).map(v[a]!, v[b]!) { x1, x2 in
            let s1 = FixedPoint.multiply((x1 - qa.zeroPoint) << leftShift, by: m1)
            let s2 = FixedPoint.multiply((x2 - qb.zeroPoint) << leftShift, by: m2)
            return Self.clamp(FixedPoint.multiply(subtract ? s1 - s2 : s1 + s2, by: mOut) + qy.zeroPoint)
        }
    }

    /// QuantizedMeanOrSum: the int32 sum less n·z_x, times (s_x/s_y)/n folded into the multiplier
    /// (the significand scaled by 2^⌊log₂ n⌋ and divided by n, truncating).
    private func mean(_ x: String, axis: Int, _ y: String, _ v: [String: [Int32]]) -> [Int32] {
        let qx = q(x), qy = q(y), n = shape(x)[axis]
        let base = QuantizedMultiplier(Double(qx.scale) / Double(qy.scale))
        var shift = 63 - (UInt64(n)).leadingZeroBitCount
        shift = Swift.min(shift, 32, 31 + base.shift)
        let multiplier = QuantizedMultiplier(significand: Int32(truncatingIfNeeded: (Int64(base.significand) << Int64(shift)) / Int64(n)),
                                             shift: base.shift - shift)
        return Reduction(shape: shape(x), axis: axis).sums(v[x]!).map { sum in
            Self.clamp(FixedPoint.multiply(sum - qx.zeroPoint * Int32(n), by: multiplier) + qy.zeroPoint)
        }
    }

    /// RSQRT: 1/√(x − z_x) in fixed point (Newton–Raphson, `invSqrt`), then times 1/(√s_x·s_y);
    /// a zero input gives the largest code.
    private func rsqrt(_ x: String, _ y: String, _ v: [String: [Int32]]) -> [Int32] {
        let qx = q(x), qy = q(y), kShift = 20
        let multiplier = QuantizedMultiplier(1 / Double(qx.scale.squareRoot() * qy.scale))
        return v[x]!.map { code in
            let value = code - qx.zeroPoint
            if value == 0 { return 127 }
            let (significand, shift) = Gemmlowp.invSqrt(value)
            let data = FixedPoint.multiply(1, by: QuantizedMultiplier(significand: significand, shift: shift + kShift))
            let out = FixedPoint.multiply(data, by: QuantizedMultiplier(significand: multiplier.significand, shift: multiplier.shift - kShift))
            return Self.clamp(out + qy.zeroPoint)
        }
    }

    static func clamp(_ x: Int32) -> Int32 { Swift.min(Swift.max(x, -128), 127) }
}

/// SOFTMAX int8 → int8 (scale 1/256, zero point −128) as TFLite's reference: differences from the
/// row's maximum rescaled to Q5.26, gemmlowp's fixed-point exp, sum in Q12.19, reciprocal by
/// Newton–Raphson, output rounded to 1/256.
struct GemmlowpSoftmax {
    let multiplier: Int32
    let leftShift: Int32
    let diffMin: Int32

    init(inputScale: Float) {
        let integerBits = 5
        let real = Swift.min(Double(inputScale) * Double(1 << (31 - integerBits)), Double((Int64(1) << 31) - 1))
        let quantized = QuantizedMultiplier(real)
        multiplier = quantized.significand
        leftShift = Int32(quantized.shift)
        let radius = Double((1 << integerBits) - 1) * Double(Int64(1) << (31 - integerBits)) / Double(Int64(1) << Int64(leftShift))
        diffMin = -Int32(radius.rounded(.down))
    }

    func run(_ x: [Int32], depth: Int) -> [Int32] {
        var out = [Int32](repeating: -128, count: x.count)
        for row in 0..<(x.count / depth) {
            let values = x[(row * depth)..<((row + 1) * depth)]
            let top = values.max()!
            var exps = [Int32?](repeating: nil, count: depth)
            var sum: Int32 = 0
            for (c, value) in values.enumerated() where value - top >= diffMin {
                let rescaled = FixedPoint.saturatingRoundingDoublingHighMul((value - top) &* (1 << leftShift), multiplier)
                let e = Gemmlowp.expOnNegativeValues(rescaled, integerBits: 5)
                exps[c] = e
                sum &+= FixedPoint.roundingDivideByPOT(e, 12)
            }
            let headroomPlusOne = UInt32(bitPattern: sum).leadingZeroBitCount
            let bitsOverUnit = 12 - headroomPlusOne
            let shiftedSumMinusOne = Int32(bitPattern: (UInt32(bitPattern: sum) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31))
            let scale = Gemmlowp.oneOverOnePlusX(shiftedSumMinusOne)
            let exponent = bitsOverUnit + 31 - 8
            for c in 0..<depth {
                guard let e = exps[c] else { continue }
                let unsaturated = FixedPoint.roundingDivideByPOT(FixedPoint.saturatingRoundingDoublingHighMul(scale, e), exponent)
                out[row * depth + c] = TFLiteReference.clamp(unsaturated - 128)
            }
        }
        return out
    }
}

/// gemmlowp's fixed-point functions on raw int32 values (a Qm.n value v has raw v·2^n, n = 31 − m),
/// as TFLite's softmax and RSQRT use them.
enum Gemmlowp {
    static let srdhm = FixedPoint.saturatingRoundingDoublingHighMul

    /// x · 2^e for e > 0, saturating.
    static func saturatingShiftLeft(_ x: Int32, _ e: Int32) -> Int32 {
        let threshold = (Int32(1) << (31 - e)) - 1
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << e
    }

    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        return Int32((sum + (sum >= 0 ? 1 : -1)) / 2)
    }

    /// e^a for a ∈ [−1/4, 0), Q0.31 in and out: Taylor series around −1/8.
    static func expOnIntervalNegativeQuarterToZero(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668, oneThird: Int32 = 715_827_883
        let x = a &+ (1 << 28)
        let x2 = srdhm(x, x), x3 = srdhm(x2, x), x4 = srdhm(x2, x2)
        let x4Over4 = FixedPoint.roundingDivideByPOT(x4, 2)
        let polynomial = FixedPoint.roundingDivideByPOT(srdhm(x4Over4 &+ x3, oneThird) &+ x2, 1)
        return constantTerm &+ srdhm(constantTerm, x &+ polynomial)
    }

    /// e^a for a ≤ 0 given in Q(integerBits), result in Q0.31: e^(a mod ¼ − ¼) times e^(−2^k) for
    /// each bit k of the remainder.
    static func expOnNegativeValues(_ a: Int32, integerBits: Int32) -> Int32 {
        let fractionalBits = 31 - integerBits
        let quarter = Int32(1) << (fractionalBits - 2)
        let modMinusQuarter = (a & (quarter - 1)) &- quarter
        var result = expOnIntervalNegativeQuarterToZero(saturatingShiftLeft(modMinusQuarter, integerBits))
        let remainder = modMinusQuarter &- a
        let barrel: [(Int32, Int32)] = [(-2, 1_672_461_947), (-1, 1_302_514_674), (0, 790_015_084), (1, 290_630_308),
                                        (2, 39_332_535), (3, 720_401), (4, 242)]
        for (exponent, multiplier) in barrel where integerBits > exponent {
            if remainder & (Int32(1) << (fractionalBits + exponent)) != 0 { result = srdhm(result, multiplier) }
        }
        if integerBits > 5 {
            let clamp = -(Int32(1) << (36 - integerBits))
            if a < clamp { result = 0 }
        }
        return a == 0 ? Int32.max : result
    }

    /// 1/(1 + a) for a ∈ [0, 1) in Q0.31: Newton–Raphson division, three steps, in Q2.29.
    static func oneOverOnePlusX(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, Int32.max)
        let one: Int32 = 1 << 29
        var x = 1_515_870_810 &+ srdhm(halfDenominator, -1_010_580_540)
        for _ in 0..<3 {
            let oneMinus = one &- srdhm(halfDenominator, x)
            x = x &+ saturatingShiftLeft(srdhm(x, oneMinus), 2)
        }
        return saturatingShiftLeft(x, 1)
    }

    /// 1/√input as (significand, shift) with TFLite's `GetInvSqrtQuantizedMultiplierExp`
    /// (reverse shift −1, i.e. the shift is returned as a left shift): normalise to [2^27, 2^29),
    /// five Newton–Raphson steps in Q3.28, times √2/2.
    static func invSqrt(_ value: Int32) -> (Int32, Int) {
        if value <= 1 { return (Int32.max, 0) }
        var input = value, shift = 11
        while input >= (1 << 29) {
            input /= 4
            shift += 1
        }
        let leftShiftBitPairs = (UInt32(bitPattern: input).leadingZeroBitCount - 1) / 2 - 1
        shift -= leftShiftBitPairs
        input <<= Int32(2 * leftShiftBitPairs)
        let fixedInput = input >> 1
        let halfInput = FixedPoint.roundingDivideByPOT(fixedInput, 1)
        let halfThree: Int32 = (1 << 28) + (1 << 27)
        var x: Int32 = 1 << 28
        for _ in 0..<5 {
            let x3 = saturatingShiftLeft(srdhm(srdhm(x, x), x), 6)
            x = saturatingShiftLeft(srdhm(halfThree, x) &- srdhm(halfInput, x3), 3)
        }
        x = srdhm(x, 1_518_500_250)
        if shift < 0 {
            x <<= Int32(-shift)
            shift = 0
        }
        return (x, -shift)
    }
}
