import Compression
import Foundation
import Graph

/// An exported model: the text of model.h, model.c and the README, and the figures the README gives.
public struct CExport: Sendable {
    public var header: String
    public var source: String
    public var readme: String
    /// The windowed graph's planned arena (head + persistent), the one static array `tinyloc_predict` uses.
    public var arenaBytes: Int
    /// The streaming graph's arena, when there is one (`tinyloc_step`).
    public var streamArenaBytes: Int?
    /// Bytes of every const array model.c defines (weights, biases, multipliers, tables, kernel
    /// parameters): flash beside the code.
    public var constBytes: Int
    public var macs: Int
    public var streamMACs: Int?
    /// The room decoder's static RAM (`tinyloc_decode_step`), outside the arenas; its tables are in `constBytes`.
    public var decoderRAMBytes: Int?
}

public enum CExportError: Error, CustomStringConvertible, Equatable {
    case unsupported(op: String, reason: String)

    public var description: String {
        switch self {
        case .unsupported(let op, let reason): return "cannot export op \(op): \(reason)"
        }
    }
}

/// Writes an `IntegerGraph` (and, for streaming families, its streaming graph) as plain C99:
/// const weights and kernel parameters, one static arena per graph of exactly its planned size with
/// every tensor at its planned offset (`GreedyMemoryPlanner` on `MemoryGraph`), per-op calls of the
/// kernels in `CKernelSource`. No malloc; float only in `tinyloc_quantize`. One path for every
/// family: the generator asks each op for its `IntegerKernel`, never which model it came from.
public struct CExporter {
    public var windowed: IntegerGraph
    public var streaming: IntegerGraph?
    /// The temporal decoder exported beside the model, fed its scores.
    public var decoder: ChipDecoder?
    public var planner: GreedyMemoryPlanner

    public init(windowed: IntegerGraph, streaming: IntegerGraph? = nil, decoder: ChipDecoder? = nil,
                planner: GreedyMemoryPlanner = GreedyMemoryPlanner()) {
        self.windowed = windowed
        self.streaming = streaming
        self.decoder = decoder
        self.planner = planner
    }

    public func export() throws -> CExport {
        var constants = ConstantPool()
        let whole = try GraphEmitter(graph: windowed, prefix: "predict", planner: planner, constants: &constants)
        guard whole.persistent.isEmpty else {
            throw CExportError.unsupported(op: whole.persistent[0], reason: "a windowed graph with persistent state has no C API")
        }
        let stream = try streaming.map { try GraphEmitter(graph: $0, prefix: "stream", planner: planner, constants: &constants) }
        let input = windowed.input.quantization
        if let stream, stream.graph.input.quantization != input {
            throw CExportError.unsupported(op: stream.graph.input.name, reason: "the streaming input is quantized unlike the windowed one")
        }
        if let decoder, decoder.rooms != windowed.output.elements {
            throw CExportError.unsupported(op: "decoder", reason: "it decodes \(decoder.rooms) rooms and the model scores \(windowed.output.elements)")
        }
        let pieces = Piece.closure([.views] + whole.pieces + (stream.map { $0.pieces + [.fill] } ?? []))

        var c = """
            /* \(windowed.name): integer model exported by tinyloc (do not edit; re-export instead).
               Bit-exact with tinyloc's IntegerInterpreter. Plain C99: stdint.h and string.h only. */
            #include <stdint.h>
            #include <string.h>
            #include "model.h"

            #if defined(__GNUC__)
            #define TL_ALIGN16 __attribute__((aligned(16)))
            #else
            #define TL_ALIGN16
            #endif


            """
        for piece in Piece.allCases where pieces.contains(piece) {
            if piece == .exp {
                let table = IntegerMath.powerOfTwoTable.map { Int64($0) - 32768 }
                c += "static const uint16_t tl_power_of_two[257] = {\n" + Self.numbers(table) + "\n};\n\n"
                constants.bytes += 257 * 2
            }
            c += piece.source + "\n"
        }
        let decoderSource = try decoder.map { try $0.source(constants: &constants) }
        c += constants.lines.joined(separator: "\n") + "\n\n"
        c += whole.body(entry: "void tinyloc_predict(const int8_t *window, int8_t *scores)", inputName: "window", reset: nil)
        if let stream {
            c += "\n" + stream.body(entry: "void tinyloc_step(const int8_t *step, int8_t *scores)", inputName: "step", reset: "tinyloc_reset")
        }
        c += "\n" + Self.quantizeHelper(input)
        if let decoderSource { c += "\n" + decoderSource }

        let output = windowed.output
        var h = """
            /* \(windowed.name): integer model exported by tinyloc. */
            #ifndef TINYLOC_MODEL_H
            #define TINYLOC_MODEL_H

            #include <stdint.h>

            /* The input is the int8 codes of one window, row-major [\(windowed.input.rows)][\(windowed.input.columns)]
               (as tinyloc's windows: steps x features, already scaled to 0...1 / -1...1 as in training):
               code = clamp(round(x / TINYLOC_INPUT_SCALE) + TINYLOC_INPUT_ZERO_POINT, -128, 127),
               which tinyloc_quantize computes. */
            #define TINYLOC_INPUT_SIZE \(windowed.input.elements)
            #define TINYLOC_INPUT_SCALE \(Self.hexFloat(input.scale))
            #define TINYLOC_INPUT_ZERO_POINT \(input.zeroPoint)
            /* One int8 score per room; real logit = TINYLOC_OUTPUT_SCALE * (score - TINYLOC_OUTPUT_ZERO_POINT),
               the predicted room is the index of the largest score (the first on ties). */
            #define TINYLOC_OUTPUT_SIZE \(output.elements)
            #define TINYLOC_OUTPUT_SCALE \(Self.hexFloat(output.quantization.scale))
            #define TINYLOC_OUTPUT_ZERO_POINT \(output.quantization.zeroPoint)
            /* Static RAM: the planned arena (head \(whole.plan.headBytes) B + persistent \(whole.plan.persistentBytes) B). */
            #define TINYLOC_ARENA_BYTES \(whole.plan.arenaBytes)

            /* The one float function: window (TINYLOC_INPUT_SIZE floats) to input codes. */
            void tinyloc_quantize(const float *window, int8_t *codes);
            /* One prediction from the input codes of a whole window. */
            void tinyloc_predict(const int8_t *window, int8_t *scores);

            """
        if let stream {
            h += """

                /* Streaming: one step (TINYLOC_STEP_SIZE input codes, quantized as the window's) per call.
                   \(windowed.input.elements / max(stream.graph.input.elements, 1)) steps after tinyloc_reset(), the scores equal tinyloc_predict on those steps;
                   the state carries everything since the reset (the first step resets by itself).
                   Its own arena: head \(stream.plan.headBytes) B + state \(stream.plan.persistentBytes) B. */
                #define TINYLOC_STEP_SIZE \(stream.graph.input.elements)
                #define TINYLOC_STREAM_ARENA_BYTES \(stream.plan.arenaBytes)
                void tinyloc_reset(void);
                void tinyloc_step(const int8_t *step, int8_t *scores);

                """
        }
        if let decoder { h += decoder.header }
        h += "\n#endif\n"

        var export = CExport(header: h, source: c, readme: "", arenaBytes: whole.plan.arenaBytes,
                             streamArenaBytes: stream?.plan.arenaBytes, constBytes: constants.bytes,
                             macs: windowed.totalMACs, streamMACs: streaming?.totalMACs, decoderRAMBytes: decoder?.ramBytes)
        export.readme = Self.readme(export, name: windowed.name, plannedFlash: FlashBreakdown(windowed).totalBytes)
        return export
    }

    static func readme(_ e: CExport, name: String, plannedFlash: Int) -> String {
        var text = """
            # \(name), exported by tinyloc

            Plain C99 (`model.h`, `model.c`; only stdint.h and string.h), bit-exact with tinyloc's integer
            engine. Build it with your firmware, e.g. `cc -std=c99 -O2 -c model.c`.

            | figure | value |
            |---|---|
            | static arena (RAM), `tinyloc_predict` | \(e.arenaBytes) B |

            """
        if let s = e.streamArenaBytes { text += "| static arena (RAM), `tinyloc_step` (state included) | \(s) B |\n" }
        if let d = e.decoderRAMBytes { text += "| decoder (RAM: back-pointers, scores, count), `tinyloc_decode_step` | \(d) B |\n" }
        text += """
            | const data (flash: weights, biases, multipliers, tables, parameters) | \(e.constBytes) B |
            | flash as `tinyloc plan` counts it (data only) | \(plannedFlash) B |
            | multiply-accumulates per window | \(e.macs) |

            """
        if let m = e.streamMACs { text += "| multiply-accumulates per streaming step | \(m) |\n" }
        text += """

            Code size and stack are not included; they depend on the compiler and target (`tinyloc deploy
            measure` builds this model for a Cortex-M4F and reports both).

            API (see model.h): `tinyloc_quantize(window, codes)` (the only float code) turns a window into
            int8 input codes; `tinyloc_predict(codes, scores)` writes one int8 score per room.

            """
        if e.streamArenaBytes != nil {
            text += "Streaming: `tinyloc_reset()`, then `tinyloc_step(step_codes, scores)` once per step.\n"
        }
        if e.decoderRAMBytes != nil {
            text += "Temporal decoding: `tinyloc_decode_reset()`, then `tinyloc_decode_step(scores, &room)` after each "
                + "`tinyloc_predict`, in time order (1: `room` is the decision for the window TINYLOC_DECODE_LAG calls ago); "
                + "`tinyloc_decode_flush(rooms)` at the recording's end.\n"
        }
        return text
    }

    /// Swift's quantize (`TensorQuantization.quantize`): x / scale in double, rounded half away from
    /// zero, plus the zero point, clamped. The rounding is done from the truncated value and the exact
    /// fraction, so no libm is needed and no value near .5 rounds the wrong way.
    static func quantizeHelper(_ q: TensorQuantization) -> String {
        """
        void tinyloc_quantize(const float *window, int8_t *codes) {
            int32_t i;
            for (i = 0; i < TINYLOC_INPUT_SIZE; i++) {
                double v = (double)window[i] / TINYLOC_INPUT_SCALE, t;
                if (v != v) v = 0; /* NaN, which Swift's quantize traps on, reads as real 0 */
                if (v < -1e9) v = -1e9;
                if (v > 1e9) v = 1e9;
                t = (double)(int64_t)v;
                if (v - t >= 0.5) t += 1;
                else if (v - t <= -0.5) t -= 1;
                t += TINYLOC_INPUT_ZERO_POINT;
                codes[i] = (int8_t)(t < \(q.qmin) ? \(q.qmin) : (t > \(q.qmax) ? \(q.qmax) : t));
            }
        }

        """
    }

    /// A Float as an exact C99 hexadecimal double literal.
    static func hexFloat(_ x: Float) -> String { String(format: "%a", Double(x)) }

    static func integer(_ v: Int64) -> String {
        if v == Int64(Int32.min) { return "(-2147483647 - 1)" }
        if v < Int64(Int32.min) || v > Int64(Int32.max) { return "INT64_C(\(v))" }
        return String(v)
    }

    static func numbers(_ values: [Int64], perLine: Int = 16) -> String {
        stride(from: 0, to: values.count, by: perLine).map { start in
            "    " + values[start..<min(start + perLine, values.count)].map(integer).joined(separator: ", ")
        }.joined(separator: ",\n")
    }
}

/// The pieces of `CKernelSource`, in the order they must appear (a piece uses only earlier ones).
enum Piece: CaseIterable, Hashable {
    case views, fill, clamp, saturate, fixedPoint, weight, packedPairs, dot4, dot4Centred, exp, lookup, tableOp, requantize, fullyConnected, addCore, addOp,
         addConstant, mul, interleave, meanRows, runningMean, lastRow, maxPool, norm, attention, conv1d, depthwiseConv,
         selectiveScan, lstm

    var dependencies: [Piece] {
        switch self {
        case .views: return []
        case .fill, .clamp, .saturate, .fixedPoint, .weight, .packedPairs, .exp, .lookup, .lastRow, .maxPool: return [.views]
        case .dot4, .dot4Centred: return [.packedPairs]
        case .tableOp: return [.lookup]
        case .requantize, .addCore, .mul: return [.fixedPoint, .clamp]
        case .interleave, .meanRows, .runningMean: return [.requantize]
        case .addOp, .addConstant: return [.addCore]
        case .fullyConnected: return [.weight, .dot4, .saturate, .fixedPoint, .clamp]
        case .conv1d, .depthwiseConv: return [.weight, .saturate, .fixedPoint, .clamp]
        case .norm: return [.saturate, .fixedPoint]
        case .attention: return [.exp, .dot4Centred, .fixedPoint, .clamp, .saturate]
        case .selectiveScan: return [.exp, .saturate, .fixedPoint]
        case .lstm: return [.lookup, .weight, .saturate, .fixedPoint, .clamp]
        }
    }

    /// These pieces and everything they use.
    static func closure(_ pieces: [Piece]) -> Set<Piece> {
        var all = Set<Piece>(), pending = pieces
        while let piece = pending.popLast() {
            if all.insert(piece).inserted { pending += piece.dependencies }
        }
        return all
    }

    var source: String {
        switch self {
        case .views: return CKernelSource.views
        case .fill: return CKernelSource.fill
        case .clamp: return CKernelSource.clamp
        case .saturate: return CKernelSource.saturate
        case .fixedPoint: return CKernelSource.fixedPoint
        case .weight: return CKernelSource.weight
        case .packedPairs: return CKernelSource.packedPairs
        case .dot4: return CKernelSource.dot4
        case .dot4Centred: return CKernelSource.dot4Centred
        case .exp: return CKernelSource.exp
        case .lookup: return CKernelSource.lookup
        case .tableOp: return CKernelSource.tableOp
        case .requantize: return CKernelSource.requantize
        case .fullyConnected: return CKernelSource.fullyConnected
        case .addCore: return CKernelSource.addCore
        case .addOp: return CKernelSource.addOp
        case .addConstant: return CKernelSource.addConstant
        case .mul: return CKernelSource.mul
        case .interleave: return CKernelSource.interleave
        case .meanRows: return CKernelSource.meanRows
        case .runningMean: return CKernelSource.runningMean
        case .lastRow: return CKernelSource.lastRow
        case .maxPool: return CKernelSource.maxPool
        case .norm: return CKernelSource.norm
        case .attention: return CKernelSource.attention
        case .conv1d: return CKernelSource.conv1d
        case .depthwiseConv: return CKernelSource.depthwiseConv
        case .selectiveScan: return CKernelSource.selectiveScan
        case .lstm: return CKernelSource.lstm
        }
    }
}

/// The const arrays of model.c, with the bytes they take. An array equal to one already defined
/// (the windowed and streaming graphs of a model share their weights) is not defined twice: the
/// caller gets the first one's name.
struct ConstantPool {
    var lines: [String] = []
    var bytes = 0
    private var defined: [String: String] = [:]

    /// Defines an array of `type` (int8_t, int16_t, int32_t, uint8_t), checking every value fits;
    /// returns the name to use.
    mutating func array(_ type: String, _ name: String, _ values: [Int64], op: String) throws -> String {
        let bits = type.hasSuffix("8_t") ? 8 : type.hasSuffix("16_t") ? 16 : 32
        let low: Int64 = type.hasPrefix("u") ? 0 : -(Int64(1) << (bits - 1)), high: Int64 = type.hasPrefix("u") ? (Int64(1) << bits) - 1 : (Int64(1) << (bits - 1)) - 1
        if let bad = values.first(where: { $0 < low || $0 > high }) {
            throw CExportError.unsupported(op: op, reason: "\(name) holds \(bad), outside \(type)")
        }
        let stored = values.isEmpty ? [0] : values
        return define(name, key: type + stored.map(String.init).joined(separator: ","), bytes: stored.count * bits / 8,
                      text: "static const \(type) \(name)[\(stored.count)] = {\n\(CExporter.numbers(stored))\n};")
    }

    mutating func multipliers(_ name: String, _ values: [QuantizedMultiplier]) -> String {
        let rows = stride(from: 0, to: values.count, by: 6).map { start in
            "    " + values[start..<min(start + 6, values.count)].map(Self.multiplier).joined(separator: ", ")
        }
        return define(name, key: "tl_mult" + values.map(Self.multiplier).joined(), bytes: values.count * 8,
                      text: "static const tl_mult \(name)[\(values.count)] = {\n" + rows.joined(separator: ",\n") + "\n};")
    }

    private mutating func define(_ name: String, key: String, bytes size: Int, text: String) -> String {
        if let existing = defined[key] { return existing }
        defined[key] = name
        lines.append(text)
        bytes += size
        return name
    }

    /// A kernel's parameter struct; `size` is its bytes in flash (what the fields take, padding aside).
    mutating func parameters(_ type: String, _ name: String, _ fields: [String], size: Int) {
        lines.append("static const \(type) \(name) = {\n    " + fields.joined(separator: ", ") + "\n};")
        bytes += size
    }

    static func multiplier(_ m: QuantizedMultiplier) -> String { "{ \(CExporter.integer(Int64(m.significand))), \(m.shift) }" }
}
