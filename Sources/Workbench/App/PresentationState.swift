extension WorkbenchState {
    /// The clinician's view (6): a few of the session's saved variants, each in plain figures,
    /// with the room its integer model names at every replay step.
    public struct Presentation: Equatable, Sendable {
        public struct Choice: Equatable, Sendable {
            /// "largest", "fits the watch", "smallest", or several of them joined when one
            /// variant is all of those.
            public var label: String
            /// The saved variant it is (variants/<name>.json).
            public var variant: String
            /// Share of the test recording's windows placed in the right room.
            public var accuracy: Double
            public var ramBytes: Int
            public var flashBytes: Int
            /// The room (index into `Replay.rooms`) this variant names at each replay step.
            public var predictions: [Int]

            public init(label: String, variant: String, accuracy: Double, ramBytes: Int, flashBytes: Int, predictions: [Int]) {
                self.label = label
                self.variant = variant
                self.accuracy = accuracy
                self.ramBytes = ramBytes
                self.flashBytes = flashBytes
                self.predictions = predictions
            }
        }

        public var choices: [Choice] = []
        /// Why there are no choices yet (the model is still training, say).
        public var waiting = "the choices appear when training has finished"

        public init() {}
    }

    /// The memory of the wristband chip the clinician's sentence is about.
    public static let watchRAMBytes = 32 * 1024
}
