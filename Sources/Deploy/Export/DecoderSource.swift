/// The room decoder the chip runs after the classifier, as plain tables: fixed-lag Viterbi over
/// rooms in integers (Localisation's `IntegerViterbi` is the reference; Sessions converts it to
/// this, since Deploy sees graphs and tables, never the data). Exported as
/// `tinyloc_decode_step()` beside `tinyloc_predict()`, and counted as its own line in the RAM plan.
///
/// Per window t, from the int8 output codes s_t of `tinyloc_predict`:
///   e_t(j) = clamp16(((s_t(j) − max_k s_t(k)) · multiplier + 2^(shift−1)) >> shift − log ρ(j))
///   δ_0(j) = log π(j) + e_0(j),  δ_t(j) = max_i [δ_{t−1}(i) + log A(i, j)] + e_t(j), then minus max_j δ_t(j)
///   back_t(j) = the first i reaching that max, kept in a ring of `lag` rows;
/// the decision for window t − lag is traced back `lag` rows from the best room at t.
public struct ChipDecoder: Sendable, Equatable {
    /// What the command line called it (e.g. "lag=10+plan"), for the README and the RAM plan.
    public var name: String
    public var rooms: Int
    public var lag: Int
    /// log A in fixed point, `logTransition[i·rooms + j]`; `Int16.min` marks a ruled-out move.
    public var logTransition: [Int16]
    public var logPrior: [Int16]
    public var logClassifierPrior: [Int16]
    /// Output code differences to fixed point: (d · scoreMultiplier + 2^(scoreShift−1)) >> scoreShift.
    public var scoreMultiplier: Int64
    public var scoreShift: Int

    public init(name: String, rooms: Int, lag: Int, logTransition: [Int16], logPrior: [Int16], logClassifierPrior: [Int16],
                scoreMultiplier: Int64, scoreShift: Int) {
        precondition(rooms >= 1 && rooms <= 256, "uint8 back-pointers hold 1…256 rooms")
        precondition(lag >= 0 && logTransition.count == rooms * rooms && logPrior.count == rooms && logClassifierPrior.count == rooms,
                     "lag ≥ 0, tables rooms × rooms and rooms")
        precondition(scoreShift >= 1 && scoreShift <= 62, "a shift of 1…62 bits")
        self.name = name
        self.rooms = rooms
        self.lag = lag
        self.logTransition = logTransition
        self.logPrior = logPrior
        self.logClassifierPrior = logClassifierPrior
        self.scoreMultiplier = scoreMultiplier
        self.scoreShift = scoreShift
    }

    /// Static RAM: the back-pointer ring (lag × rooms uint8), two int32 score rows, the uint32 window count.
    public var ramBytes: Int { lag * rooms + 2 * rooms * 4 + 4 }
    /// Const data: the transition table and the two priors (int16), the int64 multiplier.
    public var flashBytes: Int { rooms * rooms * 2 + 2 * rooms * 2 + 8 }

    /// The declarations model.h gains.
    var header: String {
        """

        /* Temporal decoding (\(name)): fixed-lag Viterbi over the rooms in integers, fed the scores of
           tinyloc_predict one window at a time, in time order. A decision is due \(lag) window(s) after its
           window: tinyloc_decode_step returns 1 and writes the room of the window \(lag) calls ago, or 0 while
           fewer than \(lag + 1) windows came since tinyloc_decode_reset(). At the recording's end,
           tinyloc_decode_flush writes the decisions still owed (oldest first) and returns how many.
           Static RAM \(ramBytes) B (back-pointers \(lag * rooms) B, scores \(2 * rooms * 4) B, count 4 B);
           const data \(flashBytes) B. */
        #define TINYLOC_DECODE_LAG \(lag)
        #define TINYLOC_DECODE_RAM_BYTES \(ramBytes)
        void tinyloc_decode_reset(void);
        int tinyloc_decode_step(const int8_t *scores, uint8_t *room);
        int tinyloc_decode_flush(uint8_t *rooms);

        """
    }

    /// The decoder's const tables (defined through `constants`, so they count in the export's
    /// const bytes) and functions, for model.c.
    func source(constants: inout ConstantPool) throws -> String {
        let transition = try constants.array("int16_t", "tl_decode_transition", logTransition.map(Int64.init), op: "decoder")
        let prior = try constants.array("int16_t", "tl_decode_prior", logPrior.map(Int64.init), op: "decoder")
        let classifierPrior = try constants.array("int16_t", "tl_decode_classifier_prior", logClassifierPrior.map(Int64.init), op: "decoder")
        constants.bytes += 8
        let r = rooms
        // With no lag there is nothing to remember between windows but the scores: no ring, no trace.
        let ring = lag > 0 ? "static uint8_t tl_decode_back[\(lag * r)];\n" : ""
        let keep = lag > 0 ? "            tl_decode_back[(t % \(lag)u) * \(r) + j] = (uint8_t)from;\n" : ""
        let trace = lag > 0 ? """

            /* The room at window t − steps on the best path into `room` at window t. */
            static int32_t tl_decode_trace(uint32_t t, uint32_t steps, int32_t room) {
                uint32_t k;
                for (k = 0; k < steps; k++) room = tl_decode_back[((t - k) % \(lag)u) * \(r) + room];
                return room;
            }

            """ : ""
        let decide = lag > 0
            ? "    if (t >= \(lag)u) { *room = (uint8_t)tl_decode_trace(t, \(lag)u, tl_decode_best(cur)); return 1; }\n    return 0;"
            : "    *room = (uint8_t)tl_decode_best(cur);\n    return 1;"
        let flushBody = lag > 0 ? """
                uint32_t n = tl_decode_windows, count = n < \(lag)u ? n : \(lag)u, k;
                int32_t room;
                if (n == 0) return 0;
                room = tl_decode_best(tl_decode_score[(n - 1) & 1]);
                for (k = 0; k < count; k++) {
                    uint32_t t = n - 1 - k;
                    rooms[count - 1 - k] = (uint8_t)room;
                    if (t > 0 && t + \(lag)u > n) room = tl_decode_back[(t % \(lag)u) * \(r) + room];
                }
                return (int)count;
            """ : """
                (void)rooms;
                return 0;
            """
        return """
            /* Temporal decoding (\(name)); Swift's IntegerViterbi is the reference. A score at or below
               TL_DECODE_UNREACHABLE is a room no allowed path reaches; a transition of INT16_MIN is ruled out. */
            #define TL_DECODE_UNREACHABLE (-1073741824)
            static const int64_t tl_decode_multiplier = \(CExporter.integer(scoreMultiplier));
            static int32_t tl_decode_score[2][\(r)];
            \(ring)static uint32_t tl_decode_windows;

            void tinyloc_decode_reset(void) { tl_decode_windows = 0; }

            /* The first room with the highest score. */
            static int32_t tl_decode_best(const int32_t *score) {
                int32_t j, best = 0;
                for (j = 1; j < \(r); j++) if (score[j] > score[best]) best = j;
                return best;
            }

            /* e(j) = (s(j) − max s) · scale in fixed point, minus log ρ(j), clamped to int16. */
            static int32_t tl_decode_emission(const int8_t *scores, int32_t top, int32_t j) {
                int64_t v = (((int64_t)(scores[j] - top) * tl_decode_multiplier + (INT64_C(1) << \(scoreShift - 1))) >> \(scoreShift))
                            - \(classifierPrior)[j];
                return v < -32768 ? -32768 : (v > 32767 ? 32767 : (int32_t)v);
            }
            \(trace)
            int tinyloc_decode_step(const int8_t *scores, uint8_t *room) {
                uint32_t t = tl_decode_windows;
                int32_t *cur = tl_decode_score[t & 1];
                int32_t j, top = scores[0];
                for (j = 1; j < \(r); j++) if (scores[j] > top) top = scores[j];
                if (t == 0) {
                    for (j = 0; j < \(r); j++) cur[j] = \(prior)[j] + tl_decode_emission(scores, top, j);
                } else {
                    const int32_t *prev = tl_decode_score[(t - 1) & 1];
                    int32_t most;
                    for (j = 0; j < \(r); j++) {
                        int32_t i, best = TL_DECODE_UNREACHABLE\(lag > 0 ? ", from = 0" : "");
                        for (i = 0; i < \(r); i++) {
                            int16_t a = \(transition)[i * \(r) + j];
                            if (prev[i] <= TL_DECODE_UNREACHABLE || a == INT16_MIN) continue;
                            if (prev[i] + a > best) { best = prev[i] + a;\(lag > 0 ? " from = i;" : "") }
                        }
                        cur[j] = best == TL_DECODE_UNREACHABLE ? TL_DECODE_UNREACHABLE : best + tl_decode_emission(scores, top, j);
            \(keep)            }
                    /* Shifting every score by the best keeps them in int32 however long the recording. */
                    most = cur[tl_decode_best(cur)];
                    for (j = 0; j < \(r); j++) if (cur[j] > TL_DECODE_UNREACHABLE) cur[j] -= most;
                }
                tl_decode_windows = t + 1;
            \(decide)
            }

            int tinyloc_decode_flush(uint8_t *rooms) {
            \(flushBody)
            }

            """
    }
}
