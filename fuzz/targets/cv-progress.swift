import Foundation
import Localisation
import Sessions

/// A cross-validation's saved progress (<json>.partial), read as `tinyloc cv` reads it to resume.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let saved = try? JSONDecoder().decode(CrossValidationReport.self, from: Data(bytes: data, count: size)) else { return 0 }
    let config = CrossValidation.Config(seeds: [1])
    let dataset = Dataset(name: saved.source, rooms: saved.rooms, receivers: saved.receivers, recordings: [])
    _ = saved.difference(from: config, dataset: dataset)
    return 0
}
