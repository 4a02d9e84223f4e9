import Foundation
import Sessions

/// A checkpoint file's bytes. The CRC would reject almost every mutation before the header is
/// read, so the target fixes the CRC up first: the parser behind it is what is being fuzzed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Data(bytes: data, count: size)
    if bytes.count >= 4 {
        var crc = CRC32.checksum(bytes.prefix(bytes.count - 4)).littleEndian
        bytes.replaceSubrange((bytes.count - 4)..<bytes.count, with: Data(bytes: &crc, count: 4))
    }
    _ = try? CheckpointFile.decodeWithDigest(bytes, path: "fuzz.ckpt")
    return 0
}
