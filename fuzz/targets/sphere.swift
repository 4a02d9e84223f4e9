import Foundation
import Localisation

/// The SPHERE layout: input = rooms.json, "---", acceleration.csv, "---", location_0.csv.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let files = parts(data, size, count: 3)
    let folder = Scratch.write([
        "rooms.json": files[0],
        "train/00001/acceleration.csv": files.count > 1 ? files[1] : Data(),
        "train/00001/location_0.csv": files.count > 2 ? files[2] : Data(),
    ])
    if let dataset = try? SphereReader.load(folder: folder) { exercise(dataset) }
    return 0
}
