/// A FlatBuffer (the binary format of a .tflite file) built from a tree of values.
///
/// The format, as the flatbuffers documentation defines it: little-endian; the file starts with a
/// uoffset (u32) to the root table and a 4-byte file identifier. A table starts with an soffset
/// (i32): table position − vtable position. Its vtable is [vtable bytes u16, table bytes u16, one
/// u16 per field: the field's offset inside the table, 0 when absent]. A field that refers to a
/// string, a vector or a table holds a uoffset (u32) from the field itself to that object, which
/// must lie *after* the field. A vector is a u32 count followed by its elements; a string is a u32
/// byte count, the UTF-8 bytes and a NUL. Every scalar sits at a multiple of its own size.
///
/// Because a TFLite model is a tree (nothing is shared), the serializer writes front to back: each
/// table is preceded by its vtable, and its children follow it, so every uoffset points forward.
public indirect enum FlatObject: Equatable {
    /// Fields in schema order (a field's index is its slot in the vtable); nil = absent (default).
    case table([FlatField?])
    case string(String)
    /// Little-endian elements of `elementSize` bytes each; the first element is aligned to `alignment`.
    case scalars(bytes: [UInt8], elementSize: Int, alignment: Int)
    case tables([FlatObject])

    public static func int32s(_ values: [Int32]) -> FlatObject {
        .scalars(bytes: values.flatMap { FlatField.littleEndian(UInt64(UInt32(bitPattern: $0)), size: 4) }, elementSize: 4, alignment: 4)
    }

    public static func int64s(_ values: [Int64]) -> FlatObject {
        .scalars(bytes: values.flatMap { FlatField.littleEndian(UInt64(bitPattern: $0), size: 8) }, elementSize: 8, alignment: 8)
    }

    public static func float32s(_ values: [Float]) -> FlatObject {
        .scalars(bytes: values.flatMap { FlatField.littleEndian(UInt64($0.bitPattern), size: 4) }, elementSize: 4, alignment: 4)
    }

    public static func bytes(_ values: [UInt8], alignment: Int = 1) -> FlatObject {
        .scalars(bytes: values, elementSize: 1, alignment: alignment)
    }
}

/// One field of a table: a scalar stored in the table itself, or a reference to a child object.
public enum FlatField: Equatable {
    case scalar(bytes: [UInt8])
    case child(FlatObject)

    public static func int8(_ v: Int8) -> FlatField { .scalar(bytes: [UInt8(bitPattern: v)]) }
    public static func uint8(_ v: UInt8) -> FlatField { .scalar(bytes: [v]) }
    public static func bool(_ v: Bool) -> FlatField { .scalar(bytes: [v ? 1 : 0]) }
    public static func int32(_ v: Int32) -> FlatField { .scalar(bytes: littleEndian(UInt64(UInt32(bitPattern: v)), size: 4)) }
    public static func uint32(_ v: UInt32) -> FlatField { .scalar(bytes: littleEndian(UInt64(v), size: 4)) }
    public static func float32(_ v: Float) -> FlatField { .scalar(bytes: littleEndian(UInt64(v.bitPattern), size: 4)) }

    static func littleEndian(_ value: UInt64, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}

public enum FlatBufferError: Error, CustomStringConvertible {
    case tooLarge(bytes: Int)
    case badIdentifier(String)

    public var description: String {
        switch self {
        case .tooLarge(let bytes): return "flatbuffer: \(bytes) B does not fit the format's 2 GB limit"
        case .badIdentifier(let id): return "flatbuffer: file identifier \"\(id)\" is not 4 ASCII bytes"
        }
    }
}

public struct FlatBufferSerializer {
    private var bytes: [UInt8] = []

    private init() {}

    /// The whole file: root uoffset, identifier, then the root table and everything below it.
    public static func serialize(root: FlatObject, identifier: String) throws -> [UInt8] {
        let id = Array(identifier.utf8)
        guard id.count == 4, identifier.allSatisfy(\.isASCII) else { throw FlatBufferError.badIdentifier(identifier) }
        var serializer = FlatBufferSerializer()
        serializer.bytes = [0, 0, 0, 0] + id
        let rootPosition = serializer.write(root)
        serializer.patchOffset(at: 0, to: rootPosition)
        guard serializer.bytes.count < Int(Int32.max) else { throw FlatBufferError.tooLarge(bytes: serializer.bytes.count) }
        return serializer.bytes
    }

    private mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func patchOffset(at field: Int, to target: Int) {
        precondition(target > field, "a uoffset must point forward")
        let value = FlatField.littleEndian(UInt64(target - field), size: 4)
        bytes.replaceSubrange(field..<(field + 4), with: value)
    }

    /// Appends `object` (and its children) and returns the position a uoffset must point to.
    private mutating func write(_ object: FlatObject) -> Int {
        switch object {
        case .string(let text):
            pad(to: 4)
            let position = bytes.count
            let utf8 = Array(text.utf8)
            bytes += FlatField.littleEndian(UInt64(utf8.count), size: 4) + utf8 + [0]
            return position
        case .scalars(let data, let elementSize, let alignment):
            // The count sits just before the first element, at a multiple of 4.
            let align = max(alignment, elementSize, 4)
            while (bytes.count + 4) % align != 0 { bytes.append(0) }
            let position = bytes.count
            bytes += FlatField.littleEndian(UInt64(data.count / elementSize), size: 4) + data
            return position
        case .tables(let children):
            pad(to: 4)
            let position = bytes.count
            bytes += FlatField.littleEndian(UInt64(children.count), size: 4)
            let slots = children.indices.map { position + 4 + 4 * $0 }
            bytes += [UInt8](repeating: 0, count: 4 * children.count)
            for (slot, child) in zip(slots, children) { patchOffset(at: slot, to: write(child)) }
            return position
        case .table(let fields):
            return writeTable(fields)
        }
    }

    private mutating func writeTable(_ fields: [FlatField?]) -> Int {
        // Inline layout: the soffset, then the fields largest first (each at a multiple of its
        // size, as the table start is aligned to the largest); a child is a 4-byte uoffset.
        let sizes = fields.map { field -> Int in
            switch field {
            case .scalar(let b)?: return b.count
            case .child?: return 4
            case nil: return 0
            }
        }
        let order = fields.indices.filter { fields[$0] != nil }.sorted { sizes[$0] > sizes[$1] || (sizes[$0] == sizes[$1] && $0 < $1) }
        var fieldOffsets = [Int](repeating: 0, count: fields.count)
        var inline = 4
        for i in order {
            inline = (inline + sizes[i] - 1) / sizes[i] * sizes[i]
            fieldOffsets[i] = inline
            inline += sizes[i]
        }
        let tableAlignment = max(4, sizes.max() ?? 4)
        inline = (inline + tableAlignment - 1) / tableAlignment * tableAlignment

        let vtableBytes = 4 + 2 * fields.count
        pad(to: 2)
        // The vtable goes right before the table; pad before it so the table lands aligned.
        while (bytes.count + vtableBytes) % tableAlignment != 0 { bytes.append(0) }
        let vtable = bytes.count
        bytes += FlatField.littleEndian(UInt64(vtableBytes), size: 2) + FlatField.littleEndian(UInt64(inline), size: 2)
        for offset in fieldOffsets { bytes += FlatField.littleEndian(UInt64(offset), size: 2) }
        let table = bytes.count
        bytes += FlatField.littleEndian(UInt64(UInt32(table - vtable)), size: 4)
        bytes += [UInt8](repeating: 0, count: inline - 4)
        var children: [(slot: Int, object: FlatObject)] = []
        for (i, field) in fields.enumerated() {
            switch field {
            case .scalar(let b)?: bytes.replaceSubrange((table + fieldOffsets[i])..<(table + fieldOffsets[i] + b.count), with: b)
            case .child(let object)?: children.append((table + fieldOffsets[i], object))
            case nil: break
            }
        }
        for (slot, object) in children { patchOffset(at: slot, to: write(object)) }
        return table
    }
}
