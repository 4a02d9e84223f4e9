import Foundation

/// A split by recording as a person types it: `--train 1-5 --val 6 --test 7`.
///
/// Each part is a comma-separated list of recordings, each a name ("00006", "A-fp"), a number,
/// or a range "a-b" of either (inclusive, in the data set's order). A number n means the
/// recording whose name reads as n ("00006" is 6) when there is one, else the n-th recording.
/// An empty `train` means every recording not used for validation or test. `validation` "none"
/// means no validation recording (for data with only two recordings, such as the study's fp/fl
/// pair): early stopping then watches the training windows, and the test set stays untouched.
public struct SplitSpec: Codable, Sendable, Equatable {
    public var train: String
    public var validation: String
    public var test: String

    public init(train: String = "", validation: String, test: String) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public func resolve(against names: [String]) throws -> SessionConfig.Split {
        let noValidation = validation.trimmingCharacters(in: .whitespaces).lowercased() == "none"
        let validationIndices = noValidation ? [] : try Self.recordings(validation, names: names, part: "validation")
        let testIndices = try Self.recordings(test, names: names, part: "test")
        let trainIndices = train.trimmingCharacters(in: .whitespaces).isEmpty
            ? names.indices.filter { !validationIndices.contains($0) && !testIndices.contains($0) }
            : try Self.recordings(train, names: names, part: "training")
        let all = trainIndices + validationIndices + testIndices
        if let twice = names.indices.first(where: { i in all.filter { $0 == i }.count > 1 }) {
            throw SessionError.mismatch("recording \(names[twice]) is in more than one of training, validation and test")
        }
        for (part, indices) in [("training", trainIndices), ("validation", noValidation ? [-1] : validationIndices), ("test", testIndices)]
        where indices.isEmpty {
            throw SessionError.mismatch("no \(part) recording")
        }
        return SessionConfig.Split(train: trainIndices, validation: validationIndices, test: testIndices)
    }

    /// Indices of the recordings `text` names, in the order given, without repeats.
    public static func recordings(_ text: String, names: [String], part: String = "split") throws -> [Int] {
        var out: [Int] = []
        for raw in text.split(separator: ",") {
            let token = raw.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { continue }
            for index in try indices(of: token, names: names, part: part) where !out.contains(index) { out.append(index) }
        }
        return out
    }

    private static func indices(of token: String, names: [String], part: String) throws -> [Int] {
        if let index = single(token, names: names) { return [index] }
        // Names may hold dashes themselves ("A-fp"), so every dash is tried as the range separator.
        for dash in token.indices where token[dash] == "-" {
            let lower = String(token[..<dash]), upper = String(token[token.index(after: dash)...])
            if let a = single(lower, names: names), let b = single(upper, names: names) {
                guard a <= b else { throw SessionError.mismatch("\(part) range \"\(token)\" runs backwards") }
                return Array(a...b)
            }
        }
        throw SessionError.mismatch("\(part): no recording \"\(token)\" (the data has \(names.joined(separator: ", ")))")
    }

    private static func single(_ token: String, names: [String]) -> Int? {
        if let exact = names.firstIndex(of: token) { return exact }
        guard let number = Int(token) else { return nil }
        if let named = names.firstIndex(where: { Int($0) == number }) { return named }
        return number >= 1 && number <= names.count ? number - 1 : nil
    }
}
