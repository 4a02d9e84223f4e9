extension WorkbenchState {
    /// One stage of the study's path the default demo walks (teacher → distilled student → integer
    /// model): its test macro-F1 and wall time once it has finished.
    public struct PathStage: Equatable, Sendable {
        public enum Progress: Equatable, Sendable {
            case waiting
            case running
            /// Test macro-F1 and the stage's wall time in seconds.
            case done(testF1: Double, seconds: Double)
        }

        public enum Step: String, Equatable, Sendable, CaseIterable {
            case teacher, student, int8
        }

        public var step: Step
        /// What it is, e.g. "39.0 k" (parameters) or "of the student".
        public var detail: String
        public var progress: Progress

        public init(_ step: Step, detail: String = "", progress: Progress = .waiting) {
            self.step = step
            self.detail = detail
            self.progress = progress
        }
    }
}
