import Foundation
import Models

#if !_endian(little)
#error("checkpoint files store Float32 little-endian; add byte swapping for this platform")
#endif

/// The on-disk form of a `TrainerState` (see docs/FORMATS.md):
///
///     "TLCKPT1\n"  (8 bytes)
///     header length (UInt32, little-endian) · header (JSON: counters, names, counts)
///     parameters · first moments · second moments · best parameters   (Float32, little-endian)
///     CRC-32 of every byte before it (UInt32, little-endian)
///
/// Binary because a teacher model has millions of floats; the CRC turns a torn or damaged file
/// into a clear error instead of silently wrong weights.
public enum CheckpointFile {
    static let magic = Data("TLCKPT1\n".utf8)

    struct Header: Codable {
        var epochsDone: Int
        var optimizerStep: Int
        var bestF1: Double
        var bestEpoch: Int
        var parameterNames: [String]
        var parameterCounts: [Int]
        /// `SessionConfig.digest` of the session that wrote it; nil in checkpoints older than digests.
        var configDigest: String?
    }

    public static func encode(_ state: TrainerState, configDigest: String? = nil) throws -> Data {
        let header = Header(epochsDone: state.epochsDone, optimizerStep: state.optimizerStep, bestF1: state.bestF1,
                            bestEpoch: state.bestEpoch, parameterNames: state.parameterNames,
                            parameterCounts: state.parameters.map(\.count), configDigest: configDigest)
        let headerData = try JSONEncoder().encode(header)
        var data = magic
        appendUInt32(UInt32(headerData.count), to: &data)
        data.append(headerData)
        for group in [state.parameters, state.firstMoments, state.secondMoments, state.bestParameters] {
            // Float32 on every platform tinyloc builds for (x86-64, arm64) is little-endian in memory.
            for values in group { values.withUnsafeBytes { data.append(contentsOf: $0) } }
        }
        appendUInt32(CRC32.checksum(data), to: &data)
        return data
    }

    public static func decode(_ data: Data, path: String) throws -> TrainerState {
        try decodeWithDigest(data, path: path).state
    }

    public static func decodeWithDigest(_ data: Data, path: String) throws -> (state: TrainerState, configDigest: String?) {
        func corrupt(_ reason: String) -> SessionError { .corrupt(path: path, reason: reason) }
        guard data.count >= magic.count + 8, data.prefix(magic.count) == magic else {
            throw corrupt("not a tinyloc checkpoint (bad magic)")
        }
        let body = data.prefix(data.count - 4)
        guard readUInt32(data, at: data.count - 4) == CRC32.checksum(body) else {
            throw corrupt("checksum mismatch (the file was truncated or damaged)")
        }
        let headerLength = Int(readUInt32(data, at: magic.count))
        let headerStart = magic.count + 4
        guard headerStart + headerLength <= body.count else { throw corrupt("header runs past the end") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data.subdata(in: headerStart..<(headerStart + headerLength)))
        } catch {
            throw corrupt("unreadable header: \(error)")
        }
        guard header.parameterNames.count == header.parameterCounts.count, header.parameterCounts.allSatisfy({ $0 >= 0 }) else {
            throw corrupt("header lists \(header.parameterNames.count) names for \(header.parameterCounts.count) tensors")
        }
        guard header.epochsDone >= 0, header.optimizerStep >= 0, (0...header.epochsDone).contains(header.bestEpoch) else {
            throw corrupt("header counters out of range (epochsDone \(header.epochsDone), optimizerStep \(header.optimizerStep), bestEpoch \(header.bestEpoch))")
        }
        // A damaged header must not overflow Int in the sum and the ×16 below.
        var total = 0
        for count in header.parameterCounts {
            total += count
            guard total <= body.count else { throw corrupt("header's tensor sizes exceed the file") }
        }
        var offset = headerStart + headerLength
        guard body.count - offset == total * 4 * 4 else {
            throw corrupt("expected \(total * 16) bytes of tensors, found \(body.count - offset)")
        }
        func readGroup() -> [[Float]] {
            header.parameterCounts.map { count in
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { destination in
                    _ = data.copyBytes(to: destination, from: (data.startIndex + offset)..<(data.startIndex + offset + 4 * count))
                }
                offset += 4 * count
                return values
            }
        }
        let parameters = readGroup(), first = readGroup(), second = readGroup(), best = readGroup()
        let state = TrainerState(epochsDone: header.epochsDone, optimizerStep: header.optimizerStep, bestF1: header.bestF1,
                                 bestEpoch: header.bestEpoch, parameters: parameters, firstMoments: first,
                                 secondMoments: second, bestParameters: best, parameterNames: header.parameterNames)
        return (state, header.configDigest)
    }

    public static func write(_ state: TrainerState, configDigest: String? = nil, to url: URL) throws {
        try AtomicFile.write(try encode(state, configDigest: configDigest), to: url)
    }

    public static func read(from url: URL) throws -> TrainerState {
        try readWithDigest(from: url).state
    }

    public static func readWithDigest(from url: URL) throws -> (state: TrainerState, configDigest: String?) {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw SessionError.notFound(url.path) }
        return try decodeWithDigest(data, path: url.path)
    }

    private static func appendUInt32(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func readUInt32(_ data: Data, at offset: Int) -> UInt32 {
        let start = data.startIndex + offset
        return UInt32(data[start]) | UInt32(data[start + 1]) << 8 | UInt32(data[start + 2]) << 16 | UInt32(data[start + 3]) << 24
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zip and PNG.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<D: DataProtocol>(_ data: D) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for region in data.regions {
            for byte in region { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
