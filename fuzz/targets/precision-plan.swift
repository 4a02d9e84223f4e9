import Compression
import Foundation
import Graph
import Models

/// A precision plan file as a person might write it: decoded, validated against a student's graph,
/// and, when accepted, used to quantize that graph — a plan that passes validation must convert.
private let student: (graph: Graph, calibration: Calibration) = {
    let model = ModelConfig(kind: .studentTiny).build(shape: ModelShape(steps: 4, features: 3, classes: 3), seed: 1)
    let graph = model.lowered(.windowed)!
    var windows: [[Float]] = []
    for w in 0..<4 {
        var window: [Float] = []
        for i in 0..<12 { window.append(Float((i * 7 + w * 3) % 11) / 11) }
        windows.append(window)
    }
    return (graph, try! Calibration(graph: graph, windows: windows))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let plan = try? JSONDecoder().decode(PrecisionPlan.self, from: Data(bytes: data, count: size)),
          (try? plan.validate(for: student.graph)) != nil else { return 0 }
    _ = try! GraphQuantizer(calibration: student.calibration, plan: plan).quantize(student.graph)
    return 0
}
