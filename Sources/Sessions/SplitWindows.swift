import Foundation
import Localisation
import Models

/// The windows of a split by recording, ready for a model, with the scaler when one is fitted.
/// A fitted scaler sees the training recordings only; validation and test are scaled with it.
public struct SplitWindows: Sendable {
    public var train: WindowSet
    public var validation: WindowSet
    public var test: WindowSet
    public var scaler: FeatureScaler?
    public let receivers: Int

    public init(train: WindowSet, validation: WindowSet, test: WindowSet, scaling: FeatureScaling, receivers: Int) {
        self.receivers = receivers
        switch scaling {
        case .fixed:
            scaler = nil
            self.train = train
            self.validation = validation
            self.test = test
        case .minmax:
            let fitted = FeatureScaler.fit(on: train, keepingZero: Array(0..<(2 * receivers)))
            scaler = fitted
            self.train = fitted.applied(to: train)
            self.validation = fitted.applied(to: validation)
            self.test = fitted.applied(to: test)
        }
    }

    /// The windows of `split` of `dataset` as the session `config` makes them. Without a validation
    /// recording (`--val none`) early stopping watches the training windows.
    public init(dataset: Dataset, split: SessionConfig.Split, config: SessionConfig) {
        let windowConfig = config.windowConfig
        self.init(train: makeWindows(dataset: dataset, recordings: split.train, config: windowConfig),
                  validation: makeWindows(dataset: dataset, recordings: split.validation.isEmpty ? split.train : split.validation,
                                          config: windowConfig),
                  test: makeWindows(dataset: dataset, recordings: split.test, config: windowConfig),
                  scaling: config.scaling ?? .fixed, receivers: dataset.receivers.count)
    }

    /// Receivers that heard nothing in any training window: every model trained on these windows
    /// ignores them (see `cutUntrainedInputs`), nil when there are none.
    public func receiversNeverHeardInTraining(names: [String]) -> [String]? {
        let silent = Set(silentFeatures(train.x, features: train.features))
        let never = names.indices.filter { silent.contains($0) && silent.contains(receivers + $0) }.map { names[$0] }
        return never.isEmpty ? nil : never
    }

    public var labelledTrain: LabelledWindows { train.labelled(receivers: receivers, rssiPerDB: rssiPerDB) }
    public var labelledValidation: LabelledWindows { validation.labelled(receivers: receivers, rssiPerDB: rssiPerDB) }
    public var labelledTest: LabelledWindows { test.labelled(receivers: receivers, rssiPerDB: rssiPerDB) }

    /// How far each receiver's RSSI feature moves for 1 dB, after the scaler when there is one.
    var rssiPerDB: [Float] {
        (0..<receivers).map { r in
            let fitted = scaler.map { $0.maximum[r] > $0.minimum[r] ? 1 / ($0.maximum[r] - $0.minimum[r]) : 1 } ?? 1
            return fitted / rssiDBPerFeatureUnit
        }
    }
}

extension WindowSet {
    /// Receiver r's RSSI is feature r and its heard-rate feature R + r (see `StepFeatures`).
    func labelled(receivers: Int, rssiPerDB: [Float]) -> LabelledWindows {
        LabelledWindows(x: x, labels: labels, stepLabels: stepLabels, steps: length, features: features,
                        receiverFeatures: (0..<receivers).map { [$0, receivers + $0] }, rssiPerDB: rssiPerDB)
    }
}

extension Session {
    /// The min/max scaler of a session with fitted scaling, beside the weights it belongs to.
    public var scalerURL: URL { checkpointsFolder.appendingPathComponent("scaler.json") }
}
