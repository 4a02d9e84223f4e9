import ArgumentParser
import Deploy
import Models
import Sessions
import TinyTensor

/// `tinyloc plan`: the planned RAM and flash of each model family, integer beside float32,
/// windowed beside streaming — known from the shapes and bit widths alone, before any training.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Planned RAM (arena) and flash of each model family, integer and float32, windowed and streaming.",
        discussion: """
            Sizes depend only on the shapes and the bit widths, so an untrained model (calibrated on random \
            windows) gives the same plan as a trained one. T 20 steps, F 11 features, 9 rooms by default (SPHERE).
            """
    )

    @Option(help: "Model kind, or all (default): \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model = "all"

    @Option(help: "Window length T in steps.")
    var steps = 20

    @Option(help: "Features per step F.")
    var features = 11

    @Option(help: "Rooms C.")
    var rooms = 9

    @Option(help: "RAM budget in KB the plans are checked against.")
    var budgetKb = 64

    func validate() throws {
        guard (1...10_000).contains(steps), (1...1_000).contains(features), (2...1_000).contains(rooms) else {
            throw ValidationError("--steps must be 1…10000, --features 1…1000, --rooms 2…1000")
        }
        guard (1...1_048_576).contains(budgetKb) else { throw ValidationError("--budget-kb must be 1…1048576") }
    }

    func run() throws {
        let kinds = model == "all" ? ModelKind.allCases : [try parseModelKind(model)]
        let shape = ModelShape(steps: steps, features: features, classes: rooms)
        var rng = SeededRNG(seed: 1)
        let windows = (0..<8).map { _ in (0..<(steps * features)).map { _ in rng.uniform() } }
        let budget = budgetKb * 1024
        print("planned arena (RAM) and flash · T \(steps) · F \(features) · \(rooms) rooms · budget \(budgetKb) KB")
        print("model           integer windowed    integer streaming   float32 windowed    float32 streaming   flash int / float       MACs")
        for kind in kinds {
            let net = ModelConfig(kind: kind).build(shape: shape, seed: 1)
            guard net.lowered(.windowed) != nil else {
                print(kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0) + "no graph lowering yet: stays float32, no plan")
                continue
            }
            let integer = try IntegerModel(net, calibrationWindows: windows)
            let memory = try MemorySummary(model: net, integer: integer, mcu: .nRF52840, ramBudgetBytes: budget)
            func cell(_ report: RAMReport?) -> String {
                guard let report else { return "—".padding(toLength: 20, withPad: " ", startingAt: 0) }
                let mark = report.arenaBytes <= budget ? "" : " (over)"
                return "\(report.arenaBytes) B\(mark)".padding(toLength: 20, withPad: " ", startingAt: 0)
            }
            print(kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0) + cell(memory.integer) + cell(memory.integerStreaming)
                  + cell(memory.float) + cell(memory.floatStreaming)
                  + "\(memory.integer?.flashBytes ?? 0) / \(memory.float.flashBytes) B".padding(toLength: 24, withPad: " ", startingAt: 0)
                  + "\(memory.deployed.macs)")
        }
    }
}
