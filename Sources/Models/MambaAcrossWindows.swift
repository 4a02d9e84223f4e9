import Foundation
import TinyNN
import TinyTensor

/// How a Mamba is trained to keep its state across the consecutive windows of a recording
/// (docs/RESULTS.md, "Mamba across windows"), as stored in session.json.
///
/// Truncated back-propagation through time with a burn-in: a training segment is
/// `burnInWindows + windowsPerSegment` hops of consecutive steps of one recording, the state
/// starting at zero; the windows ending in its first `burnInWindows` hops carry no loss (the state
/// is still warming up), those ending in the last `windowsPerSegment` hops are scored on the last
/// step's output. Segments start `windowsPerSegment` hops apart, so every window is scored once
/// per epoch. At evaluation the whole recording streams through, never reset.
public struct AcrossWindowsConfig: Codable, Sendable, Equatable {
    /// Windows (hops) per segment that carry a loss.
    public var windowsPerSegment: Int
    /// Hops before them that only warm the state up. 64 by default: on SPHERE a longer warm-up
    /// scored higher (4: 0.533, 16: 0.592, 64: 0.599 macro-F1; docs/RESULTS.md), since the stream
    /// the model is scored on has run since the recording's start.
    public var burnInWindows: Int

    public init(windowsPerSegment: Int = 16, burnInWindows: Int = 64) {
        self.windowsPerSegment = windowsPerSegment
        self.burnInWindows = burnInWindows
    }

    /// The accepted range of both counts: a segment of 1 + 1 hops is the shortest that learns
    /// anything across windows; 512 hops (17 minutes at SPHERE's preset) bounds a segment's memory.
    public static let limits = 1...512

    /// Throws for counts outside `limits`, or a segment shorter than one window.
    public func validate(hop: Int, windowLength: Int) throws {
        for (name, value) in [("windows per segment", windowsPerSegment), ("burn-in windows", burnInWindows)]
        where !Self.limits.contains(value) {
            throw AcrossWindowsError.outOfRange(name, value)
        }
        if segmentSteps(hop: hop) < windowLength {
            throw AcrossWindowsError.segmentShorterThanWindow(steps: segmentSteps(hop: hop), window: windowLength)
        }
    }

    /// Steps of one training segment.
    public func segmentSteps(hop: Int) -> Int { (burnInWindows + windowsPerSegment) * hop }
}

public enum AcrossWindowsError: Error, CustomStringConvertible, Equatable {
    case outOfRange(String, Int)
    case segmentShorterThanWindow(steps: Int, window: Int)
    case notMamba(String)

    public var description: String {
        switch self {
        case let .outOfRange(name, value):
            return "across windows: \(name) must be in \(AcrossWindowsConfig.limits.lowerBound)…\(AcrossWindowsConfig.limits.upperBound), got \(value)"
        case let .segmentShorterThanWindow(steps, window):
            return "across windows: a training segment of \(steps) steps is shorter than one window (\(window) steps); give more windows per segment"
        case let .notMamba(kind):
            return "across windows: only a Mamba keeps a state across windows, not \(kind)"
        }
    }
}

/// Every step of one recording as the wearable produces them, and where its labelled windows end:
/// what a model that never resets reads.
public struct RecordingStream: Sendable {
    /// A labelled window: the step it ends on (its last step), its index in the window set it
    /// came from, and its room.
    public struct Readout: Sendable, Equatable {
        public var step: Int
        public var window: Int
        public var label: Int

        public init(step: Int, window: Int, label: Int) {
            self.step = step
            self.window = window
            self.label = label
        }
    }

    public var steps: Int
    public var features: Int
    /// `x[k·features + f]`.
    public var x: [Float]
    /// In time order.
    public var readouts: [Readout]
    /// For each receiver, the feature indices that carry it (receiver dropout silences these).
    public var receiverFeatures: [[Int]]

    public init(steps: Int, features: Int, x: [Float], readouts: [Readout], receiverFeatures: [[Int]] = []) {
        precondition(x.count == steps * features, "stream data does not match its shape")
        precondition(readouts.allSatisfy { (0..<steps).contains($0.step) }, "a readout lies outside the stream")
        precondition(zip(readouts, readouts.dropFirst()).allSatisfy { $0.step < $1.step }, "readouts are in time order")
        self.steps = steps
        self.features = features
        self.x = x
        self.readouts = readouts
        self.receiverFeatures = receiverFeatures
    }
}

extension Mamba {
    /// The logits at each readout of `stream` ([readouts, C], in readout order), the whole
    /// recording streamed through `MambaStream` from one reset, as the chip runs it. The
    /// readout is the last step's output, so the model must pool `last`.
    public func streamedLogits(_ stream: RecordingStream) -> [Float] {
        precondition(config.pooling == .last, "a stream across windows reads the last step: pooling must be last")
        let runner = MambaStream(self)
        let classes = shape.classes
        var logits = [Float](repeating: 0, count: stream.readouts.count * classes)
        var next = 0
        stream.x.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { out in
                for k in 0..<stream.steps where next < stream.readouts.count {
                    runner.step(x.baseAddress! + k * stream.features)
                    if stream.readouts[next].step == k {
                        runner.logits(into: out.baseAddress! + next * classes)
                        next += 1
                    }
                }
            }
        }
        return logits
    }
}

extension Mamba {
    /// The float model's logits for every window of the set the streams were cut from,
    /// `logits[w·C + j]`, with its predictions.
    public func streamedPredictions(_ streams: [RecordingStream], windows: Int) -> Predictions {
        let classes = shape.classes
        var logits = [Float](repeating: 0, count: windows * classes)
        var lossSum: Double = 0
        for stream in streams {
            let streamed = streamedLogits(stream)
            for (r, readout) in stream.readouts.enumerated() {
                let row = streamed[(r * classes)..<((r + 1) * classes)]
                logits.replaceSubrange((readout.window * classes)..<((readout.window + 1) * classes), with: row)
                let top = row.max()!
                lossSum += Double(top + logf(row.reduce(0) { $0 + expf($1 - top) }) - row[row.startIndex + readout.label])
            }
        }
        let predicted = (0..<windows).map { argmax(logits[($0 * classes)..<(($0 + 1) * classes)].map { $0 }) }
        return Predictions(predicted: predicted, logits: logits, loss: windows > 0 ? Float(lossSum / Double(windows)) : .nan)
    }

}

/// A Mamba run over segments of many steps with room logits read at chosen steps (the ends of the
/// windows inside), forward and backward. Shapes: x [B·S, F] (B segments of S steps) → logits
/// [M, C] at the M readout rows (indices into B·S). Every block runs its usual windowed formulas
/// on S steps, the state starting at zero in each segment.
public final class MambaSegments {
    public let model: Mamba
    private var readoutRows: [Int] = []
    private var segments = 0, steps = 0
    private var gathered: ActivationBuffer
    private var scattered: ActivationBuffer

    public init(_ model: Mamba) {
        precondition(model.config.pooling == .last, "a readout across windows is the last step's output: pooling must be last")
        self.model = model
        gathered = ActivationBuffer(rowWidth: model.config.width)
        scattered = ActivationBuffer(rowWidth: model.config.width)
    }

    public func forward(_ x: Tensor, segments: Int, steps: Int, readoutRows: [Int]) -> Tensor {
        precondition(readoutRows.allSatisfy { (0..<(segments * steps)).contains($0) }, "readout row outside the segments")
        self.segments = segments
        self.steps = steps
        self.readoutRows = readoutRows
        let rows = segments * steps, d = model.config.width
        var h = model.embed.forward(x, rows: rows)
        for block in model.blocks { h = block.forward(h, batch: segments, steps: steps) }
        let normed = model.norm.forward(h, rows: rows)
        let picked = gathered.reserve(rows: readoutRows.count)
        for (i, row) in readoutRows.enumerated() { (picked.data + i * d).update(from: normed.data + row * d, count: d) }
        return model.head.forward(picked, rows: readoutRows.count)
    }

    /// dlogits [M, C] → accumulates every parameter gradient.
    public func backward(_ dlogits: Tensor) {
        let rows = segments * steps, d = model.config.width
        let dPicked = model.head.backward(dlogits, rows: readoutRows.count)
        // Only the readout rows reached the loss: every other row's gradient into the norm is 0.
        let dNormed = scattered.reserve(rows: rows)
        dNormed.data.update(repeating: 0, count: rows * d)
        for (i, row) in readoutRows.enumerated() {
            let target = dNormed.data + row * d, source = dPicked.data + i * d
            for j in 0..<d { target[j] += source[j] }
        }
        var dh = model.norm.backward(dNormed, rows: rows)
        for block in model.blocks.reversed() { dh = block.backward(dh, batch: segments) }
        _ = model.embed.backward(dh, rows: rows)
    }
}

/// One training segment: where it starts in which stream, and the readouts (indices into the
/// stream's readouts) it scores.
struct Segment {
    var stream: Int
    var start: Int
    var readouts: Range<Int>
}

/// Cuts every stream into segments of `config.segmentSteps(hop:)` steps, `windowsPerSegment` hops
/// apart, so that each readout is scored in exactly one segment, after at least `burnInWindows`
/// hops of warm-up (fewer only at the start of a recording, where the chip's state is zero too).
/// A stream shorter than one segment is one segment from its start: it scores all its readouts.
func segments(of streams: [RecordingStream], config: AcrossWindowsConfig, hop: Int) -> [Segment] {
    let length = config.segmentSteps(hop: hop), stride = config.windowsPerSegment * hop
    var result: [Segment] = []
    for (s, stream) in streams.enumerated() where !stream.readouts.isEmpty {
        guard stream.steps > length else {
            result.append(Segment(stream: s, start: 0, readouts: 0..<stream.readouts.count))
            continue
        }
        var scored = 0
        var start = 0
        while scored < stream.readouts.count {
            // The last segment ends at the stream's end; its warm-up is then longer than asked.
            let begin = min(start, stream.steps - length)
            let end = begin + length
            var last = scored
            while last < stream.readouts.count && stream.readouts[last].step < end { last += 1 }
            if last > scored { result.append(Segment(stream: s, start: begin, readouts: scored..<last)) }
            scored = last
            start += stride
        }
    }
    return result
}
