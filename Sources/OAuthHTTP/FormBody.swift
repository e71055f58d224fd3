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
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidRequest("the request body is not valid UTF-8")
        }
        var pairs: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = PresentedClientCredentials.formDecode(String(kv[0])),
                  let value = PresentedClientCredentials.formDecode(kv.count > 1 ? String(kv[1]) : "") else {
                throw .invalidRequest("the request body has a malformed percent-encoding or encodes bytes that are not UTF-8")
            }
            if key.unicodeScalars.contains(where: { $0.value < 0x20 }) || value.unicodeScalars.contains(where: { $0.value == 0 }) {
                throw .invalidRequest("the request body contains control characters")
            }
            if !key.isEmpty { pairs.append((key, value)) }
        }
        return FormParameters(pairs: pairs)
    }
}
