import Foundation
import Localisation

/// A floor plan JSON; an accepted plan is also simulated briefly, as the default demo does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let folder = Scratch.write(["plan.json": Data(bytes: data, count: size)])
    guard let plan = try? FloorPlan.load(from: folder.appendingPathComponent("plan.json")) else { return 0 }
    var config = HomeSimulatorConfig.scriptedTour
    config.duration = 20
    exercise(simulateDataset(plan: plan, config: config, recordings: 1, seed: 1))
    return 0
}
