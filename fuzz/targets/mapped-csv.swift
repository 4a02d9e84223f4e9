import Foundation
import Localisation

/// Any CSV with a mapping: input = the mapping in its command-line form, "---", the CSV.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let files = parts(data, size, count: 2)
    guard files.count == 2, let mapping = try? CSVColumnMapping(parsing: String(decoding: files[0], as: UTF8.self)) else { return 0 }
    let folder = Scratch.write(["r.csv": files[1]])
    if let dataset = try? MappedCSVReader.load(path: folder.appendingPathComponent("r.csv"), mapping: mapping) { exercise(dataset) }
    return 0
}
