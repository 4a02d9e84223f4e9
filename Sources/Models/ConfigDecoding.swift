// Swift's synthesized Decodable rejects a file that lacks any non-optional field, defaults or
// not, so a session.json written before a field existed would read as "corrupt". These decoders
// take each missing field from a freshly made default value instead.

extension KeyedDecodingContainer {
    /// The value stored under `key`, or `fallback` when the key is absent.
    public func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension TrainingConfig {
    enum CodingKeys: String, CodingKey {
        case epochs, batchSize, learningRate, weightDecay, patience, balanceClasses, receiverDropout, rssiNoiseDB, keptWeights
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        epochs = try c.value(.epochs, or: epochs)
        batchSize = try c.value(.batchSize, or: batchSize)
        learningRate = try c.value(.learningRate, or: learningRate)
        weightDecay = try c.value(.weightDecay, or: weightDecay)
        patience = try c.value(.patience, or: patience)
        balanceClasses = try c.value(.balanceClasses, or: balanceClasses)
        receiverDropout = try c.value(.receiverDropout, or: receiverDropout)
        rssiNoiseDB = try c.value(.rssiNoiseDB, or: rssiNoiseDB)
        keptWeights = try c.value(.keptWeights, or: keptWeights)
    }
}

extension ModelConfig {
    enum CodingKeys: String, CodingKey { case kind, mlp, mamba, teacher, student, cnn, lstm }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.value(.kind, or: .mlp))
        mlp = try c.value(.mlp, or: mlp)
        mamba = try c.decodeIfPresent(MambaConfig.self, forKey: .mamba)
        teacher = try c.decodeIfPresent(TeacherConfig.self, forKey: .teacher)
        student = try c.decodeIfPresent(StudentConfig.self, forKey: .student)
        cnn = try c.decodeIfPresent(CNN.Config.self, forKey: .cnn)
        lstm = try c.decodeIfPresent(LSTMClassifier.Config.self, forKey: .lstm)
    }
}

extension DistillationConfig {
    enum CodingKeys: String, CodingKey { case teacher, temperature, alpha, teachers }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(teacher: try c.value(.teacher, or: ModelConfig(kind: .teacher)))
        temperature = try c.value(.temperature, or: temperature)
        alpha = try c.value(.alpha, or: alpha)
        teachers = try c.value(.teachers, or: teachers)
    }
}
