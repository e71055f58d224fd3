import AuthEngine
import Foundation
import Hummingbird
import NIOCore

/// Reads an `application/x-www-form-urlencoded` body strictly: the right content type, at most
/// `maxBytes`, valid UTF-8 after percent-decoding. Anything else is an `invalid_request`.
enum FormBody {
    static let maxBytes = 64 * 1024

    static func read(_ request: Request, context: ClaimdeckRequestContext) async throws(OAuthError) -> FormParameters {
        guard let type = request.headers[.contentType], hasMediaType(type, "application/x-www-form-urlencoded") else {
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

    /// Whether a Content-Type header names `expected` (case-insensitive, parameters such as charset ignored).
    static func hasMediaType(_ headerValue: String, _ expected: StaticString) -> Bool {
        var value = headerValue.utf8[...]
        if let semicolon = value.firstIndex(of: UInt8(ascii: ";")) { value = value[..<semicolon] }
        while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        while value.last == UInt8(ascii: " ") { value = value.dropLast() }
        let e = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        return value.count == e.count && zip(value, e).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
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
