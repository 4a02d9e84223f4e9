import XCTest
import TinyTensor
@testable import TinyNN

/// Every layer's backward against central finite differences, on small odd shapes.
/// The scalar probed is L = Σ y ⊙ r for a fixed random r, so every output element matters.
final class GradientTests: XCTestCase {
    private func randomTensor(_ shape: [Int], _ rng: inout SeededRNG, scale: Float = 1) -> Tensor {
        let t = Tensor(shape)
        for i in 0..<t.count { t[i] = rng.normal() * scale }
        return t
    }

    private func dot(_ y: Tensor, _ r: Tensor, count: Int) -> Double {
        var s: Double = 0
        for i in 0..<count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    func testLinearGradients() {
        var rng = SeededRNG(seed: 1)
        let rows = 5, inF = 7, outF = 3
        let layer = Linear(name: "fc", inFeatures: inF, outFeatures: outF, rng: &rng)
        let x = randomTensor([rows, inF], &rng)
        let r = randomTensor([rows, outF], &rng)
        for p in layer.parameters { p.grad.zero() }
        _ = layer.forward(x, rows: rows)
        let dx = Tensor([rows, inF])
        dx.copy(from: layer.backward(r, rows: rows))
        let loss = { self.dot(layer.forward(x, rows: rows), r, count: rows * outF) }
        for (values, grad) in [(layer.weight.value, layer.weight.grad), (layer.bias.value, layer.bias.grad), (x, dx)] {
            let result = GradientCheck.compare(values: values, analytic: grad, loss: loss)
            XCTAssertLessThan(result.maxRelativeError, 2e-3, "\(result)")
        }
    }

    func testReLUGradient() {
        var rng = SeededRNG(seed: 2)
        let rows = 4, width = 9
        let relu = ReLU(width: width)
        let x = randomTensor([rows, width], &rng)
        // Keep inputs away from the kink, where the finite difference is not the derivative.
        for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = 0.3 }
        let r = randomTensor([rows, width], &rng)
        _ = relu.forward(x, rows: rows)
        let dx = Tensor([rows, width])
        dx.copy(from: relu.backward(r, rows: rows))
        let result = GradientCheck.compare(values: x, analytic: dx) { self.dot(relu.forward(x, rows: rows), r, count: rows * width) }
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
        XCTAssertEqual(relu.forward(x, rows: rows).array.filter { $0 < 0 }.count, 0)
    }

    func testDropoutGradientAndScaling() {
        var rng = SeededRNG(seed: 3)
        let rows = 6, width = 50
        let x = randomTensor([rows, width], &rng)
        let r = randomTensor([rows, width], &rng)
        let dropout = Dropout(width: width, probability: 0.3, rng: SeededRNG(seed: 9))
        // The same mask must be used for every probe, so re-seed before each forward.
        let probe = { () -> Tensor in
            dropout.rng = SeededRNG(seed: 9)
            return dropout.forward(x, rows: rows, training: true)
        }
        let y = probe()
        let zeros = (0..<(rows * width)).filter { y[$0] == 0 }.count
        XCTAssertGreaterThan(zeros, 40)
        XCTAssertLessThan(zeros, 140)
        for i in 0..<(rows * width) where y[i] != 0 { XCTAssertEqual(y[i], x[i] / 0.7, accuracy: 1e-5) }
        let dx = Tensor([rows, width])
        dx.copy(from: dropout.backward(r, rows: rows))
        let result = GradientCheck.compare(values: x, analytic: dx) { self.dot(probe(), r, count: rows * width) }
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
        // Inference is the identity.
        XCTAssertTrue(dropout.forward(x, rows: rows, training: false) === x)
    }

    func testSoftmaxCrossEntropyGradientAndValue() {
        var rng = SeededRNG(seed: 4)
        let rows = 3, classes = 5
        let loss = SoftmaxCrossEntropy(classes: classes)
        let z = randomTensor([rows, classes], &rng, scale: 2)
        let labels = [4, 0, 2]
        let value = loss.forward(z, labels: labels, rows: rows)
        var expected: Double = 0
        for r in 0..<rows {
            let row = (0..<classes).map { Double(z[r * classes + $0]) }
            let logSum = log(row.map { exp($0) }.reduce(0, +))
            expected -= row[labels[r]] - logSum
        }
        XCTAssertEqual(Double(value), expected / Double(rows), accuracy: 1e-5)
        let dz = Tensor([rows, classes])
        dz.copy(from: loss.backward(rows: rows))
        let result = GradientCheck.compare(values: z, analytic: dz, step: 1e-2) {
            Double(loss.forward(z, labels: labels, rows: rows))
        }
        XCTAssertLessThan(result.maxRelativeError, 2e-3, "\(result)")
    }

    func testWeightedCrossEntropyGradient() {
        var rng = SeededRNG(seed: 5)
        let rows = 4, classes = 3
        let weights: [Float] = [0.5, 2, 1]
        let loss = SoftmaxCrossEntropy(classes: classes)
        let z = randomTensor([rows, classes], &rng)
        let labels = [1, 1, 0, 2]
        _ = loss.forward(z, labels: labels, rows: rows, classWeights: weights)
        let dz = Tensor([rows, classes])
        dz.copy(from: loss.backward(rows: rows))
        let result = GradientCheck.compare(values: z, analytic: dz) {
            Double(loss.forward(z, labels: labels, rows: rows, classWeights: weights))
        }
        XCTAssertLessThan(result.maxRelativeError, 2e-3, "\(result)")
    }

    func testAdamMatchesHandComputedSteps() {
        let p = Parameter(name: "w", shape: [2])
        p.value[0] = 1; p.value[1] = -2
        let adam = Adam(parameters: [p], learningRate: 0.1)
        var m: [Double] = [0, 0], v: [Double] = [0, 0], theta: [Double] = [1, -2]
        for t in 1...3 {
            let g: [Double] = [Double(t) * 0.5, -0.25]
            p.grad[0] = Float(g[0]); p.grad[1] = Float(g[1])
            adam.update()
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.9, Double(t))), vh = v[i] / (1 - pow(0.999, Double(t)))
                theta[i] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
                XCTAssertEqual(Double(p.value[i]), theta[i], accuracy: 1e-5)
            }
        }
    }
}
