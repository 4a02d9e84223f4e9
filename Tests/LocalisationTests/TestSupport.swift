import Foundation
@testable import Localisation

/// The repository root, found from this file so tests pass from any working directory.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The real SPHERE recordings, when this checkout sits beside the shared data.
let sphereFolder = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data/sphere")

func sphereHouse() throws -> FloorPlan { try FloorPlan.builtIn("sphere-house") }

/// A short scripted tour so simulator tests stay fast in debug builds.
func shortTour(seconds: Double = 300) -> HomeSimulatorConfig {
    var config = HomeSimulatorConfig.scriptedTour
    config.duration = seconds
    config.dwellMedian = 30
    config.leadIn = 5
    return config
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
