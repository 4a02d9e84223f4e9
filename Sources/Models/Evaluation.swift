import Foundation
import TinyNN
import TinyTensor

/// A model's predictions on a set of windows, with the mean cross-entropy.
public struct Predictions: Sendable {
    public var predicted: [Int]
    public var logits: [Float]
    public var loss: Float
}

/// Runs the model in inference mode over `data` in batches and returns argmax predictions (for a
/// CRF sequence labeller, the majority room of each window's Viterbi path). The loss is the
/// cross-entropy of the returned logits.
public func predict(_ model: ClassifierModel, on data: LabelledWindows, classes: Int, batchSize: Int = 256) -> Predictions {
    let batch = Tensor([batchSize, data.steps, data.features])
    let lossLayer = SoftmaxCrossEntropy(classes: classes)
    var predicted = [Int](), logits = [Float]()
    predicted.reserveCapacity(data.count)
    logits.reserveCapacity(data.count * classes)
    var lossSum: Double = 0
    let labeller = crfLabeller(model)
    var start = 0
    while start < data.count {
        let rows = min(batchSize, data.count - start)
        data.gather(Array(start..<(start + rows))[...], into: batch)
        let z = model.forward(batch, rows: rows, training: false)
        lossSum += Double(lossLayer.forward(z, labels: Array(data.labels[start..<(start + rows)]), rows: rows)) * Double(rows)
        for r in 0..<rows { logits.append(contentsOf: UnsafeBufferPointer(start: z.data + r * classes, count: classes)) }
        if let labeller {
            predicted.append(contentsOf: labeller.windowRooms(batch: rows, steps: data.steps, classes: classes))
        } else {
            for r in 0..<rows { predicted.append(argmax(UnsafeBufferPointer(start: z.data + r * classes, count: classes))) }
        }
        start += rows
    }
    return Predictions(predicted: predicted, logits: logits, loss: data.count > 0 ? Float(lossSum / Double(data.count)) : .nan)
}

public func argmax<C: Collection>(_ values: C) -> Int where C.Element == Float, C.Index == Int {
    var best = values.startIndex
    for i in values.indices where values[i] > values[best] { best = i }
    return best - values.startIndex
}
