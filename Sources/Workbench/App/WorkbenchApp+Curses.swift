extension WorkbenchApp {
    /// Runs the workbench on the real terminal until the user quits, and always restores the
    /// terminal afterwards. Call it from the main thread, after `TerminalCheck.problem()` is nil.
    public static func runInTerminal(controller: WorkbenchController) throws {
        let terminal = try NCursesTerminal()
        defer { terminal.close() }
        run(terminal: terminal, controller: controller)
    }
}
