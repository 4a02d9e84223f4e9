import Localisation
import Models

// Missing fields take their defaults, as in Models/ConfigDecoding.swift.

extension SessionConfig {
    enum CodingKeys: String, CodingKey {
        case name, seed, data, split, defaultSplit, splitSpec, windowLength, windowHop, stepRate, maxGap, scaling, model, training,
             teacher, ramBudgetBytes, mcu, decoders, acrossWindows
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name))
        seed = try c.value(.seed, or: seed)
        data = try c.value(.data, or: data)
        split = try c.decodeIfPresent(Split.self, forKey: .split)
        splitSpec = try c.decodeIfPresent(SplitSpec.self, forKey: .splitSpec)
        // Sessions from before this field held out the last two recordings; they must resume on that split.
        defaultSplit = try c.value(.defaultSplit, or: .lastTwo)
        windowLength = try c.value(.windowLength, or: windowLength)
        windowHop = try c.value(.windowHop, or: windowHop)
        stepRate = try c.value(.stepRate, or: stepRate)
        maxGap = try c.decodeIfPresent(Double.self, forKey: .maxGap)
        scaling = try c.decodeIfPresent(FeatureScaling.self, forKey: .scaling)
        model = try c.value(.model, or: model)
        training = try c.value(.training, or: training)
        teacher = try c.decodeIfPresent(TeacherReference.self, forKey: .teacher)
        ramBudgetBytes = try c.value(.ramBudgetBytes, or: ramBudgetBytes)
        mcu = try c.value(.mcu, or: mcu)
        decoders = try c.decodeIfPresent([DecoderSpec].self, forKey: .decoders)
        acrossWindows = try c.decodeIfPresent(AcrossWindowsConfig.self, forKey: .acrossWindows)
    }
}

extension SessionConfig.DataSource {
    enum CodingKeys: String, CodingKey {
        case kind, floorPlan, recordings, minutesPerRecording, intactRecordings, path, annotator, house, columns
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        kind = try c.value(.kind, or: kind)
        floorPlan = try c.value(.floorPlan, or: floorPlan)
        recordings = try c.value(.recordings, or: recordings)
        minutesPerRecording = try c.value(.minutesPerRecording, or: minutesPerRecording)
        // Sessions from before this field simulated outages in every recording; they must resume on the same data.
        intactRecordings = try c.value(.intactRecordings, or: 0)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        annotator = try c.value(.annotator, or: annotator)
        house = try c.decodeIfPresent(String.self, forKey: .house)
        columns = try c.decodeIfPresent(CSVColumnMapping.self, forKey: .columns)
    }
}

extension SessionConfig.TeacherReference {
    enum CodingKeys: String, CodingKey { case session, temperature, alpha, moreSessions }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(session: try c.decode(String.self, forKey: .session))
        temperature = try c.value(.temperature, or: temperature)
        alpha = try c.value(.alpha, or: alpha)
        moreSessions = try c.decodeIfPresent([String].self, forKey: .moreSessions)
    }
}
