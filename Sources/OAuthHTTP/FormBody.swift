import AuthEngine
import Foundation
import Hummingbird
import NIOCore

/// Reads an `application/x-www-form-urlencoded` body strictly: the right content type, at most
/// `maxBytes`, valid UTF-8 after percent-decoding. Anything else is an `invalid_request`.
enum FormBody {
    static let maxBytes = 64 * 1024

    static func read(_ request: Request, context: ClaimdeckRequestContext) async throws(OAuthError) -> FormParameters {
        guard let type = request.headers[.contentType], mediaType(type) == "application/x-www-form-urlencoded" else {
            throw .invalidRequest("Content-Type must be application/x-www-form-urlencoded")
        }
        let bytes = try await collect(request)
        return try parse(bytes)
    }

    /// The body, at most `maxBytes`.
    static func collect(_ request: Request) async throws(OAuthError) -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: maxBytes)
            return Array(buffer.readableBytesView)
        } catch {
            throw OAuthError(code: "invalid_request", description: "the request body is larger than \(maxBytes) bytes", status: 413)
        }
    }

    static func mediaType(_ headerValue: String) -> String {
        headerValue.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func parse(_ bytes: [UInt8]) throws(OAuthError) -> FormParameters {
        guard let pairs = FormEncoding.pairs(bytes) else {
            throw .invalidRequest("the request body is not valid form encoding: a malformed %-escape or bytes that are not UTF-8")
        }
        for (key, value) in pairs where key.utf8.contains(where: { $0 < 0x20 }) || value.utf8.contains(0) {
            throw .invalidRequest("the request body contains control characters")
        }
        return FormParameters(pairs: pairs.filter { !$0.0.isEmpty })
    }
}
