import XCTest
import TinyTensor
@testable import TinyNN

/// The CRF against brute force: with C = 3 tags and T = 4 steps there are 81 label paths, few
/// enough to score every one, so log Z and the best path are checked exactly.
final class LinearChainCRFTests: XCTestCase {
    private let classes = 3, steps = 4, batch = 2

    private func setUp(seed: UInt64) -> (LinearChainCRF, Tensor) {
        var rng = SeededRNG(seed: seed)
        let crf = LinearChainCRF(name: "crf", classes: classes, rng: &rng)
        // Larger transitions than the initialisation, so paths differ clearly.
        for p in crf.parameters { for i in 0..<p.count { p.value[i] = rng.normal() } }
        let e = Tensor([batch, steps, classes])
        for i in 0..<e.count { e[i] = rng.normal() * 1.5 }
        return (crf, e)
    }

    private func allPaths() -> [[Int]] {
        var paths: [[Int]] = [[]]
        for _ in 0..<steps { paths = paths.flatMap { p in (0..<classes).map { p + [$0] } } }
        return paths
    }

    private func score(_ crf: LinearChainCRF, _ e: Tensor, sequence b: Int, path: [Int]) -> Double {
        var s = Double(crf.start.value[path[0]]) + Double(crf.end.value[path[steps - 1]])
        for t in 0..<steps {
            s += Double(e[(b * steps + t) * classes + path[t]])
            if t > 0 { s += Double(crf.transitions.value[path[t - 1] * classes + path[t]]) }
        }
        return s
    }

    func testNegativeLogLikelihoodMatchesEnumeration() {
        let (crf, e) = setUp(seed: 31)
        let tags = [0, 2, 2, 1, 1, 1, 0, 2]
        let nll = crf.forward(e, tags: tags, batch: batch, steps: steps)
        let paths = allPaths()
        XCTAssertEqual(paths.count, 81)
        var expected: Double = 0
        for b in 0..<batch {
            let scores = paths.map { score(crf, e, sequence: b, path: $0) }
            let m = scores.max()!
            let logZ = m + log(scores.map { exp($0 - m) }.reduce(0, +))
            expected += logZ - score(crf, e, sequence: b, path: Array(tags[(b * steps)..<((b + 1) * steps)]))
        }
        XCTAssertEqual(Double(nll), expected / Double(batch), accuracy: 1e-5)
    }

    func testGradientsAgainstFiniteDifferences() {
        let (crf, e) = setUp(seed: 32)
        let tags = [1, 1, 0, 2, 2, 0, 0, 1]
        for p in crf.parameters { p.grad.zero() }
        _ = crf.forward(e, tags: tags, batch: batch, steps: steps)
        let de = Tensor(e.shape)
        de.copy(from: crf.backward(batch: batch, steps: steps))
        for (name, values, grad) in [("emissions", e, de)] + crf.parameters.map({ ($0.name, $0.value, $0.grad) }) {
            let result = GradientCheck.compare(values: values, analytic: grad, step: 1e-2) {
                Double(crf.forward(e, tags: tags, batch: self.batch, steps: self.steps))
            }
            XCTAssertLessThan(result.maxRelativeError, 2e-3, "\(name): \(result)")
        }
    }

    func testViterbiFindsTheBestPath() {
        for seed: UInt64 in 33...37 {
            let (crf, e) = setUp(seed: seed)
            let decoded = crf.decode(e, batch: batch, steps: steps)
            for b in 0..<batch {
                let best = allPaths().max { score(crf, e, sequence: b, path: $0) < score(crf, e, sequence: b, path: $1) }!
                XCTAssertEqual(Array(decoded[(b * steps)..<((b + 1) * steps)]), best, "seed \(seed) sequence \(b)")
            }
        }
    }
}
