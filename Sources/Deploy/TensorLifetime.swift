/// The inclusive range of op steps during which a tensor must keep its bytes.
public struct TensorLifetime: Sendable, Codable, Equatable {
    public var first: Int
    public var last: Int

    public init(first: Int, last: Int) {
        precondition(first <= last, "lifetime ends before it starts")
        self.first = first
        self.last = last
    }

    public func contains(_ step: Int) -> Bool { first <= step && step <= last }
    public func overlaps(_ other: TensorLifetime) -> Bool { first <= other.last && other.first <= last }
}

public enum MemoryGraphError: Error, Equatable, Sendable {
    case noOps
    case duplicateTensor(String)
    case unknownTensor(op: String, tensor: String)
    /// An activation or output that no op writes, or that more than one op writes.
    case producerCount(tensor: String, count: Int)
    /// A tensor read at a step before the op that writes it.
    case readBeforeWritten(op: String, tensor: String)
    /// A tensor listed where its kind does not allow (an input written, a scratch shared…).
    case kindMisuse(op: String, tensor: String, kind: TensorKind)
}

extension MemoryGraph {
    /// Lifetimes in `tensors` order, by kind (the rules TFLite Micro's allocator applies):
    /// input [0, last read]; activation [writer, max(writer, last read)];
    /// output [writer, last step]; scratch [its op, its op]; persistent [0, last step].
    public func lifetimes() throws -> [TensorLifetime] {
        guard !ops.isEmpty else { throw MemoryGraphError.noOps }
        var index: [String: Int] = [:]
        for (i, tensor) in tensors.enumerated() {
            guard index.updateValue(i, forKey: tensor.name) == nil else { throw MemoryGraphError.duplicateTensor(tensor.name) }
        }
        var writers = [[Int]](repeating: [], count: tensors.count)
        var readers = [[Int]](repeating: [], count: tensors.count)
        var scratchUsers = [[Int]](repeating: [], count: tensors.count)
        for (step, op) in ops.enumerated() {
            func lookup(_ name: String) throws -> Int {
                guard let i = index[name] else { throw MemoryGraphError.unknownTensor(op: op.name, tensor: name) }
                return i
            }
            for name in op.inputs { readers[try lookup(name)].append(step) }
            for name in op.outputs { writers[try lookup(name)].append(step) }
            for name in op.scratch { scratchUsers[try lookup(name)].append(step) }
        }
        let lastStep = ops.count - 1
        return try tensors.indices.map { i in
            let tensor = tensors[i]
            let lastRead = readers[i].max()
            func misuse(_ step: Int) -> MemoryGraphError {
                .kindMisuse(op: ops[step].name, tensor: tensor.name, kind: tensor.kind)
            }
            if tensor.kind != .scratch, let step = scratchUsers[i].first { throw misuse(step) }
            switch tensor.kind {
            case .input:
                if let step = writers[i].first { throw misuse(step) }
                return TensorLifetime(first: 0, last: lastRead ?? 0)
            case .activation, .output:
                guard writers[i].count == 1, let writer = writers[i].first else {
                    throw MemoryGraphError.producerCount(tensor: tensor.name, count: writers[i].count)
                }
                if let early = readers[i].min(), early < writer {
                    throw MemoryGraphError.readBeforeWritten(op: ops[early].name, tensor: tensor.name)
                }
                return TensorLifetime(first: writer, last: tensor.kind == .output ? lastStep : max(writer, lastRead ?? writer))
            case .scratch:
                if let step = (writers[i] + readers[i]).first { throw misuse(step) }
                guard scratchUsers[i].count == 1, let step = scratchUsers[i].first else {
                    throw MemoryGraphError.producerCount(tensor: tensor.name, count: scratchUsers[i].count)
                }
                return TensorLifetime(first: step, last: step)
            case .persistent:
                return TensorLifetime(first: 0, last: lastStep)
            }
        }
    }
}
