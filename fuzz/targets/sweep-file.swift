import Foundation
import Sweeps

/// A sweep as a person might write it: a sweep file (JSON) or, when the input starts with "grid:",
/// the compact grid typed on the command line; an accepted sweep is expanded into its tasks, where
/// ranges of seeds and epochs multiply (a sweep of millions of tasks must be refused, not built).
/// A fold axis reads the data set it names to plan its folds: the readers have their own targets,
/// and reading a real data set per input would only slow this one down, so such sweeps stop at parsing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Data(bytes: bytes, count: size)
    let spec: SweepSpec
    if input.starts(with: Data("grid:".utf8)) {
        guard let text = String(data: input.dropFirst(5), encoding: .utf8),
              let parsed = try? SweepFile.grid(text, name: "fuzz", data: nil, options: [:]) else { return 0 }
        spec = parsed
    } else {
        let file = Scratch.write(["sweep.json": input]).appendingPathComponent("sweep.json")
        guard let (parsed, _) = try? SweepFile.load(file) else { return 0 }
        spec = parsed
    }
    guard spec.values(of: "fold") == nil else { return 0 }
    _ = try? SweepExpansion.tasks(of: spec, sessionsFolder: Scratch.folder.appendingPathComponent("sessions"))
    return 0
}
