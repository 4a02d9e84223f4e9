import TinyTensor
@testable import Models

/// Three rooms whose 4 × 2 windows differ by 0.3 per room under unit noise, so validation macro-F1
/// moves from epoch to epoch: training data for tests of the trainer's bookkeeping.
func noisyRooms(count: Int, seed: UInt64) -> LabelledWindows {
    var rng = SeededRNG(seed: seed)
    var x = [Float](), labels = [Int]()
    for i in 0..<count {
        labels.append(i % 3)
        for _ in 0..<8 { x.append(Float(i % 3) * 0.3 + rng.normal()) }
    }
    return LabelledWindows(x: x, labels: labels, steps: 4, features: 2)
}
