import Compression

extension WorkbenchState {
    /// The Compress view (2): every op of the integer model with its precision, bytes and error,
    /// the figures of the plan being tried, and what the background evaluation is doing.
    public struct Compress: Equatable, Sendable {
        public struct Row: Equatable, Sendable {
            public var name: String
            public var type: String
            /// "int8", "int4 per-tensor", "fp16"…; empty for ops without a main weight.
            public var weights: String
            /// Output width, e.g. "int8".
            public var output: String
            public var flashBytes: Int
            public var outputBytes: Int
            /// Output SQNR against float on validation windows; nil: exact.
            public var sqnrDB: Double?
            public var histogram: Histogram
            /// A plan can set this op's weights.
            public var hasWeights: Bool
            public var isFloatIsland: Bool

            public init(name: String, type: String, weights: String, output: String, flashBytes: Int, outputBytes: Int,
                        sqnrDB: Double?, histogram: Histogram, hasWeights: Bool, isFloatIsland: Bool) {
                self.name = name
                self.type = type
                self.weights = weights
                self.output = output
                self.flashBytes = flashBytes
                self.outputBytes = outputBytes
                self.sqnrDB = sqnrDB
                self.histogram = histogram
                self.hasWeights = hasWeights
                self.isFloatIsland = isFloatIsland
            }
        }

        /// A plan of the automatic search's Pareto front (validation macro-F1 against flash).
        public struct FrontPoint: Equatable, Sendable {
            public var validationF1: Double
            public var arenaBytes: Int
            public var flashBytes: Int
            /// Layers whose weights the plan narrows to int4.
            public var int4Layers: Int
            /// The best plan within the budgets: the one the search applied.
            public var isChosen: Bool

            public init(validationF1: Double, arenaBytes: Int, flashBytes: Int, int4Layers: Int, isChosen: Bool) {
                self.validationF1 = validationF1
                self.arenaBytes = arenaBytes
                self.flashBytes = flashBytes
                self.int4Layers = int4Layers
                self.isChosen = isChosen
            }
        }

        public var rows: [Row] = []
        public var selected = 0
        public var validationF1: Double?
        public var floatValidationF1: Double?
        public var arenaBytes = 0
        public var flashBytes = 0
        public var budgetBytes: Int?
        /// What the engine is doing or last did ("evaluating…", "saved variants/mixed-1.json").
        public var status = ""
        public var canUndo = false
        /// The last automatic search's front, cheapest flash first; empty until `a` finishes.
        public var front: [FrontPoint] = []
        /// The budgets that search ran under, e.g. "RAM 64 KB · flash 1.00 MB".
        public var frontBudget = ""
        /// An automatic search is running (a second `a` waits for it rather than queueing another).
        public var searching = false
        /// Why there is nothing to tune (yet, or for this model).
        public var unavailable: String?

        public init() {}

        public var selectedRow: Row? { rows.indices.contains(selected) ? rows[selected] : nil }
    }
}
