/// Room-classification metrics on one split.
///
/// F1 of room c = 2·P·R / (P + R) with precision P = tp/(tp+fp) and recall R = tp/(tp+fn)
/// (0 when undefined). Macro-F1, the study's headline metric, averages the F1 of the rooms
/// present in the labels — a room never visited in the split neither helps nor hurts.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
    public var accuracy: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// Which rooms occur in the labels.
    public var present: [Bool]
    public var macroF1: Double

    public init(predictions: [Int], labels: [Int], roomCount: Int) {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: roomCount), count: roomCount)
        for (p, t) in zip(predictions, labels) { confusion[t][p] += 1 }
        self.confusion = confusion
        let correct = (0..<roomCount).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = labels.isEmpty ? 0 : Double(correct) / Double(labels.count)
        var precision = [Double](), recall = [Double](), f1 = [Double](), present = [Bool]()
        for c in 0..<roomCount {
            let tp = Double(confusion[c][c])
            let actual = Double(confusion[c].reduce(0, +))
            let predicted = Double((0..<roomCount).reduce(0) { $0 + confusion[$1][c] })
            let p = predicted > 0 ? tp / predicted : 0
            let r = actual > 0 ? tp / actual : 0
            precision.append(p)
            recall.append(r)
            f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
            present.append(actual > 0)
        }
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.present = present
        let presentF1 = zip(f1, present).filter(\.1).map(\.0)
        macroF1 = presentF1.isEmpty ? 0 : presentF1.reduce(0, +) / Double(presentF1.count)
    }
}
