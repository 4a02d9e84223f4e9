import Deploy
import Foundation
import Localisation
import Models
import Sessions

/// `tinyloc run --headless`: the pipeline with progress on stderr-free stdout, one line per epoch.
struct HeadlessRun {
    let session: Session
    let resumed: Bool

    func run() throws {
        let config = session.config
        print("session \(config.name) (\(resumed ? "resumed" : "new")) · \(session.folder.path)")
        let runner = ExperimentRunner(session: session)
        let output = ProgressLine(control: runner.control)
        output.start()
        defer { output.stop() }  // on an error too: the message must not land on the progress line
        let report = try runner.run { event in
            switch event {
            case .stage(let text):
                output.print("· \(text)")
            case let .dataReady(data, _, _):
                output.print("  data \(data.source): \(data.rooms.count) rooms, \(data.receivers.count) receivers, "
                      + "\(data.recordings.count) recordings (train \(data.trainRecordings.joined(separator: ",")) · "
                      + "validation \(data.validationRecordings.isEmpty ? "none, early stopping on training windows" : data.validationRecordings.joined(separator: ",")) · test \(data.testRecordings.joined(separator: ",")))")
                if let note = data.splitNote { output.print("  \(note)") }
                output.print("  windows train \(data.trainWindows) · validation \(data.validationWindows) · test \(data.testWindows) "
                      + "· \(data.steps) steps × \(data.features) features")
                for (recording, receivers) in data.silentReceivers.sorted(by: { $0.key < $1.key }) {
                    output.print("  note: \(receivers.joined(separator: ", ")) heard nothing in all of \(recording)")
                }
                if let ignored = data.ignoredReceivers {
                    output.print("  note: \(ignored.joined(separator: ", ")) never heard in the training recordings: the model ignores \(ignored.count == 1 ? "it" : "them")")
                }
            case .modelBuilt(let model):
                output.print("  model \(model.kind) · \(model.parameters) parameters")
            case let .teacher(name, model, history):
                let best = history.map(\.validationF1).max() ?? 0
                output.print("  distilling from \(model) session \(name) (its best validation macro-F1 \(String(format: "%.3f", best)))")
            case .resumed(let history):
                output.print("  resuming after epoch \(history.last?.epoch ?? 0)")
            case let .epoch(record, _):
                output.print(String(format: "  epoch %3d  loss %.3f  train F1 %.3f  val loss %.3f  val F1 %.3f  (%.0f ms)",
                             record.epoch, record.trainLoss, record.trainF1, record.validationLoss, record.validationF1,
                             record.seconds * 1000))
            case .finished, .memoryPlanned, .trained:
                break
            }
        }
        output.stop()
        guard let report else { return }
        print(summary(report))
        print("report: \(session.reportURL.path)")
    }

    func summary(_ report: ExperimentReport) -> String {
        var lines = [String]()
        lines.append("")
        let head = session.config.model.labelsSteps ? " + CRF (trained on step labels, Viterbi majority)" : ""
        lines.append("model \(report.model)\(head) · \(report.parameters) parameters · best epoch \(report.bestEpoch) of \(report.epochsTrained)")
        let test = report.data.testRecordings.joined(separator: ",")
        var scores = String(format: "test %@: float macro-F1 %.3f (accuracy %.3f)", test, report.testFloat.macroF1, report.testFloat.accuracy)
        if let int8 = report.testInt8 {
            scores += String(format: " · int8 macro-F1 %.3f (accuracy %.3f) · int8 − float %+.1f points",
                             int8.macroF1, int8.accuracy, (int8.macroF1 - report.testFloat.macroF1) * 100)
        }
        lines.append(scores)
        if let decoded = report.testDecoded {
            lines.append("decoded (float; transitions counted on the training recordings): " + decodedLine(decoded, undecoded: report.testFloat.macroF1))
            for score in decoded {
                lines.append("  \(score.decoder): integer decoder RAM \(score.footprint.ramBytes) B (back-pointers \(score.footprint.backPointerBytes) B, "
                             + "scores \(score.footprint.scoreBytes) B, window count \(DecoderFootprint.counterBytes) B) · flash \(score.footprint.flashBytes) B · differs from float on "
                             + "\(score.integerDifferences) of \(report.data.testWindows) windows"
                             + (score.ruledOutTransitions > 0 ? " · \(score.ruledOutTransitions) training moves without a door left out" : ""))
            }
        }
        lines.append("per-room F1 (float, rooms in the test recordings): "
                     + report.data.rooms.compactMap { room in report.testFloat.roomF1[room].map { String(format: "%@ %.2f", room, $0) } }
                        .joined(separator: " · "))
        lines.append(confusionTable(report.testFloat.confusion, rooms: report.data.rooms,
                                    title: "confusion (float, test; rows true, columns predicted)"))
        if report.scaling == .minmax { lines.append("inputs scaled by min/max fitted on the training recordings (checkpoints/scaler.json)") }
        if !report.quantization.isEmpty {
            // The full per-op table is in report.json; the summary names the ops that lost most.
            let ranked = report.quantization.sorted { ($0.activationSQNR ?? .infinity) < ($1.activationSQNR ?? .infinity) }
            let worst = ranked.prefix(3).map { layer in
                "\(layer.name) \(layer.activationSQNR.map { String(format: "%.1f dB", $0) } ?? "exact")"
            }
            lines.append("integer model: \(report.quantization.count) ops, no float islands · lowest output SQNR against float "
                         + "(validation windows): " + worst.joined(separator: ", ") + " · every op in report.json")
        }
        guard let memory = report.memory else {
            lines.append("no graph lowering for \(report.model) yet: it stays float32, with no RAM plan")
            return lines.joined(separator: "\n")
        }
        lines += memoryLines(memory)
        return lines.joined(separator: "\n")
    }
}

extension HeadlessRun {
    /// The planned RAM, integer beside float32, windowed beside streaming, per layer.
    func memoryLines(_ memory: MemorySummary) -> [String] {
        let budget = memory.ramBudgetBytes
        let fits = { (bytes: Int) in bytes <= budget ? "fits" : "DOES NOT FIT" }
        var lines: [String] = []
        var plans: [(String, RAMReport)] = []
        if let integer = memory.integer { plans.append(("\(integer.precision) windowed", integer)) }
        if let streaming = memory.integerStreaming { plans.append(("\(streaming.precision) streaming", streaming)) }
        plans.append(("float32 windowed", memory.float))
        if let streaming = memory.floatStreaming { plans.append(("float32 streaming", streaming)) }
        lines.append("RAM (arena, planned) · budget \(formatBytes(budget)):")
        for (label, plan) in plans {
            let state = plan.persistentBytes > 0 ? ", state \(formatBytes(plan.persistentBytes))" : ""
            lines.append("  \(label.padding(toLength: 22, withPad: " ", startingAt: 0)) \(formatBytes(plan.arenaBytes).padding(toLength: 9, withPad: " ", startingAt: 0)) "
                         + "peak at \(plan.peakOp)\(state) · flash \(formatBytes(plan.flashBytes)) · \(fits(plan.arenaBytes))")
        }
        let deployed = memory.deployed
        if let decoder = deployed.decoder {
            lines.append("  \(decoder.name): \(formatBytes(decoder.ramBytes)) beside the \(deployed.precision) arena · tables \(formatBytes(decoder.flashBytes)) · "
                         + "together \(formatBytes(deployed.totalRAMBytes)), \(fits(deployed.totalRAMBytes))")
        }
        lines.append("  per layer (\(deployed.precision) windowed):")
        for layer in deployed.layers {
            lines.append("    \(layer.name.padding(toLength: 10, withPad: " ", startingAt: 0)) live \(formatBytes(layer.bytes))"
                         + (layer.isPeak ? "  ◀ peak" : ""))
        }
        lines.append(String(format: "%d MACs · ≈%.3f ms and %.2f µJ per prediction on %@ (estimate) · float islands: none",
                            deployed.macs, memory.latencyMilliseconds, memory.energyMicrojoules, memory.mcu))
        return lines
    }
}

func formatBytes(_ bytes: Int) -> String {
    bytes < 1024 ? "\(bytes) B" : String(format: "%.1f KB", Double(bytes) / 1024)
}

let knownMCUs = MCUProfile.catalogue.map(\.name)
