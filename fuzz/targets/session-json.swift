import Foundation
import Sessions

/// session.json as a person might edit it: decoded and checked the way a reopened session is.
/// An accepted config must survive what a run does first with it (its digest, its window settings).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let folder = Scratch.write(["session.json": Data(bytes: data, count: size)])
    guard let config = try? Session.readConfig(folder.appendingPathComponent("session.json")) else { return 0 }
    _ = config.digest
    _ = try? config.checkTrainable()
    // The split a session names resolves against its recordings' names (bounded by validation).
    _ = try? config.splitSpec?.resolve(against: (0..<config.data.recordings).map { String(format: "%05d", $0 + 1) })
    return 0
}
