import ArgumentParser
import Foundation
import Models
import Sessions

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a session: data → windows → train → integer model → RAM plan → report.json (the workbench unless --headless)."
    )

    @Flag(help: "No terminal UI: print progress and a summary, write sessions/<name>/report.json.")
    var headless = false

    @Option(help: "Session name (a folder under --sessions-dir). An existing session is resumed with its saved settings; options that contradict them are refused. Default: demo-<date>-<time>.")
    var session: String?

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "Model to train: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")) (every kind but a teacher with a CRF is also converted to integers). Default: in the workbench without --session, the study's path (a teacher of width 16, at most 20 epochs, then the student distilled from it and its integer model: sessions <name>-teacher and <name>-student); otherwise mlp.")
    var model: String?

    @Option(parsing: .unconditional, help: "teacher / teacher-paper: the model width d instead of the preset's (64 / 256); the default demo's teacher is --model teacher --teacher-width 16.")
    var teacherWidth: Int?

    @Flag(help: "teacher / teacher-paper: add a linear-chain CRF over the per-step emissions, train it on the room of every step and classify a window by the majority of its Viterbi path.")
    var crf = false

    // Numeric options parse their next argument unconditionally, so "--epochs -3" reaches validate()
    // and gets a message about the value instead of "Missing value for '--epochs'".
    @Option(parsing: .unconditional, help: "Maximum training epochs (early stopping may end sooner).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Random seed: the same seed gives the same data, weights and results.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Probability of silencing each receiver for a whole training window, so the model copes with a receiver missing at test time (0–0.9).")
    var receiverDropout: Float?

    @Option(parsing: .unconditional, help: "Simulated recordings to generate (the last is the test recording, the one before it validation).")
    var recordings: Int?

    @Option(parsing: .unconditional, help: "Simulated: how many of the last recordings keep every receiver working (default 2, the validation and test recordings); 0 lets a receiver fail for a whole recording in any of them, for robustness studies.")
    var intactRecordings: Int?

    @Option(parsing: .unconditional, help: "Minutes per simulated recording (default 90).")
    var minutes: Double?

    @Option(parsing: .unconditional, help: "RAM budget in KB the deployment is checked against.")
    var budgetKB: Int?

    @Option(help: "Target microcontroller: nRF52840, STM32L476, RP2040 or ESP32-S3.")
    var mcu: String?

    @Option(parsing: .unconditional, help: "Minimum seconds per epoch in the workbench, so the curve can be followed (0: full speed). Ignored with --headless.")
    var pace: Double = 0.25

    @Option(help: "Temporal decoders for the test predictions, comma-separated: none, offline, lag=N (N windows), each optionally followed, in this order, by +plan (only moves through the floor plan's doors), +freq (divide by the training room frequencies even after class-balanced training), +add=K (K pseudo-counts per allowed move instead of 1) and +weight=W (multiply the emissions by W). Ignored when resuming a session.")
    var decode = "none"

    @OptionGroup(title: "Training") var trainingOptions: TrainingOptions

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Training recordings: names, numbers or ranges, e.g. 1-5 (default: all not used for validation or test).")
    var train: String?

    @Option(help: "Validation recordings (early stopping), e.g. 6; 'none' to stop early on the training windows (data with only two recordings).")
    var val: String?

    @Option(help: "Test recordings, e.g. 7. Without --val/--test: the last two recordings that hear the receivers most recordings hear validate and test.")
    var test: String?

    func validate() throws {
        let kind = try model.map { try parseModelKind($0) }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        try checkCRF(crf, model: kind ?? .mlp)
        if let teacherWidth {
            guard ModelConfig(kind: kind ?? .mlp).canLabelSteps else { throw ValidationError("--teacher-width needs --model teacher or teacher-paper") }
            guard (1...1024).contains(teacherWidth) else { throw ValidationError("--teacher-width must be in 1…1024, got \(teacherWidth)") }
        }
        if let recordings, recordings < 3 { throw ValidationError("--recordings must be at least 3 (train, validation, test), got \(recordings)") }
        if let intactRecordings, intactRecordings < 0 { throw ValidationError("--intact-recordings must not be negative") }
        if let minutes, !(minutes > 0 && minutes <= 24 * 60) { throw ValidationError("--minutes must be in (0, 1440], got \(minutes)") }
        if let budgetKB, budgetKB <= 0 { throw ValidationError("--budget-kb must be positive, got \(budgetKB)") }
        if let receiverDropout, !(0...0.9).contains(receiverDropout) {
            throw ValidationError("--receiver-dropout must be in [0, 0.9], got \(receiverDropout)")
        }
        _ = try decoderList(decode)
        if pace < 0 { throw ValidationError("--pace must not be negative") }
        if let mcu, !knownMCUs.contains(mcu) {
            throw ValidationError("unknown --mcu '\(mcu)'; choose one of \(knownMCUs.joined(separator: ", "))")
        }
        if let session { try Session.validate(name: session) }
        if (train != nil || val != nil || test != nil) && (val == nil || test == nil) {
            throw ValidationError("a split by recording needs --val and --test (and optionally --train)")
        }
    }

    func makeConfig() throws -> SessionConfig {
        let formatter = DateFormatter()
        formatter.dateFormat = "MMdd-HHmmss"
        var config = SessionConfig(name: session ?? "demo-\(formatter.string(from: Date()))")
        if let seed { config.seed = seed }
        if let model { config.model.kind = try parseModelKind(model) }
        if let teacherWidth {
            var teacher = config.model.teacher ?? (config.model.kind == .teacher ? .teacher : .paper)
            teacher.width = teacherWidth
            config.model.teacher = teacher
        }
        if crf { config.model.addCRF() }
        if let epochs { config.training.epochs = epochs }
        if let receiverDropout { config.training.receiverDropout = receiverDropout }
        try trainingOptions.apply(to: &config.training)
        if let across = trainingOptions.acrossWindowsConfig {
            trainingOptions.applyAcrossWindows(to: &config.model)
            config.acrossWindows = across
        }
        if let recordings { config.data.recordings = recordings }
        if let minutes { config.data.minutesPerRecording = minutes }
        if let intactRecordings { config.data.intactRecordings = intactRecordings }
        if let budgetKB { config.ramBudgetBytes = budgetKB * 1024 }
        if let mcu { config.mcu = mcu }
        if let source = try dataOptions.realSource() { config.data = source }
        if let val, let test { config.splitSpec = SplitSpec(train: train ?? "", validation: val, test: test) }
        config.maxGap = dataOptions.gapLimit
        config.scaling = dataOptions.featureScaling
        let decoders = try decoderList(decode).filter { $0.mode != .none }
        if !decoders.isEmpty { config.decoders = decoders }
        return config
    }

    func run() throws {
        let config = try makeConfig()
        // Refused before a session folder exists (a resumed session without --model is checked against its own model).
        if config.acrossWindows != nil, model != nil || self.session == nil { try config.checkTrainable() }
        if !headless { try WorkbenchLauncher.checkTerminal() }
        let root = URL(fileURLWithPath: sessionsDir)
        // A user who names a model or a session gets exactly that; the bare workbench shows the study's path.
        let path = headless || model != nil || crf || self.session != nil ? nil : StudyPath.demo(config)
        let (session, resumed) = try Session.openOrCreate(root: root, config: path?.teacher ?? config)
        let differences = resumed ? conflicts(asked: config, saved: session.config) : []
        if !differences.isEmpty { throw SessionConflict(session: session.config.name, differences: differences) }
        if headless {
            try HeadlessRun(session: session, resumed: resumed).run()
        } else {
            try WorkbenchLauncher(session: session, pace: pace, baseConfig: config, sessionsRoot: root, path: path).run()
        }
    }
}
