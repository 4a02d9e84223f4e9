import XCTest
import TinyTensor
@testable import TinyNN

/// The layers Mamba adds, against central finite differences on small odd shapes.
/// As in `GradientTests`, the probed scalar is L = Σ y ⊙ r for a fixed random r.
private typealias BackwardStep = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                  UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                  UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                  UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                  UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void

final class MambaLayerGradientTests: XCTestCase {
    private func randomTensor(_ shape: [Int], _ rng: inout SeededRNG, scale: Float = 1) -> Tensor {
        let t = Tensor(shape)
        for i in 0..<t.count { t[i] = rng.normal() * scale }
        return t
    }

    private func dot(_ y: Tensor, _ r: Tensor) -> Double {
        var s: Double = 0
        for i in 0..<r.count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    /// Copies a gradient out of a layer's reusable buffer before the probes overwrite it.
    private func snapshot(_ t: Tensor, count: Int) -> Tensor {
        Tensor([count], values: Array(t.buffer.prefix(count)))
    }

    private func assertGradient(_ values: Tensor, _ analytic: Tensor, _ name: String, tolerance: Double = 2e-3,
                                step: Float = 1e-2, loss: () -> Double) {
        let result = GradientCheck.compare(values: values, analytic: analytic, step: step, loss: loss)
        XCTAssertLessThan(result.maxRelativeError, tolerance, "\(name): \(result)")
    }

    func testRMSNormGradients() {
        var rng = SeededRNG(seed: 12)
        let rows = 4, width = 7
        let norm = RMSNorm(name: "norm", width: width)
        for i in 0..<width { norm.weight.value[i] = 1 + rng.normal() * 0.3 }
        let x = randomTensor([rows, width], &rng), r = randomTensor([rows, width], &rng)
        _ = norm.forward(x, rows: rows)
        let dx = snapshot(norm.backward(r, rows: rows), count: rows * width)
        let loss = { self.dot(norm.forward(x, rows: rows), r) }
        assertGradient(norm.weight.value, norm.weight.grad, "weight", loss: loss)
        assertGradient(x, dx, "x", loss: loss)
        // Each output row has root-mean-square 1 when the weight is 1.
        norm.weight.value.fill(1)
        let y = norm.forward(x, rows: rows)
        let meanSquare = (0..<width).map { y[$0] * y[$0] }.reduce(0, +) / Float(width)
        XCTAssertEqual(meanSquare, 1, accuracy: 1e-3)
    }

    func testSiLUGradient() {
        var rng = SeededRNG(seed: 13)
        let rows = 3, width = 9
        let silu = SiLU(width: width)
        let x = randomTensor([rows, width], &rng, scale: 2), r = randomTensor([rows, width], &rng)
        _ = silu.forward(x, rows: rows)
        let dx = snapshot(silu.backward(r, rows: rows), count: rows * width)
        assertGradient(x, dx, "x") { self.dot(silu.forward(x, rows: rows), r) }
        XCTAssertEqual(SiLU.apply(1), 1 / (1 + exp(-1)), accuracy: 1e-6)
    }

    func testSoftplusGradientAndLargeInputs() {
        var rng = SeededRNG(seed: 14)
        let rows = 3, width = 8
        let softplus = Softplus(width: width)
        let x = randomTensor([rows, width], &rng, scale: 3), r = randomTensor([rows, width], &rng)
        _ = softplus.forward(x, rows: rows)
        let dx = snapshot(softplus.backward(r, rows: rows), count: rows * width)
        assertGradient(x, dx, "x") { self.dot(softplus.forward(x, rows: rows), r) }
        XCTAssertEqual(Softplus.apply(100), 100)
        XCTAssertEqual(Softplus.apply(0), log(2), accuracy: 1e-6)
    }

    func testCausalConv1dGradientsAndCausality() {
        var rng = SeededRNG(seed: 15)
        let batch = 2, steps = 5, channels = 3, kernel = 4
        let conv = CausalConv1d(name: "conv", channels: channels, kernel: kernel, rng: &rng)
        let x = randomTensor([batch * steps, channels], &rng), r = randomTensor([batch * steps, channels], &rng)
        _ = conv.forward(x, batch: batch, steps: steps)
        let dx = snapshot(conv.backward(r, batch: batch, steps: steps), count: x.count)
        let loss = { self.dot(conv.forward(x, batch: batch, steps: steps), r) }
        assertGradient(conv.weight.value, conv.weight.grad, "weight", loss: loss)
        assertGradient(conv.bias.value, conv.bias.grad, "bias", loss: loss)
        assertGradient(x, dx, "x", loss: loss)
        // Changing the last step of window 0 changes no earlier output and nothing in window 1.
        let before = conv.forward(x, batch: batch, steps: steps).array
        x[(steps - 1) * channels] += 1
        let after = conv.forward(x, batch: batch, steps: steps).array
        for i in 0..<before.count where i / channels != steps - 1 { XCTAssertEqual(before[i], after[i]) }
    }

    func testSelectiveScanGradients() {
        // E = 3 runs the scalar loops; E = 8 the vectorised kernels (lanes over channels), which
        // testScanKernelsMatchScalarLoops also holds to the scalar loops at larger E.
        for state in [5, 8] { checkSelectiveScanGradients(stateSize: state, channels: 3) }
        for (state, channels) in [(5, 8)] { checkSelectiveScanGradients(stateSize: state, channels: channels) }
    }

    private func checkSelectiveScanGradients(stateSize state: Int, channels: Int) {
        var rng = SeededRNG(seed: 16)
        // 11 windows: two parallel chunks, the second partial.
        let batch = 11, steps = 4
        let rows = batch * steps
        let scan = SelectiveScan(name: "scan", channels: channels, stateSize: state)
        for i in 0..<scan.aLog.count { scan.aLog.value[i] += rng.normal() * 0.2 }
        for i in 0..<channels { scan.d.value[i] = rng.normal() }
        let u = randomTensor([rows, channels], &rng)
        let delta = Tensor([rows, channels])
        // Δ is a softplus output in the model: positive, around 0.01–1.
        for i in 0..<delta.count { delta[i] = 0.05 + rng.uniform() * 0.6 }
        let b = randomTensor([rows, state], &rng), c = randomTensor([rows, state], &rng)
        let r = randomTensor([rows, channels], &rng)
        _ = scan.forward(u: u, delta: delta, b: b, c: c, batch: batch, steps: steps)
        let grads = scan.backward(r, batch: batch, steps: steps)
        let du = snapshot(grads.u, count: u.count), dDelta = snapshot(grads.delta, count: delta.count)
        let dB = snapshot(grads.b, count: b.count), dC = snapshot(grads.c, count: c.count)
        let loss = { self.dot(scan.forward(u: u, delta: delta, b: b, c: c, batch: batch, steps: steps), r) }
        assertGradient(scan.aLog.value, scan.aLog.grad, "A_log N=\(state) E=\(channels)", loss: loss)
        assertGradient(scan.d.value, scan.d.grad, "D N=\(state) E=\(channels)", loss: loss)
        assertGradient(u, du, "u N=\(state) E=\(channels)", loss: loss)
        // L is strongly curved in Δ (through exp(Δ·A) with |A| up to ~12), so the central
        // difference's O(h²·A²) error needs a smaller step here than for the other inputs.
        assertGradient(delta, dDelta, "Δ N=\(state) E=\(channels)", tolerance: 5e-3, step: 2e-3, loss: loss)
        assertGradient(b, dB, "B N=\(state) E=\(channels)", loss: loss)
        assertGradient(c, dC, "C N=\(state) E=\(channels)", loss: loss)
    }

    func testScanKernelsMatchScalarLoops() {
        // The vectorised whole-window kernels (lanes over channels) against the scalar loops.
        for (state, channels) in [(5, 8), (8, 16), (16, 64)] {
            var rng = SeededRNG(seed: 21)
            let batch = 11, steps = 6, rows = batch * steps
            let u = randomTensor([rows, channels], &rng), delta = Tensor([rows, channels])
            for i in 0..<delta.count { delta[i] = 0.01 + rng.uniform() * 2 }
            let b = randomTensor([rows, state], &rng), c = randomTensor([rows, state], &rng)
            let dy = randomTensor([rows, channels], &rng)
            var results: [[Float]] = []
            for kernels in [true, false] {
                let scan = SelectiveScan(name: "scan", channels: channels, stateSize: state)
                scan.allowsKernels = kernels
                var prng = SeededRNG(seed: 5)
                for i in 0..<scan.aLog.count { scan.aLog.value[i] += prng.normal() * 0.2 }
                for i in 0..<channels { scan.d.value[i] = prng.normal() }
                let y = scan.forward(u: u, delta: delta, b: b, c: c, batch: batch, steps: steps).array
                let g = scan.backward(dy, batch: batch, steps: steps)
                results.append(y + g.u.array + g.delta.array + g.b.array + g.c.array + scan.aLog.grad.array + scan.d.grad.array)
            }
            for (k, s) in zip(results[0], results[1]) {
                XCTAssertEqual(k, s, accuracy: 2e-5 * max(1, abs(s)), "N=\(state) E=\(channels)")
            }
        }
    }

    func testVectorAndScalarScanAgree() {
        // The eight-lane step (exp8) against the scalar step (libm expf) on the same inputs.
        var rng = SeededRNG(seed: 17)
        let channels = 3, state = 16
        let a = randomTensor([channels, state], &rng), previous = randomTensor([channels, state], &rng)
        for i in 0..<a.count { a[i] = -abs(a[i]) * 4 }
        let u = randomTensor([channels], &rng), b = randomTensor([state], &rng), c = randomTensor([state], &rng)
        let delta = Tensor([channels], values: [0.01, 0.5, 3]), d = randomTensor([channels], &rng)
        let hScalar = Tensor([channels, state]), hVector = Tensor([channels, state])
        let yScalar = Tensor([channels]), yVector = Tensor([channels])
        SelectiveScan.step(previous: previous.data, state: hScalar.data, u: u.data, delta: delta.data, b: b.data, c: c.data,
                           a: a.data, d: d.data, channels: channels, stateSize: state, y: yScalar.data)
        SelectiveScan.stepVector(previous: previous.data, state: hVector.data, u: u.data, delta: delta.data, b: b.data,
                                 c: c.data, a: a.data, d: d.data, channels: channels, stateSize: state, y: yVector.data)
        for i in 0..<hScalar.count { XCTAssertEqual(hScalar[i], hVector[i], accuracy: 1e-6 * max(1, abs(hScalar[i]))) }
        for i in 0..<channels { XCTAssertEqual(yScalar[i], yVector[i], accuracy: 1e-5) }
        // Backward, from the same dL/dh carried in.
        let dy = randomTensor([channels], &rng), carried = randomTensor([channels, state], &rng)
        func backward(_ step: BackwardStep) -> [Float] {
            let dh = Tensor([channels, state]), dA = Tensor([channels, state]), dD = Tensor([channels])
            let du = Tensor([channels]), dDelta = Tensor([channels]), dB = Tensor([state]), dC = Tensor([state])
            dh.copy(from: carried)
            step(dy.data, u.data, delta.data, b.data, c.data, hScalar.data, previous.data, a.data, d.data, channels, state,
                 dh.data, dA.data, dD.data, du.data, dDelta.data, dB.data, dC.data)
            return [dh, dA, dD, du, dDelta, dB, dC].flatMap(\.array)
        }
        for (s, v) in zip(backward(SelectiveScan.backwardStep), backward(SelectiveScan.backwardStepVector)) {
            XCTAssertEqual(s, v, accuracy: 1e-5 * max(1, abs(s)))
        }
        let x = SIMD8<Float>(-100, -20, -1, -1e-3, 0, 0.5, 10, 80)
        let e = VectorKernels.exp8(x)
        for lane in 0..<8 where x[lane] > -87 { XCTAssertEqual(e[lane], expf(x[lane]), accuracy: 3e-7 * expf(x[lane])) }
        XCTAssertLessThan(e[0], 1e-37)
    }

    func testSelectiveScanMatchesTheRecurrenceWrittenOut() {
        // One window, one channel, two state entries, two steps, by hand:
        // A = −(1, 2); h_0 = Δ_0 u_0 B_0; h_1 = exp(Δ_1 A) h_0 + Δ_1 u_1 B_1; y_t = h_t·C_t + D u_t.
        let scan = SelectiveScan(name: "scan", channels: 1, stateSize: 2)
        scan.d.value[0] = 0.5
        let u = Tensor([2, 1], values: [1, 2]), delta = Tensor([2, 1], values: [0.5, 0.25])
        let b = Tensor([2, 2], values: [1, -1, 2, 0.5]), c = Tensor([2, 2], values: [0.3, 0.7, -1, 1])
        let y = scan.forward(u: u, delta: delta, b: b, c: c, batch: 1, steps: 2)
        let h0 = [0.5 * 1 * 1.0, 0.5 * 1 * -1.0]
        let h1 = [exp(-0.25) * h0[0] + 0.25 * 2 * 2, exp(-0.5) * h0[1] + 0.25 * 2 * 0.5]
        XCTAssertEqual(Double(y[0]), h0[0] * 0.3 + h0[1] * 0.7 + 0.5 * 1, accuracy: 1e-6)
        XCTAssertEqual(Double(y[1]), h1[0] * -1 + h1[1] * 1 + 0.5 * 2, accuracy: 1e-6)
    }
}
