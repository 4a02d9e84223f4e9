import Foundation
import Graph
import TinyNN
import TinyTensor
import XCTest
@testable import Models

/// Distillation from several teachers: the ensemble's logits, softened by T, must give the members'
/// softened probabilities averaged (derived by hand below), and training N teachers must give N
/// differently seeded members, while N = 1 stays the single teacher of before.
final class TeacherEnsembleTests: XCTestCase {
    /// A member whose logits are fixed rows: the ensemble's input, not what is under test.
    private final class FixedLogits: ClassifierModel {
        let rows: [[Float]]
        let out: Tensor
        init(_ rows: [[Float]]) {
            self.rows = rows
            out = Tensor([rows.count, rows[0].count], values: rows.flatMap { $0 })
        }
        var kind: ModelKind { .mlp }
        var parameters: [Parameter] { [] }
        func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor { out }
        func backward(_ dlogits: Tensor, rows: Int) {}
        func reseed(epoch: Int) {}
        func lowered(_ mode: ExecutionMode) -> Graph? { nil }
        func zeroInputWeights(reading features: [Int]) {}
    }

    func testLogitsSoftenToTheMembersAveragedProbabilities() {
        // T = 2. Member A: z = [0, 0] → softmax(z/2) = [1/2, 1/2]. Member B: z = [2 ln 3, 0] →
        // z/2 = [ln 3, 0] → [3/4, 1/4]. Mean [5/8, 3/8]; the ensemble's logits are 2·ln of it.
        // Second row: both members [0, 2 ln 3] → [1/4, 3/4] each, so the mean is [1/4, 3/4].
        let a = FixedLogits([[0, 0], [0, 2 * log(3)]]), b = FixedLogits([[2 * log(3), 0], [0, 2 * log(3)]])
        let ensemble = TeacherEnsemble(members: [a, b], temperature: 2)
        let out = ensemble.forward(Tensor([2, 1]), rows: 2, training: true).array
        let expected: [Float] = [2 * log(5.0 / 8), 2 * log(3.0 / 8), 2 * log(1.0 / 4), 2 * log(3.0 / 4)]
        for (got, want) in zip(out, expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
    }


    func testSeveralTeachersAreSeededApartAndOneIsTheTeacherOfBefore() throws {
        let shape = ModelShape(steps: 4, features: 2, classes: 3)
        let training = TrainingConfig(epochs: 2, batchSize: 16, patience: 100)
        let train = noisyRooms(count: 60, seed: 1), validation = noisyRooms(count: 30, seed: 2)
        func teacher(_ count: Int) -> TrainedTeacher {
            Distillation.trainingTeacher(DistillationConfig(teacher: ModelConfig(kind: .mlp), teachers: count), shape: shape,
                                         training: training, train: train, validation: validation, seed: 7)!
        }
        let single = teacher(1), three = teacher(3)
        XCTAssertFalse(single.teacher is TeacherEnsemble)
        let ensemble = try XCTUnwrap(three.teacher as? TeacherEnsemble)
        XCTAssertEqual(ensemble.members.count, 3)
        let weights = ensemble.members.map { $0.parameters.map { $0.value.array } }
        XCTAssertEqual(weights[0], single.teacher.parameters.map { $0.value.array }, "the first member is the single teacher")
        XCTAssertNotEqual(weights[1], weights[0])
        XCTAssertNotEqual(weights[2], weights[1])
    }
}
