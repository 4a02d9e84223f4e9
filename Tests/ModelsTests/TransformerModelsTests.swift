import TinyNN
import TinyTensor
import XCTest
@testable import Models

/// Parameter counts by hand, whole-model gradient checks on tiny configurations, and the
/// distillation path of the Trainer, for the teacher, the students and the CNN/LSTM baselines.
final class TransformerModelsTests: XCTestCase {
    /// SPHERE's shape: 20 steps, 4 RSSI + 4 heard-rates + 3 accelerometer axes, 9 rooms.
    private let sphere = ModelShape(steps: 20, features: 11, classes: 9)

    private func count(_ kind: ModelKind) -> Int { ModelConfig(kind: kind).build(shape: sphere, seed: 1).parameterCount }

    func testBaselineParameterCounts() {
        // cnn: Conv k1 11→32, 32→64, 64→128 (weights + biases); 20 → 10 → 5 → 2 steps; Linear 2·128 → 9.
        XCTAssertEqual(count(.cnn), (11 * 32 + 32) + (32 * 64 + 64) + (64 * 128 + 128) + (2 * 128 * 9 + 9))
        XCTAssertEqual(count(.cnn), 13_129)
        // lstm: 4 gates × 8 × (11 inputs + 8 recurrent + 1 bias); Linear 8 → 9.
        XCTAssertEqual(count(.lstm), 4 * 8 * (11 + 8 + 1) + (8 * 9 + 9))
        XCTAssertEqual(count(.lstm), 721)
    }

    func testStudentParameterCounts() {
        func hand(d: Int, layers: Int, f: Int) -> Int {
            let embed = 11 * d + d, position = 20 * d
            let block = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * f + f) + (f * d + d)
            return embed + position + layers * block + 2 * d + (d * 9 + 9)
        }
        XCTAssertEqual(count(.student), hand(d: 32, layers: 2, f: 64))
        XCTAssertEqual(count(.student), 18_473)
        XCTAssertEqual(count(.studentTiny), hand(d: 16, layers: 1, f: 32))
        XCTAssertEqual(count(.studentTiny), 2_921)
    }

    /// The teacher with an RSSI modality of 8 features and an accelerometer modality of 3.
    private func teacherByHand(d: Int, rssi: Int = 8, accel: Int = 3, classes: Int = 9) -> Int {
        let h = 4 * d
        let embeddings = (rssi * d + d) + (accel * d + d)
        // Per branch: Q and K causal convolutions (k·d·d + d) and a LayerNorm for each modality, then the GRN.
        let grn = (d * h + h) + d * h + (h * h + h) + (h * 2 * d + 2 * d) + 2 * d
        let branches = [1, 4, 7].map { k in 2 * 2 * (k * d * d + d) + 2 * 2 * d + grn }.reduce(0, +)
        let fuse = (3 * d * d + d) + 2 * d
        return embeddings + branches + fuse + (d * classes + classes)
    }

    func testTeacherParameterCounts() {
        XCTAssertEqual(count(.teacher), teacherByHand(d: 64))
        XCTAssertEqual(count(.teacher), 607_561)
        XCTAssertEqual(count(.teacherPaper), teacherByHand(d: 256))
        XCTAssertEqual(count(.teacherPaper), 9_655_561)
        // Without accelerometer features the accelerometer modality (its embedding, Q/K convolutions,
        // LayerNorms and the GRN's ctx projection) is not built.
        var rssiConfig = TeacherConfig.teacher
        rssiConfig.accelerometerFeatures = 0
        let rssiOnly = Teacher(shape: ModelShape(steps: 20, features: 8, classes: 9), config: rssiConfig, seed: 1)
        XCTAssertEqual(rssiOnly.accelerometerFeatures, 0)
        let d = 64
        let removed = (3 * d + d) + [1, 4, 7].map { k in 2 * (k * d * d + d) + 2 * d + d * 4 * d }.reduce(0, +)
        XCTAssertEqual(rssiOnly.parameterCount, 607_561 - removed)
        // The CRF adds C² transitions and C start and C end scores.
        var crf = TeacherConfig.teacher
        crf.crf = true
        XCTAssertEqual(Teacher(shape: sphere, config: crf, seed: 1).parameterCount, 607_561 + 81 + 18)
    }

    func testParameterNamesAreUnique() {
        for kind in [ModelKind.teacher, .student, .studentTiny, .cnn, .lstm] {
            let names = ModelConfig(kind: kind).build(shape: sphere, seed: 1).parameters.map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(kind)")
        }
    }

    /// Every parameter's gradient through the whole model and a softmax cross-entropy.
    private func checkWholeModel(_ model: ClassifierModel, shape: ModelShape, rows: Int, step: Float = 1e-2,
                                 tolerance: Double = 5e-3, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SeededRNG(seed: seed)
        let x = Tensor([rows, shape.steps, shape.features])
        for i in 0..<x.count { x[i] = rng.normal() }
        let labels = (0..<rows).map { $0 % shape.classes }
        let loss = SoftmaxCrossEntropy(classes: shape.classes)
        // Dropout masks are re-derived from the epoch, so every probe sees the same masks.
        let evaluate = { () -> Double in
            model.reseed(epoch: 1)
            return Double(loss.forward(model.forward(x, rows: rows, training: true), labels: labels, rows: rows))
        }
        for p in model.parameters { p.grad.zero() }
        _ = evaluate()
        model.backward(loss.backward(rows: rows), rows: rows)
        for p in model.parameters {
            // Up to 16 elements spread over each parameter keep the check quick on the larger tensors.
            let indices = Array(stride(from: 0, to: p.count, by: max(1, p.count / 16)))
            let result = GradientCheck.compare(values: p.value, analytic: p.grad, step: step, indices: indices, loss: evaluate)
            XCTAssertLessThan(result.maxRelativeError, tolerance, "\(p.name): \(result)", file: file, line: line)
        }
    }

    func testTeacherGradients() {
        let shape = ModelShape(steps: 4, features: 5, classes: 3)
        let config = TeacherConfig(width: 4, grnMultiplier: 2, kernels: [1, 3], accelerometerFeatures: 2)
        checkWholeModel(Teacher(shape: shape, config: config, seed: 7), shape: shape, rows: 3, seed: 8)
    }

    /// Without a CRF the fusion stage computes only the last step; logits and every gradient
    /// must equal the full computation (which the CRF teacher runs: same weights, same seed).
    func testTeacherLastStepFusionEqualsTheFullNetwork() {
        let shape = ModelShape(steps: 5, features: 6, classes: 4)
        var config = TeacherConfig(width: 8, grnMultiplier: 2, kernels: [1, 3], attentionDropout: 0.2, headDropout: 0,
                                   accelerometerFeatures: 2)
        let fast = Teacher(shape: shape, config: config, seed: 31)
        config.crf = true
        let full = Teacher(shape: shape, config: config, seed: 31)
        var rng = SeededRNG(seed: 32)
        let rows = 3
        let x = Tensor([rows, shape.steps, shape.features])
        for i in 0..<x.count { x[i] = rng.normal() }
        let dlogits = Tensor([rows, shape.classes])
        for i in 0..<dlogits.count { dlogits[i] = rng.normal() }
        var logits: [[Float]] = []
        for model in [fast, full] {
            for p in model.parameters { p.grad.zero() }
            model.reseed(epoch: 2)
            logits.append(model.forward(x, rows: rows, training: true).array.prefix(rows * shape.classes).map { $0 })
            model.backward(dlogits, rows: rows)
        }
        for (a, b) in zip(logits[0], logits[1]) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (p, q) in zip(fast.parameters, full.parameters) {
            XCTAssertEqual(p.name, q.name)
            for i in 0..<p.count {
                XCTAssertEqual(p.grad[i], q.grad[i], accuracy: 1e-5 + 1e-4 * abs(q.grad[i]), "\(p.name)[\(i)]")
            }
        }
    }

    /// A training step gives the same bits on 1 and 2 threads: the GEMM splits, the elementwise
    /// passes cut into ranges and Adam over slices of all parameters only change who computes
    /// each element. Batch 64 × T 20 is large enough for every pass to split.
    func testTeacherTrainingStepIsTheSameOnOneAndTwoThreads() {
        let shape = ModelShape(steps: 20, features: 7, classes: 5)
        let config = TeacherConfig(width: 16, kernels: [1, 3], accelerometerFeatures: 3)
        var rng = SeededRNG(seed: 41)
        let rows = 64
        let x = Tensor([rows, shape.steps, shape.features])
        for i in 0..<x.count { x[i] = rng.normal() }
        let labels = (0..<rows).map { $0 % shape.classes }
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var results: [[[Float]]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let teacher = Teacher(shape: shape, config: config, seed: 42)
            let optimizer = Adam(parameters: teacher.parameters)
            let loss = SoftmaxCrossEntropy(classes: shape.classes)
            teacher.reseed(epoch: 1)
            optimizer.zeroGradients()
            _ = loss.forward(teacher.forward(x, rows: rows, training: true), labels: labels, rows: rows)
            teacher.backward(loss.backward(rows: rows), rows: rows)
            optimizer.update()
            results.append(teacher.parameters.map(\.value.array))
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testTeacherCRFGradientsAndDecoding() {
        let shape = ModelShape(steps: 4, features: 3, classes: 3)
        let config = TeacherConfig(width: 4, grnMultiplier: 2, kernels: [2], attentionDropout: 0, headDropout: 0,
                                   accelerometerFeatures: 0, crf: true)
        let teacher = Teacher(shape: shape, config: config, seed: 9)
        var rng = SeededRNG(seed: 10)
        let batch = 2
        let x = Tensor([batch, shape.steps, shape.features])
        for i in 0..<x.count { x[i] = rng.normal() }
        let tags = [0, 1, 1, 2, 2, 2, 0, 1]
        for p in teacher.parameters { p.grad.zero() }
        _ = teacher.forward(x, rows: batch, training: true)
        _ = teacher.crfStep(tags: tags, batch: batch)
        for p in teacher.parameters {
            let result = GradientCheck.compare(values: p.value, analytic: p.grad) {
                _ = teacher.forward(x, rows: batch, training: true)
                return Double(teacher.crf!.forward(teacher.emissions, tags: tags, batch: batch, steps: shape.steps))
            }
            XCTAssertLessThan(result.maxRelativeError, 5e-3, "\(p.name): \(result)")
        }
        XCTAssertEqual(teacher.decodeSteps(batch: batch).count, batch * shape.steps)
    }

    func testStudentGradients() {
        let shape = ModelShape(steps: 3, features: 2, classes: 3)
        let student = Student(shape: shape, config: StudentConfig(width: 4, heads: 2, layers: 2, feedForward: 6), seed: 11)
        checkWholeModel(student, shape: shape, rows: 4, seed: 12)
    }

    func testLSTMClassifierGradients() {
        let shape = ModelShape(steps: 4, features: 3, classes: 3)
        checkWholeModel(LSTMClassifier(shape: shape, config: .init(hidden: 3), seed: 13), shape: shape, rows: 3, seed: 14)
    }

    func testCNNGradients() {
        // Small probes: ReLU kinks and max-pool winners must not flip within a step.
        let shape = ModelShape(steps: 8, features: 2, classes: 3)
        checkWholeModel(CNN(shape: shape, config: .init(filters: [3, 4]), seed: 15), shape: shape, rows: 3,
                        step: 1e-3, tolerance: 2e-2, seed: 16)
    }

    func testCNNFloorsThePools() {
        XCTAssertEqual(CNN(shape: sphere, seed: 1).stageSteps, [20, 10, 5, 2])
    }

    private func blobs(count: Int, seed: UInt64) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            let label = i % 3
            labels.append(label)
            for f in 0..<8 { x.append((f % 3 == label ? 1.5 : 0) + rng.normal() * 0.6) }
        }
        return LabelledWindows(x: x, labels: labels, steps: 2, features: 4)
    }

    /// Windows of 6 steps whose room changes inside the window: step t is in room (w + t / 3) % 3,
    /// the step's features say which (one-hot, noisy). The window label is the latest room (a tie).
    private func changingRooms(count: Int, seed: UInt64) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int](), steps = [Int]()
        for w in 0..<count {
            for t in 0..<6 {
                let room = (w + t / 3) % 3
                steps.append(room)
                for f in 0..<3 { x.append((f == room ? 1.5 : 0) + rng.normal() * 0.4) }
            }
            labels.append((w + 1) % 3)
        }
        return LabelledWindows(x: x, labels: labels, stepLabels: steps, steps: 6, features: 3)
    }

    func testCRFTeacherTrainsOnStepLabelsAndClassifiesByViterbiMajority() {
        let shape = ModelShape(steps: 6, features: 3, classes: 3)
        let train = changingRooms(count: 192, seed: 1), validation = changingRooms(count: 48, seed: 2)
        let config = TeacherConfig(width: 8, kernels: [1, 2], attentionDropout: 0, headDropout: 0, accelerometerFeatures: 0, crf: true)
        let teacher = Teacher(shape: shape, config: config, seed: 3)
        let trainer = Trainer(model: teacher, config: TrainingConfig(epochs: 8, batchSize: 32, learningRate: 1e-2, patience: 8),
                              classes: 3, train: train, validation: validation, seed: 4)
        var records = [EpochRecord]()
        while !trainer.isFinished { records.append(trainer.runEpoch()!) }
        trainer.restoreBest()
        XCTAssertLessThan(records.last!.trainLoss, records.first!.trainLoss / 2, "the CRF NLL falls: \(records.map(\.trainLoss))")

        // Every step labelled, not only the window: the decoded paths match the step rooms.
        let x = Tensor([validation.count, 6, 3])
        validation.gather(Array(0..<validation.count)[...], into: x)
        _ = teacher.forward(x, rows: validation.count, training: false)
        let path = teacher.decodeSteps(batch: validation.count)
        let stepAccuracy = Double(zip(path, validation.stepLabels).filter { $0 == $1 }.count) / Double(path.count)
        XCTAssertGreaterThan(stepAccuracy, 0.9)

        // predict() classifies each window by its path's majority, ties to the latest step.
        let predicted = predict(teacher, on: validation, classes: 3).predicted
        for w in 0..<validation.count {
            let window = Array(path[(w * 6)..<((w + 1) * 6)])
            let counts = (0..<3).map { room in window.filter { $0 == room }.count }
            let expected = window.reversed().first { counts[$0] == counts.max()! }!
            XCTAssertEqual(predicted[w], expected, "window \(w): path \(window)")
        }
        XCTAssertGreaterThan(records.map(\.validationF1).max()!, 0.9)
    }

    func testDistilledStudentLearnsAndIsDeterministic() {
        let shape = ModelShape(steps: 2, features: 4, classes: 3)
        let train = blobs(count: 240, seed: 1), validation = blobs(count: 60, seed: 2)
        let teacher = Teacher(shape: shape, config: TeacherConfig(width: 4, kernels: [1, 2], accelerometerFeatures: 0), seed: 3)
        let teacherTrainer = Trainer(model: teacher, config: TrainingConfig(epochs: 2, batchSize: 32, learningRate: 3e-3),
                                     classes: 3, train: train, validation: validation, seed: 4)
        while !teacherTrainer.isFinished { _ = teacherTrainer.runEpoch() }
        teacherTrainer.restoreBest()
        let distillation = Distillation.frozen(teacher: teacher, train: train, classes: 3, augmented: false)
        guard case .precomputed(let logits) = distillation.source else { return XCTFail("expected precomputed logits") }
        XCTAssertEqual(logits.count, train.count * 3)
        func run() -> [EpochRecord] {
            let student = Student(shape: shape, config: StudentConfig(width: 8, heads: 2, layers: 1, feedForward: 16), seed: 5)
            let trainer = Trainer(model: student, config: TrainingConfig(epochs: 4, batchSize: 32, learningRate: 1e-2, patience: 4),
                                  classes: 3, train: train, validation: validation, seed: 6, distillation: distillation)
            var records = [EpochRecord]()
            while !trainer.isFinished { records.append(trainer.runEpoch()!) }
            return records
        }
        let first = run(), second = run()
        XCTAssertEqual(first.map(\.trainLoss), second.map(\.trainLoss))
        XCTAssertGreaterThan(first.last!.validationF1, 0.8)
    }

    func testOldModelConfigDecodesWithPresets() throws {
        let old = Data(#"{"kind":"mlp","mlp":{"hidden":64,"dropout":0}}"#.utf8)
        let config = try JSONDecoder().decode(ModelConfig.self, from: old)
        XCTAssertNil(config.teacher)
        XCTAssertNil(config.student)
        var student = ModelConfig(kind: .student)
        student.student = .tiny
        let again = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(student))
        XCTAssertEqual(again, student)
        XCTAssertEqual(ModelKind(rawValue: "teacher-paper"), .teacherPaper)
        XCTAssertEqual(ModelKind(rawValue: "student-tiny"), .studentTiny)
    }
}
