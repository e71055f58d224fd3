import AuthEngine
import Foundation
import Hummingbird
import JOSE
import NIOCore

/// Builds the responses of the OAuth endpoints: JSON, never cached (RFC 6749 §5.1). Error answers are
/// `OAuthError`'s own (`OAuthError+HTTPResponseError.swift`), built on `json` here.
enum HTTPResponses {
    static func json(
        _ bytes: [UInt8],
        status: HTTPResponse.Status = .ok,
        cacheable: Bool = false,
        contentType: String = "application/json"
    ) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if cacheable {
            headers[.cacheControl] = "public, max-age=300"
        } else {
            headers[.cacheControl] = "no-store"
            headers[HTTPFields.pragmaName] = "no-cache"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, cacheable: Bool = false) -> Response {
        json(Array(value.serialized()), status: status, cacheable: cacheable)
    }
}

extension HTTPFields {
    /// HTTP/1.0 caches honour `Pragma: no-cache` (RFC 6749 §5.1 asks for it beside Cache-Control).
    static let pragmaName = HTTPFields.Element.Name("Pragma")!
    /// RFC 9449 §4.1: the proof of possession a request carries.
    static let dpopName = HTTPFields.Element.Name("DPoP")!
    /// RFC 9449 §8.1: the nonce the next proof must carry.
    static let dpopNonceName = HTTPFields.Element.Name("DPoP-Nonce")!
}
