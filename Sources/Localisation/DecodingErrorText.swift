import Foundation

/// One line for a JSON file that does not decode, naming the field by its JSON path
/// (`rooms[3].polygon[0].x`), so the person can find it; Foundation's own text names neither.
public func describeDecodingError(_ error: Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ keys: [CodingKey]) -> String {
        let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        return text.isEmpty ? "top level" : text
    }
    switch error {
    case let .keyNotFound(key, ctx): return "missing field \"\(key.stringValue)\" at \(path(ctx.codingPath))"
    case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)): expected \(type)"
    case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)): expected \(type), found null"
    case let .dataCorrupted(ctx):
        let underlying = (ctx.underlyingError as NSError?)?.localizedDescription ?? ctx.debugDescription
        return ctx.codingPath.isEmpty ? "invalid JSON (\(underlying))" : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}
