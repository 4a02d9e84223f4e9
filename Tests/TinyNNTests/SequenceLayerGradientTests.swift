import XCTest
import TinyTensor
@testable import TinyNN

/// Finite-difference checks of the sequence layers (transformer, CNN and LSTM building blocks).
/// As in GradientTests, the probed scalar is L = Σ y ⊙ r for a fixed random r.
final class SequenceLayerGradientTests: XCTestCase {
    private func random(_ shape: [Int], _ rng: inout SeededRNG, scale: Float = 1) -> Tensor {
        let t = Tensor(shape)
        for i in 0..<t.count { t[i] = rng.normal() * scale }
        return t
    }

    private func dot(_ y: Tensor, _ r: Tensor) -> Double {
        var s: Double = 0
        for i in 0..<r.count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    /// A copy, so a later backward cannot overwrite the gradient being checked.
    private func kept(_ t: Tensor) -> Tensor {
        let c = Tensor(t.shape)
        for i in 0..<c.count { c[i] = t[i] }
        return c
    }

    private func assertGradients(_ pairs: [(String, Tensor, Tensor)], tolerance: Double = 3e-3, step: Float = 1e-2,
                                 loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
        for (name, values, grad) in pairs {
            let result = GradientCheck.compare(values: values, analytic: grad, step: step, loss: loss)
            XCTAssertLessThan(result.maxRelativeError, tolerance, "\(name): \(result)", file: file, line: line)
        }
    }

    private func zeroGrads(_ ps: [Parameter]) { for p in ps { p.grad.zero() } }
    private func paramPairs(_ ps: [Parameter]) -> [(String, Tensor, Tensor)] { ps.map { ($0.name, $0.value, $0.grad) } }

    func testElementwiseActivations() {
        var rng = SeededRNG(seed: 11)
        let rows = 3, width = 7
        let x = random([rows, width], &rng)
        let r = random([rows, width], &rng)
        let tanh = Tanh(width: width), elu = ELU(width: width), gelu = GELU(width: width)
        // ELU's second derivative jumps at 0; keep probes off it.
        for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = 0.4 }
        for (name, forward, backward) in [
            ("tanh", { tanh.forward(x, rows: rows) }, { tanh.backward(r, rows: rows) }),
            ("elu", { elu.forward(x, rows: rows) }, { elu.backward(r, rows: rows) }),
            ("gelu", { gelu.forward(x, rows: rows) }, { gelu.backward(r, rows: rows) }),
        ] as [(String, () -> Tensor, () -> Tensor)] {
            _ = forward()
            let dx = kept(backward())
            assertGradients([(name, x, dx)]) { dot(forward(), r) }
        }
        XCTAssertEqual(elu.forward(Tensor([1, 1], values: [-1]), rows: 1)[0], expm1f(-1), accuracy: 1e-6)
        XCTAssertEqual(gelu.forward(Tensor([1, 1], values: [1]), rows: 1)[0], 0.841_344_7, accuracy: 1e-5)
    }

    func testTanhAgainstTheLibrary() {
        let tanh = Tanh(width: 201)
        let x = Tensor([1, 201], values: (0...200).map { Float($0 - 100) * 0.05 })
        let y = tanh.forward(x, rows: 1)
        for i in 0..<201 { XCTAssertEqual(y[i], tanhf(x[i]), accuracy: 3e-7) }
    }

    func testGLU() {
        var rng = SeededRNG(seed: 12)
        let rows = 4, width = 3
        let glu = GLU(width: width)
        let x = random([rows, 2 * width], &rng)
        let r = random([rows, width], &rng)
        let y = glu.forward(x, rows: rows)
        XCTAssertEqual(y[0], x[0] / (1 + expf(-x[3])), accuracy: 1e-6)
        let dx = kept(glu.backward(r, rows: rows))
        assertGradients([("x", x, dx)]) { dot(glu.forward(x, rows: rows), r) }
    }

    func testLayerNorm() {
        var rng = SeededRNG(seed: 13)
        let rows = 3, width = 6
        let norm = LayerNorm(name: "ln", width: width)
        for i in 0..<width { norm.gamma.value[i] = 1 + rng.normal() * 0.3; norm.beta.value[i] = rng.normal() * 0.3 }
        let x = random([rows, width], &rng, scale: 2)
        let r = random([rows, width], &rng)
        zeroGrads(norm.parameters)
        _ = norm.forward(x, rows: rows)
        let dx = kept(norm.backward(r, rows: rows))
        assertGradients(paramPairs(norm.parameters) + [("x", x, dx)]) { dot(norm.forward(x, rows: rows), r) }
    }

    func testCausalConvolutionGradientsAndCausality() {
        var rng = SeededRNG(seed: 14)
        let batch = 2, steps = 5, cin = 3, cout = 4
        let conv = Conv1d(causal: "conv", inChannels: cin, outChannels: cout, kernel: 3, rng: &rng)
        XCTAssertEqual(conv.outputSteps(steps), steps)
        let x = random([batch, steps, cin], &rng)
        let r = random([batch, steps, cout], &rng)
        zeroGrads(conv.parameters)
        let before = kept(conv.forward(x, batch: batch, steps: steps))
        let dx = kept(conv.backward(r, batch: batch, steps: steps))
        assertGradients(paramPairs(conv.parameters) + [("x", x, dx)]) { dot(conv.forward(x, batch: batch, steps: steps), r) }
        // Changing the last step must not change any earlier output.
        x[(steps - 1) * cin] += 5
        let after = conv.forward(x, batch: batch, steps: steps)
        for t in 0..<(steps - 1) {
            for o in 0..<cout { XCTAssertEqual(after[t * cout + o], before[t * cout + o]) }
        }
    }

    func testPointwiseAndStridedConvolution() {
        var rng = SeededRNG(seed: 15)
        let batch = 2, steps = 7, cin = 3, cout = 2
        for (kernel, stride) in [(1, 1), (3, 3), (2, 2)] {
            let conv = Conv1d(name: "conv", inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: 0, rng: &rng)
            let outSteps = conv.outputSteps(steps)
            XCTAssertEqual(outSteps, (steps - kernel) / stride + 1)
            let x = random([batch, steps, cin], &rng)
            let r = random([batch, outSteps, cout], &rng)
            zeroGrads(conv.parameters)
            _ = conv.forward(x, batch: batch, steps: steps)
            let dx = kept(conv.backward(r, batch: batch, steps: steps))
            assertGradients(paramPairs(conv.parameters) + [("x k\(kernel)", x, dx)]) {
                dot(conv.forward(x, batch: batch, steps: steps), r)
            }
        }
    }

    func testSinusoidalEncodingPassesGradientIntoTheEmbedding() {
        var rng = SeededRNG(seed: 16)
        let batch = 2, steps = 4, features = 3, width = 6
        let embed = Linear(name: "embed", inFeatures: features, outFeatures: width, rng: &rng)
        let pe = SinusoidalPositionEncoding(width: width, scale: Float(width).squareRoot())
        let x = random([batch, steps, features], &rng)
        let r = random([batch, steps, width], &rng)
        let forward = { pe.forward(embed.forward(x, rows: batch * steps), batch: batch, steps: steps) }
        zeroGrads(embed.parameters)
        let y = forward()
        // Step 0 is sin(0) = 0, cos(0) = 1 on top of the scaled embedding.
        let e = embed.forward(x, rows: batch * steps)
        XCTAssertEqual(y[0], pe.scale * e[0], accuracy: 1e-5)
        XCTAssertEqual(y[1], pe.scale * e[1] + 1, accuracy: 1e-5)
        _ = forward()
        let dx = kept(embed.backward(pe.backward(r, batch: batch, steps: steps), rows: batch * steps))
        XCTAssertTrue(embed.weight.grad.array.contains { $0 != 0 })
        assertGradients(paramPairs(embed.parameters) + [("x", x, dx)]) { dot(forward(), r) }
        XCTAssertEqual(SinusoidalPositionEncoding.value(step: 3, dimension: 2, width: 6), Float(sin(3 / pow(10_000, 2.0 / 6))), accuracy: 1e-6)
    }

    func testLearnedPositionEmbedding() {
        var rng = SeededRNG(seed: 17)
        let batch = 3, steps = 4, width = 2
        let pos = LearnedPositionEmbedding(name: "pos", steps: steps, width: width, rng: &rng)
        let x = random([batch, steps, width], &rng)
        let r = random([batch, steps, width], &rng)
        zeroGrads(pos.parameters)
        _ = pos.forward(x, batch: batch)
        let dx = kept(pos.backward(r, batch: batch))
        assertGradients(paramPairs(pos.parameters) + [("x", x, dx)]) { dot(pos.forward(x, batch: batch), r) }
    }

    func testSingleHeadAttentionWithDropout() {
        var rng = SeededRNG(seed: 18)
        let batch = 2, steps = 5, width = 4
        let attention = ScaledDotProductAttention(width: width, heads: 1, dropout: 0.2)
        let q = random([batch, steps, width], &rng), k = random([batch, steps, width], &rng), v = random([batch, steps, width], &rng)
        let r = random([batch, steps, width], &rng)
        // The same dropout mask for every probe: reseed before each forward.
        let forward = { () -> Tensor in
            attention.rng = SeededRNG(seed: 5)
            return attention.forward(query: q.data, key: k.data, value: v.data, rowStride: width, batch: batch, steps: steps, training: true)
        }
        _ = forward()
        let dq = Tensor(q.shape), dk = Tensor(k.shape), dv = Tensor(v.shape)
        attention.backward(r, dQuery: dq.data, dKey: dk.data, dValue: dv.data, accumulate: false, batch: batch, steps: steps)
        assertGradients([("q", q, dq), ("k", k, dk), ("v", v, dv)]) { dot(forward(), r) }
    }

    func testMultiHeadAttentionOnPackedProjection() {
        var rng = SeededRNG(seed: 19)
        let batch = 2, steps = 4, width = 6, heads = 3
        let attention = ScaledDotProductAttention(width: width, heads: heads)
        // One [B·T, 3d] buffer holding Q | K | V side by side, as a fused QKV projection makes.
        let qkv = random([batch * steps, 3 * width], &rng)
        let r = random([batch, steps, width], &rng)
        let forward = {
            attention.forward(query: qkv.data, key: qkv.data + width, value: qkv.data + 2 * width,
                              rowStride: 3 * width, batch: batch, steps: steps, training: true)
        }
        let y = forward()
        // Head 0 of step 0 by hand: softmax over the 4 keys of q·k/√2, then the weighted values.
        var scores = (0..<steps).map { j in (0..<2).map { qkv[$0] * qkv[j * 18 + 6 + $0] }.reduce(0, +) / Float(2).squareRoot() }
        let m = scores.max()!
        scores = scores.map { expf($0 - m) }
        let total = scores.reduce(0, +)
        let expected = (0..<steps).map { scores[$0] / total * qkv[$0 * 18 + 12] }.reduce(0, +)
        XCTAssertEqual(y[0], expected, accuracy: 1e-5)
        let dqkv = Tensor(qkv.shape)
        attention.backward(r, dQuery: dqkv.data, dKey: dqkv.data + width, dValue: dqkv.data + 2 * width,
                           accumulate: false, batch: batch, steps: steps)
        assertGradients([("qkv", qkv, dqkv)]) { dot(forward(), r) }
    }

    /// Q and K packed in one [B·T, 2d] buffer (one projection makes both) and V a separate
    /// [B·T, d] input: V's rows have their own stride, forward and backward.
    func testAttentionWithPackedQueryKeyAndSeparateValue() {
        var rng = SeededRNG(seed: 21)
        let batch = 2, steps = 5, width = 4
        let attention = ScaledDotProductAttention(width: width, heads: 2, dropout: 0.2)
        let qk = random([batch * steps, 2 * width], &rng), v = random([batch, steps, width], &rng)
        let r = random([batch, steps, width], &rng)
        let forward = { () -> Tensor in
            attention.rng = SeededRNG(seed: 22)
            return attention.forward(query: qk.data, key: qk.data + width, value: v.data, rowStride: 2 * width,
                                     valueStride: width, batch: batch, steps: steps, training: true)
        }
        // The same numbers as with Q, K and V in three tensors of stride d.
        let q = Tensor([batch, steps, width]), k = Tensor([batch, steps, width])
        for row in 0..<(batch * steps) {
            for c in 0..<width { q[row * width + c] = qk[row * 2 * width + c]; k[row * width + c] = qk[row * 2 * width + width + c] }
        }
        let packed = kept(forward())
        attention.rng = SeededRNG(seed: 22)
        let separate = attention.forward(query: q.data, key: k.data, value: v.data, rowStride: width, batch: batch, steps: steps, training: true)
        for i in 0..<packed.count { XCTAssertEqual(packed[i], separate[i], accuracy: 1e-6) }

        _ = forward()
        let dqk = Tensor(qk.shape), dv = Tensor(v.shape)
        attention.backward(r, dQuery: dqk.data, dKey: dqk.data + width, dValue: dv.data, accumulate: true, batch: batch, steps: steps)
        assertGradients([("qk", qk, dqk), ("v", v, dv)]) { dot(forward(), r) }
    }

    func testSelfAttentionWithSharedInputAccumulates() {
        var rng = SeededRNG(seed: 20)
        let batch = 1, steps = 6, width = 3
        let attention = ScaledDotProductAttention(width: width)
        let x = random([batch, steps, width], &rng)
        let r = random([batch, steps, width], &rng)
        let forward = { attention.forward(query: x.data, key: x.data, value: x.data, rowStride: width, batch: batch, steps: steps, training: false) }
        _ = forward()
        let dx = Tensor(x.shape)
        attention.backward(r, dQuery: dx.data, dKey: dx.data, dValue: dx.data, accumulate: true, batch: batch, steps: steps)
        assertGradients([("x", x, dx)]) { dot(forward(), r) }
    }

    /// Only the last 2 of 5 positions query (all 5 are keys and values): finite differences
    /// through Q, K and V, and positions that did not ask get dQ = 0 when not accumulating.
    func testAttentionWithTrailingQueriesOnly() {
        var rng = SeededRNG(seed: 23)
        let batch = 2, steps = 5, width = 4, queries = 2
        let attention = ScaledDotProductAttention(width: width, heads: 2, dropout: 0.2)
        let q = random([batch, steps, width], &rng), k = random([batch, steps, width], &rng), v = random([batch, steps, width], &rng)
        let r = random([batch, queries, width], &rng)
        let forward = { () -> Tensor in
            attention.rng = SeededRNG(seed: 24)
            return attention.forward(query: q.data, key: k.data, value: v.data, rowStride: width, batch: batch,
                                     steps: steps, queries: queries, training: true)
        }
        _ = forward()
        let dq = random(q.shape, &rng), dk = Tensor(k.shape), dv = Tensor(v.shape)
        attention.backward(r, dQuery: dq.data, dKey: dk.data, dValue: dv.data, accumulate: false, batch: batch, steps: steps)
        for b in 0..<batch {
            for t in 0..<(steps - queries) {
                XCTAssertEqual(Array(UnsafeBufferPointer(start: dq.data + (b * steps + t) * width, count: width)),
                               [0, 0, 0, 0], "position \(t) did not ask")
            }
        }
        assertGradients([("q", q, dq), ("k", k, dk), ("v", v, dv)]) { dot(forward(), r) }
    }

    /// 5 rows run fc2 and gate as two layers; 9 rows (more than 2d = 6) the composed product
    /// W₂·W_g. Both are checked against finite differences.
    func testGatedResidualNetwork() {
        var rng = SeededRNG(seed: 21)
        let width = 3, hidden = 4
        for (rows, hasContext) in [(5, true), (5, false), (9, true), (9, false)] {
            let grn = GatedResidualNetwork(name: "grn", width: width, hidden: hidden, hasContext: hasContext, rng: &rng)
            let x = random([rows, width], &rng), c = random([rows, width], &rng)
            let r = random([rows, width], &rng)
            let context = hasContext ? c : nil
            for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = 0.3 }
            zeroGrads(grn.parameters)
            _ = grn.forward(x, context: context, rows: rows)
            let (dxRaw, dcRaw) = grn.backward(r, rows: rows)
            let dx = kept(dxRaw)
            var pairs = paramPairs(grn.parameters) + [("x", x, dx)]
            if let dcRaw { pairs.append(("c", c, kept(dcRaw))) }
            XCTAssertEqual(dcRaw == nil, !hasContext)
            assertGradients(pairs, tolerance: 5e-3) { dot(grn.forward(x, context: context, rows: rows), r) }
        }
        // The GRN parameter count of MODELS.md at d = 256, h = 4d (2,100,224).
        var big = SeededRNG(seed: 1)
        let paper = GatedResidualNetwork(name: "grn", width: 256, hidden: 1024, hasContext: true, rng: &big)
        XCTAssertEqual(paper.parameters.reduce(0) { $0 + $1.count }, 2_100_224)
    }

    /// The composed path (many rows) gives the two-layer path's outputs and gradients: the same
    /// 12 rows in one batch against three batches of 4 (4 ≤ 2d = 6 runs the layers as they are).
    func testGatedResidualNetworkComposedPathMatchesTheTwoLayers() {
        var rng = SeededRNG(seed: 31)
        let rows = 12, width = 3, hidden = 8
        let grn = GatedResidualNetwork(name: "grn", width: width, hidden: hidden, hasContext: true, rng: &rng)
        let x = random([rows, width], &rng), c = random([rows, width], &rng), r = random([rows, width], &rng)
        zeroGrads(grn.parameters)
        let whole = kept(grn.forward(x, context: c, rows: rows))
        let wholeDX = kept(grn.backward(r, rows: rows).input)
        let wholeGrads = grn.parameters.map { kept($0.grad) }
        zeroGrads(grn.parameters)
        for chunk in 0..<3 {
            let part = { (t: Tensor) -> Tensor in
                let p = Tensor([4, width])
                for i in 0..<(4 * width) { p[i] = t[chunk * 4 * width + i] }
                return p
            }
            let y = grn.forward(part(x), context: part(c), rows: 4)
            for i in 0..<(4 * width) { XCTAssertEqual(y[i], whole[chunk * 4 * width + i], accuracy: 1e-5) }
            let dx = grn.backward(part(r), rows: 4).input
            for i in 0..<(4 * width) { XCTAssertEqual(dx[i], wholeDX[chunk * 4 * width + i], accuracy: 1e-5) }
        }
        for (p, expected) in zip(grn.parameters, wholeGrads) {
            for i in 0..<p.count { XCTAssertEqual(p.grad[i], expected[i], accuracy: 1e-4, p.name) }
        }
    }

    func testInterleave() {
        var rng = SeededRNG(seed: 22)
        let batch = 2, steps = 3, width = 2
        let interleave = Interleave(branches: 3, width: width)
        let inputs = (0..<3).map { _ in random([batch, steps, width], &rng) }
        let y = interleave.forward(inputs, batch: batch, steps: steps)
        // Token t·3 + i of sequence b is step t of branch i.
        XCTAssertEqual(y[((1 * steps + 2) * 3 + 1) * width + 1], inputs[1][(1 * steps + 2) * width + 1])
        let r = random([batch, 3 * steps, width], &rng)
        let grads = (0..<3).map { kept(interleave.backward(r, branch: $0, batch: batch, steps: steps)) }
        assertGradients((0..<3).map { ("branch \($0)", inputs[$0], grads[$0]) }) { dot(interleave.forward(inputs, batch: batch, steps: steps), r) }
    }

    func testPooling() {
        var rng = SeededRNG(seed: 23)
        let batch = 2, steps = 5, width = 3
        let x = random([batch, steps, width], &rng)
        let mean = MeanPool(width: width), last = LastStepPool(width: width), maxPool = MaxPoolOverTime(channels: width, size: 2)
        let r = random([batch, width], &rng)
        _ = mean.forward(x, batch: batch, steps: steps)
        let dMean = kept(mean.backward(r, batch: batch, steps: steps))
        assertGradients([("mean", x, dMean)]) { dot(mean.forward(x, batch: batch, steps: steps), r) }
        let y = last.forward(x, batch: batch, steps: steps)
        XCTAssertEqual(y[width], x[(steps + steps - 1) * width])
        let dLast = kept(last.backward(r, batch: batch, steps: steps))
        assertGradients([("last", x, dLast)]) { dot(last.forward(x, batch: batch, steps: steps), r) }
        // Max-pool floors: 5 steps → 2, step 4 falls away.
        XCTAssertEqual(maxPool.outputSteps(steps), 2)
        let rp = random([batch, 2, width], &rng)
        let pooled = maxPool.forward(x, batch: batch, steps: steps)
        XCTAssertEqual(pooled[width], max(x[2 * width], x[3 * width]))
        let dMax = kept(maxPool.backward(rp, batch: batch, steps: steps))
        // The finite step must not swap a window's winner: separate values within each window.
        assertGradients([("max", x, dMax)], step: 1e-3) { dot(maxPool.forward(x, batch: batch, steps: steps), rp) }
        XCTAssertEqual((0..<width).map { dMax[(batch * steps - 1) * width + $0] }, [0, 0, 0])
    }

    func testLSTMBackpropagationThroughTime() {
        var rng = SeededRNG(seed: 24)
        let batch = 3, steps = 4, features = 2, hidden = 3
        let lstm = LSTM(name: "lstm", inFeatures: features, hidden: hidden, rng: &rng)
        let x = random([batch, steps, features], &rng)
        let r = random([batch, steps, hidden], &rng)
        zeroGrads(lstm.parameters)
        _ = lstm.forward(x, batch: batch, steps: steps)
        let dx = kept(lstm.backward(r, batch: batch, steps: steps))
        assertGradients(paramPairs(lstm.parameters) + [("x", x, dx)]) { dot(lstm.forward(x, batch: batch, steps: steps), r) }
        // One step by hand for sequence 0: h₀ = o·tanh(i·g) from x₀·Wx + b.
        let h = lstm.forward(x, batch: batch, steps: steps)
        func pre(_ gate: Int, _ j: Int) -> Float {
            let column = gate * hidden + j
            return lstm.bias.value[column] + (0..<features).map { x[$0] * lstm.inputWeight.value[$0 * 4 * hidden + column] }.reduce(0, +)
        }
        func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
        let c0 = sigmoid(pre(0, 1)) * tanhf(pre(2, 1))
        XCTAssertEqual(h[1], sigmoid(pre(3, 1)) * tanhf(c0), accuracy: 1e-5)
    }

    func testDistillationLossValueAndGradient() {
        var rng = SeededRNG(seed: 25)
        let rows = 3, classes = 4
        let loss = DistillationLoss(classes: classes, temperature: 3, alpha: 0.7)
        let z = random([rows, classes], &rng, scale: 2), s = random([rows, classes], &rng, scale: 2)
        let labels = [0, 3, 1]
        let value = loss.forward(z, teacher: s, labels: labels, rows: rows)
        var kl: Double = 0, ce: Double = 0
        for r in 0..<rows {
            let zr = (0..<classes).map { Double(z[r * classes + $0]) }, sr = (0..<classes).map { Double(s[r * classes + $0]) }
            let pz = zr.map { exp($0 / 3) }, ps = sr.map { exp($0 / 3) }
            let nz = pz.reduce(0, +), ns = ps.reduce(0, +)
            for c in 0..<classes { kl += ps[c] / ns * log((ps[c] / ns) / (pz[c] / nz)) }
            ce -= zr[labels[r]] - log(zr.map(exp).reduce(0, +))
        }
        XCTAssertEqual(Double(value), 0.7 * 9 * kl / 3 + 0.3 * ce / 3, accuracy: 1e-4)
        let dz = kept(loss.backward(rows: rows))
        assertGradients([("z", z, dz)]) { Double(loss.forward(z, teacher: s, labels: labels, rows: rows)) }
    }
}
