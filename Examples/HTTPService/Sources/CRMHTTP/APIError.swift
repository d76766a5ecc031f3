import CRMKit
import Foundation
import Hummingbird

/// A typed JSON error: `{"error": {"status": 400, "rule": "opportunity.closed", "message": "…"}}`.
///
/// `rule` is stable and machine-readable: a ``DomainRuleError/rule`` for a command that broke a
/// domain rule (400), `request.invalid` for a body or parameter that does not parse (400),
/// `customer.unknown` for a customer that does not exist (404).
public struct APIError: HTTPResponseError, Codable, Sendable, Equatable {
    /// The HTTP status code.
    public let statusCode: Int
    /// The stable identifier of what went wrong.
    public let rule: String
    /// A sentence for people.
    public let message: String

    /// Creates an error response.
    public init(status: HTTPResponse.Status, rule: String, message: String) {
        statusCode = status.code
        self.rule = rule
        self.message = message
    }

    /// A command broke a domain rule: 400 with the rule.
    public init(_ error: DomainRuleError) {
        self.init(status: .badRequest, rule: error.rule, message: error.description)
    }

    /// The HTTP status.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    private struct Body: Codable {
        let error: Payload
    }

    private struct Payload: Codable {
        let status: Int
        let rule: String
        let message: String
    }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(Body(error: Payload(status: statusCode, rule: rule, message: message)), status: status)
    }

    /// Decodes the body of an error response.
    public static func decode(_ data: Data) throws -> APIError {
        let payload = try JSONDecoder().decode(Body.self, from: data).error
        return APIError(status: HTTPResponse.Status(code: payload.status), rule: payload.rule, message: payload.message)
    }
}

/// JSON responses with sorted keys, so equal values give equal bytes.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Describes a `DecodingError` in one line, naming the field.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the body" : "'" + keys.joined(separator: ".") + "'"
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
        return "missing field '\(key.stringValue)'\(parent)"
    case .typeMismatch(let type, let context):
        return "\(path(context)) is not a \(type): \(context.debugDescription)"
    case .valueNotFound(_, let context):
        return "\(path(context)) is null"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)): \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
