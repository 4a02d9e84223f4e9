import Foundation
import Graph
import XCTest
@testable import Compression

/// Each integer kernel against its float op. The float op runs on the *dequantized input codes*,
/// so the input's own rounding is not counted; each bound is derived from the scales in the test.
final class IntegerKernelTests: XCTestCase {
    private struct Run {
        var input: [Float]
        var float: [Float]
        var integer: [Float]
    }

    /// A graph calibrated on `windows` and run on each of them by both engines.
    private func compare(_ graph: Graph, windows: [[Float]], bits: [String: Int] = [:]) throws -> (IntegerGraph, [Run]) {
        let integer = try GraphQuantizer(calibration: Calibration(graph: graph, windows: windows), activationBits: bits).quantize(graph)
        let engine = IntegerInterpreter(integer), reference = try FloatInterpreter(graph)
        let runs = windows.map { window -> Run in
            let codes = engine.quantizeInput(window)
            let exactInput = engine.dequantize(codes, tensor: integer.input.name)
            let float = reference.run(exactInput)
            return Run(input: exactInput, float: float, integer: engine.dequantize(engine.run(codes), tensor: integer.output.name))
        }
        return (integer, runs)
    }

    private func random(_ count: Int, _ size: Int, seed: UInt64, range: ClosedRange<Float> = -2...2) -> [[Float]] {
        var rng = TestLCG(seed: seed)
        return (0..<count).map { _ in (0..<size).map { _ in rng.uniform(range.lowerBound, range.upperBound) } }
    }

    func testFullyConnectedErrsByWeightRoundingPlusOutputRounding() throws {
        var rng = TestLCG(seed: 1)
        let (n, m, rows) = (24, 7, 3)
        let w = (0..<n * m).map { _ in rng.uniform(-0.5, 0.5) }, b = (0..<m).map { _ in rng.uniform(-0.2, 0.2) }
        for bits in [8, 16] {
            for relu in [false, true] {
                var g = Graph(name: "fc", mode: .windowed)
                let x = g.tensor("input", rows: rows, columns: n, .input)
                _ = g.linear("fc", layer: "fc", x, rows: rows, weight: w, bias: b, inFeatures: n, outFeatures: m, relu: relu, role: .output)
                let (graph, runs) = try compare(g, windows: random(30, rows * n, seed: 2), bits: ["input": bits, "fc.out": bits])
                guard case .fullyConnected(let k) = graph.ops[0].kernel else { return XCTFail("not a FULLY_CONNECTED kernel") }
                let sy = Double(graph.output.quantization.scale), sx = Double(graph.input.quantization.scale)
                for run in runs {
                    for r in 0..<rows {
                        for c in 0..<m {
                            // Σ|x_i|·s_w[c]/2 (weight rounding) + s_x·s_w[c]/2 (bias rounding) + s_y (requantization: two roundings).
                            let sw = Double(k.weights.scales[c])
                            let bound = (0..<n).reduce(sy + sx * sw / 2) { $0 + abs(Double(run.input[r * n + $1])) * sw / 2 }
                            XCTAssertEqual(Double(run.integer[r * m + c]), Double(run.float[r * m + c]), accuracy: bound,
                                           "int\(bits) row \(r) out \(c) relu \(relu)")
                        }
                    }
                }
            }
        }
    }

    func testAddAndMulErrByTheirRoundings() throws {
        // input [2, 8]: columns 0–3 and 4–7 are the two operands (bands of one tensor).
        for kind in [OpKind.add, .mul] {
            var g = Graph(name: "binary", mode: .windowed)
            let x = g.tensor("input", rows: 2, columns: 8, .input)
            let a = g.apply(.unary(.tanh), "a", layer: "a", [x.band(0, 4)], rows: 2, columns: 4)
            _ = g.apply(kind, "op", layer: "op", [a, x.band(4, 4)], rows: 2, columns: 4, role: .output)
            let windows = random(30, 16, seed: 3)
            let (graph, _) = try compare(g, windows: windows)
            // Compare the binary op alone: feed it the integer engine's own first operand.
            let engine = IntegerInterpreter(graph)
            let sa = Double(graph.tensor("a.out")!.quantization.scale), sb = Double(graph.input.quantization.scale)
            let sy = Double(graph.output.quantization.scale)
            for window in windows {
                let codes = engine.quantizeInput(window)
                let out = engine.dequantize(engine.run(codes), tensor: "op.out")
                let first = engine.dequantize(engine.values(of: "a.out"), tensor: "a.out")
                let second = engine.dequantize(codes, tensor: "input")
                for i in 0..<8 {
                    let (r, c) = (i / 4, i % 4)
                    let u = Double(first[i]), v = Double(second[r * 8 + 4 + c])
                    let expected = kind == .add ? u + v : u * v
                    // add: two input rescalings at 2^−20 of the larger step each, then one output rounding (+ one for the
                    // two-step multiply); mul: one requantization of an exact product.
                    let bound = kind == .add ? sy + (sa + sb) * 1e-5 : sy
                    XCTAssertEqual(Double(out[i]), expected, accuracy: bound, "\(kind) element \(i)")
                }
            }
        }
    }

    func testLayerNormAndRMSNormErrByTheirFixedPointSteps() throws {
        var rng = TestLCG(seed: 5)
        let c = 16
        let gamma = (0..<c).map { _ in rng.uniform(-1.5, 1.5) }, beta = (0..<c).map { _ in rng.uniform(-0.3, 0.3) }
        for centred in [true, false] {
            var g = Graph(name: "norm", mode: .windowed)
            let x = g.tensor("input", rows: 4, columns: c, .input)
            if centred {
                _ = g.layerNorm("ln", layer: "ln", x, rows: 4, columns: c, gamma: gamma, beta: beta, epsilon: 1e-5)
            } else {
                _ = g.rmsNorm("ln", layer: "ln", x, rows: 4, columns: c, weight: gamma, epsilon: 1e-5)
            }
            g.tensors[g.tensors.count - 1].role = .output
            let windows = random(30, 4 * c, seed: 6, range: -3...3)
            let (graph, runs) = try compare(g, windows: windows)
            let sy = Double(graph.output.quantization.scale), sx = Double(graph.input.quantization.scale)
            for run in runs {
                for r in 0..<4 {
                    let row = run.input[(r * c)..<((r + 1) * c)].map(Double.init)
                    let mean = centred ? row.reduce(0, +) / Double(c) : 0
                    let sigma = (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c)).squareRoot()
                    for i in 0..<c {
                        let n = (row[i] - mean) / sigma
                        // n in Q12 truncated (2^−12); σ in codes·C floored (relative ≤ 1/(C·σ/s_x)); output: s_y and
                        // the γ multiplier's rounding.
                        let relative = 1 / (Double(c) * sigma / sx)
                        let bound = sy + abs(Double(gamma[i])) * (2.0 / 4096 + abs(n) * 2 * relative)
                        XCTAssertEqual(Double(run.integer[r * c + i]), Double(run.float[r * c + i]), accuracy: bound,
                                       "\(centred ? "LayerNorm" : "RMSNorm") row \(r) column \(i)")
                    }
                }
            }
        }
    }

    func testAttentionErrsByItsSoftmaxSteps() throws {
        let (t, d) = (6, 4)
        var g = Graph(name: "attn", mode: .windowed)
        let x = g.tensor("input", rows: t, columns: 3 * d, .input)
        _ = g.apply(.attention(heads: 2, queries: nil), "attn", layer: "attn", [x.band(0, d), x.band(d, d), x.band(2 * d, d)],
                    rows: t, columns: d, role: .output)
        let (graph, runs) = try compare(g, windows: random(30, t * 3 * d, seed: 7, range: -1.5...1.5))
        let sy = Double(graph.output.quantization.scale), s = Double(graph.input.quantization.scale)
        for run in runs {
            var vmax = 0.0
            for j in 0..<t { for c in 0..<d { vmax = max(vmax, abs(Double(run.input[j * 3 * d + 2 * d + c]))) } }
            // Each probability errs by the score's rounding to Q10 (≤ 2^−10 + s²·2^−10 relative through exp),
            // exp's 2^−14, and the Q15 truncation 2^−15; the output sums T of them times |v|, then rounds.
            let perProbability: Double = 2.0 / 1024 + 1.0 / 16384 + 1.0 / 32768
            let bound: Double = sy + Double(t) * perProbability * vmax + s * 1e-3
            for (a, b) in zip(run.integer, run.float) { XCTAssertEqual(Double(a), Double(b), accuracy: bound) }
        }
    }

    func testDepthwiseConvAndMeanErrByWeightAndOutputRounding() throws {
        var rng = TestLCG(seed: 8)
        let (t, c, k) = (7, 5, 3)
        let w = (0..<k * c).map { _ in rng.uniform(-1, 1) }, b = (0..<c).map { _ in rng.uniform(-0.2, 0.2) }
        var g = Graph(name: "conv", mode: .windowed)
        let x = g.tensor("input", rows: t, columns: c, .input)
        let wn = g.weight("w", shape: [k, c], w), bn = g.weight("b", shape: [c], b)
        let y = g.apply(.causalDepthwiseConv(weight: wn, bias: bn), "conv", layer: "conv", [x], rows: t, columns: c)
        _ = g.apply(.meanRows, "mean", layer: "mean", [y], rows: 1, columns: c, role: .output)
        let (graph, runs) = try compare(g, windows: random(30, t * c, seed: 9))
        guard case .depthwiseConv(let kernel) = graph.ops[0].kernel else { return XCTFail("not a depthwise conv") }
        let sConv = Double(graph.tensor("conv.out")!.quantization.scale), sy = Double(graph.output.quantization.scale)
        for run in runs {
            for ch in 0..<c {
                // Per step: Σ taps |x|·s_w/2 + bias rounding + s_conv; the mean keeps that, then rounds once more (s_y).
                let sw = Double(kernel.weights.scales[ch]), sx = Double(graph.input.quantization.scale)
                var perStep = 0.0
                for step in 0..<t {
                    var bound = sConv + sw * sx / 2
                    for j in 0..<k where step - (k - 1) + j >= 0 {
                        bound += abs(Double(run.input[(step - (k - 1) + j) * c + ch])) * sw / 2
                    }
                    perStep = max(perStep, bound)
                }
                XCTAssertEqual(Double(run.integer[ch]), Double(run.float[ch]), accuracy: perStep + sy, "channel \(ch)")
            }
        }
    }

    func testConv1dErrsByWeightRoundingPlusOutputRounding() throws {
        var rng = TestLCG(seed: 11)
        let (t, cin, cout) = (7, 3, 4)
        for (k, stride, padding) in [(3, 1, 2), (2, 2, 0)] {
            let w = (0..<(k * cin * cout)).map { _ in rng.uniform(-0.6, 0.6) }, b = (0..<cout).map { _ in rng.uniform(-0.2, 0.2) }
            var g = Graph(name: "conv", mode: .windowed)
            let x = g.tensor("input", rows: t, columns: cin, .input)
            let wn = g.weight("w", shape: [k * cin, cout], w), bn = g.weight("b", shape: [cout], b)
            let rows = (t + padding - k) / stride + 1
            _ = g.apply(.conv1d(weight: wn, bias: bn, kernel: k, stride: stride, padding: padding), "conv", layer: "c", [x],
                        rows: rows, columns: cout, role: .output)
            let (graph, runs) = try compare(g, windows: random(30, t * cin, seed: 12))
            guard case .conv1d(let kernel) = graph.ops[0].kernel else { return XCTFail("not a conv") }
            let sy = Double(graph.output.quantization.scale), sx = Double(graph.input.quantization.scale)
            for run in runs {
                for r in 0..<rows {
                    for o in 0..<cout {
                        // Σ over the taps inside the input of |x|·s_w[o]/2, the bias rounding, and s_y.
                        let sw = Double(kernel.weights.scales[o])
                        var bound = sy + sx * sw / 2
                        for j in 0..<k {
                            let row = r * stride + j - padding
                            guard row >= 0 && row < t else { continue }
                            for c in 0..<cin { bound += abs(Double(run.input[row * cin + c])) * sw / 2 }
                        }
                        XCTAssertEqual(Double(run.integer[r * cout + o]), Double(run.float[r * cout + o]), accuracy: bound,
                                       "k \(k) stride \(stride) row \(r) out \(o)")
                    }
                }
            }
        }
    }

    func testAGraphOpWithoutRangeIsRefusedByName() throws {
        var g = Graph(name: "fc", mode: .windowed)
        let x = g.tensor("input", rows: 1, columns: 2, .input)
        _ = g.linear("fc", layer: "fc", x, rows: 1, weight: [1, 2], bias: nil, inFeatures: 2, outFeatures: 1, role: .output)
        var calibration = try Calibration(graph: g, windows: [[1, 2]])
        calibration.ranges["fc.out"] = nil
        XCTAssertThrowsError(try GraphQuantizer(calibration: calibration).quantize(g)) { error in
            XCTAssertEqual(error as? QuantizationError, .missingRange(tensor: "fc.out"))
        }
        XCTAssertThrowsError(try Calibration(graph: g, windows: [])) { XCTAssertEqual($0 as? CalibrationError, .noWindows) }
        g.weights[0].values[1] = .nan
        XCTAssertThrowsError(try Calibration(graph: g, windows: [[1, 2]])) {
            XCTAssertEqual($0 as? CalibrationError, .nonFiniteWeight("fc.weight"))
        }
    }

    func testPercentileAndMSERangesClipARareOutlier() throws {
        var g = Graph(name: "id", mode: .windowed)
        let x = g.tensor("input", rows: 1, columns: 100, .input)
        _ = g.apply(.unary(.relu), "relu", layer: "r", [x], rows: 1, columns: 100, role: .output)
        // 30,000 values uniform in [0, 1) and one 50: min/max spends the int8 grid on the outlier.
        var windows = random(300, 100, seed: 10, range: 0...1)
        windows[7][3] = 50
        let minmax = try Calibration(graph: g, windows: windows, method: .minmax).ranges["relu.out"]!
        let percentile = try Calibration(graph: g, windows: windows, method: .percentile).ranges["relu.out"]!
        let mse = try Calibration(graph: g, windows: windows, method: .mse).ranges["relu.out"]!
        XCTAssertEqual(minmax.max, 50)
        XCTAssertLessThan(percentile.max, 1.01)
        XCTAssertEqual(percentile.observedMax, 50)
        // Brute force over the same candidate clips, computed here: the chosen one has the least error.
        func error(_ high: Float) -> Double {
            let q = TensorQuantization(min: 0, max: high, bits: 8)
            return windows.joined().reduce(0) { let e = Double(q.dequantize(q.quantize(max($1, 0))) - max($1, 0)); return $0 + e * e }
        }
        let best = (0...14).map { 50 * (1 - Float($0) * 0.05) }.min { error($0) < error($1) }!
        XCTAssertEqual(mse.max, best, accuracy: 1e-4)
        XCTAssertEqual(mse.method, .mse)
    }
}
