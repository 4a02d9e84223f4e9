/// The screen manager: polls the controller for snapshots, redraws when something changed (at
/// most `frameInterval` apart), and routes keys. It blocks on the keyboard when nothing moves.
public final class WorkbenchApp {
    public let terminal: Terminal
    public let controller: WorkbenchController
    public private(set) var ui: WorkbenchUI

    /// ~10 frames a second keeps a slow SSH link responsive.
    public static let defaultFrameInterval: Duration = .milliseconds(100)
    /// The shortest time between two frames, and how often snapshots are polled while something moves.
    public let frameInterval: Duration

    private struct Frame: Equatable {
        var state: WorkbenchState
        var ui: WorkbenchUI
        var size: Size
    }

    private var drawn: Frame?
    private var drawnAt: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    public init(terminal: Terminal, controller: WorkbenchController, ui: WorkbenchUI = WorkbenchUI(),
                frameInterval: Duration = defaultFrameInterval) {
        self.terminal = terminal
        self.controller = controller
        self.ui = ui
        self.frameInterval = frameInterval
    }

    /// Runs the workbench on `terminal` until the user quits (q, Ctrl-C or SIGTERM).
    public static func run(terminal: Terminal, controller: WorkbenchController) {
        WorkbenchApp(terminal: terminal, controller: controller).run()
    }

    public func run() {
        while true {
            let wait = redrawIfNeeded()
            guard let key = terminal.readKey(timeoutMilliseconds: wait) else { continue }
            if !handle(key) { return }
        }
    }

    /// Routes one key; false when the user quits.
    @discardableResult
    public func handle(_ key: Key) -> Bool {
        ui.handle(key, controller: controller, choices: drawn?.state.choices ?? WorkbenchState.RunChoices())
    }

    /// Draws the current snapshot if it differs from what is on screen and the last frame is old
    /// enough. Returns how long the next key read may wait: nil (for ever) when nothing moves.
    @discardableResult
    public func redrawIfNeeded() -> Int? {
        let state = controller.snapshot()
        let frame = Frame(state: state, ui: ui, size: terminal.size)
        if frame != drawn {
            let since = drawnAt.map { clock.now - $0 }
            if let since, since < frameInterval {
                return max(1, Self.milliseconds(frameInterval - since))
            }
            Self.render(state: state, ui: ui, into: terminal)
            drawn = frame
            drawnAt = clock.now
        }
        return state.isAnimating ? max(1, Self.milliseconds(frameInterval)) : nil
    }

    private static func milliseconds(_ d: Duration) -> Int {
        let (seconds, attoseconds) = d.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
