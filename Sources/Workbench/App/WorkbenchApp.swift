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
    /// With no key for this long and training not running, a playing replay pauses itself, so an
    /// unattended workbench stops redrawing and uses no CPU (any key, or p, plays it again).
    public let idleLimit: Duration
    public static let defaultIdleLimit: Duration = .seconds(60)
    private var lastKeyAt: ContinuousClock.Instant

    private struct Frame: Equatable {
        var state: WorkbenchState
        var ui: WorkbenchUI
        var size: Size
    }

    private var drawn: Frame?
    private var drawnAt: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    public init(terminal: Terminal, controller: WorkbenchController, ui: WorkbenchUI = WorkbenchUI(),
                frameInterval: Duration = defaultFrameInterval, idleLimit: Duration = defaultIdleLimit) {
        self.terminal = terminal
        self.controller = controller
        self.ui = ui
        self.frameInterval = frameInterval
        self.idleLimit = idleLimit
        lastKeyAt = ContinuousClock.now
    }

    /// Runs the workbench on `terminal` until the user quits (q, Ctrl-C or SIGTERM).
    public static func run(terminal: Terminal, controller: WorkbenchController) {
        WorkbenchApp(terminal: terminal, controller: controller).run()
    }

    public func run() {
        while true {
            let wait = redrawIfNeeded()
            guard let key = terminal.readKey(timeoutMilliseconds: wait) else {
                pauseReplayIfIdle()
                continue
            }
            lastKeyAt = clock.now
            if !handle(key) { return }
        }
    }

    /// Pauses a playing replay when nobody has pressed a key for `idleLimit` and training is not
    /// running (what is on screen then changes only for the replay). Returns whether it did.
    @discardableResult
    public func pauseReplayIfIdle() -> Bool {
        guard let state = drawn?.state, state.replay?.playing == true, !(state.training.running && !state.training.paused),
              clock.now - lastKeyAt >= idleLimit else { return false }
        controller.replay(.togglePlay)
        return true
    }

    /// Routes one key; false when the user quits.
    @discardableResult
    public func handle(_ key: Key) -> Bool {
        if case let .click(row, col) = key {
            ui.click(row: row, col: col, state: drawn?.state ?? controller.snapshot(), size: terminal.size, controller: controller)
            return true
        }
        return ui.handle(key, controller: controller, choices: drawn?.state.choices ?? WorkbenchState.RunChoices(),
                  variants: drawn?.state.variants ?? [], presentChoices: drawn?.state.presentation.choices.count ?? 0)
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
