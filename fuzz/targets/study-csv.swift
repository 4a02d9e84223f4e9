import Foundation
import Localisation

/// The study's layout: input = csv_house_A_fp.csv, "---", csv_house_A_fl.csv (optional).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let files = parts(data, size, count: 2)
    let folder = Scratch.write(["csv_house_A_fp.csv": files[0], "csv_house_A_fl.csv": files.count > 1 ? files[1] : nil])
    if let dataset = try? StudyCSVReader.load(path: folder) { exercise(dataset) }
    return 0
}
