import Dispatch
import TinyNN
import TinyTensor

/// Steady-state training speed of one model: forward, loss, backward and an Adam update per step.
public struct TrainingBenchmarkResult: Sendable, Codable {
    public var model: String
    public var parameters: Int
    public var batchSize: Int
    public var steps: Int
    public var features: Int
    public var threads: Int
    /// Median over the timed repeats.
    public var millisecondsPerStep: Double
    public var samplesPerSecond: Double
}

/// Times training steps on random windows of the given shape (the numbers do not depend on the
/// data). Warm-up steps first, so buffers are sized and caches warm; then `repeats` timed
/// repeats of `stepsPerRepeat` steps, and the median repeat is reported.
public func benchmarkTraining(_ config: ModelConfig, shape: ModelShape, batchSize: Int = 64,
                              warmup: Int = 5, repeats: Int = 7, stepsPerRepeat: Int = 20,
                              threads: Int = Parallelism.threads) -> TrainingBenchmarkResult {
    let savedThreads = Parallelism.threads
    Parallelism.threads = threads
    defer { Parallelism.threads = savedThreads }

    let model = config.build(shape: shape, seed: 1)
    let optimizer = Adam(parameters: model.parameters)
    let loss = SoftmaxCrossEntropy(classes: shape.classes)
    var rng = SeededRNG(seed: 2)
    let batch = Tensor([batchSize, shape.steps, shape.features])
    for i in 0..<batch.count { batch[i] = rng.uniform() }
    let labels = (0..<batchSize).map { _ in rng.int(below: shape.classes) }
    let step = {
        optimizer.zeroGradients()
        let logits = model.forward(batch, rows: batchSize, training: true)
        _ = loss.forward(logits, labels: labels, rows: batchSize)
        model.backward(loss.backward(rows: batchSize), rows: batchSize)
        optimizer.update()
    }
    for _ in 0..<warmup { step() }
    var times = [Double]()
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<stepsPerRepeat { step() }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-6 / Double(stepsPerRepeat))
    }
    times.sort()
    let median = times[times.count / 2]
    return TrainingBenchmarkResult(model: config.kind.rawValue, parameters: model.parameterCount, batchSize: batchSize,
                                   steps: shape.steps, features: shape.features, threads: threads,
                                   millisecondsPerStep: median, samplesPerSecond: Double(batchSize) / (median / 1000))
}
