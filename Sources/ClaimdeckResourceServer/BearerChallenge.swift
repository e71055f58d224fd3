import Foundation
import HTTPTypes
import Hummingbird
import JOSE
import NIOCore

/// An RFC 6750 §3 refusal: the status, the `WWW-Authenticate: Bearer` challenge and a small JSON body.
public struct BearerChallenge: Error, Sendable, Hashable {
    /// The HTTP status: 400, 401 or 403 (or 503 when the token could not be checked at all).
    public var status: HTTPResponse.Status
    /// The `error` attribute (`invalid_request`, `invalid_token`, `insufficient_scope`); nil when the
    /// request carried no credentials (§3.1: then no error code is sent).
    public var error: String?
    /// The `error_description`, a fixed log-safe phrase.
    public var description: String?
    /// The `scope` attribute: the scopes the route needs.
    public var scope: [String]

    /// A challenge.
    public init(status: HTTPResponse.Status, error: String? = nil, description: String? = nil, scope: [String] = []) {
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope
    }

    /// The `WWW-Authenticate` value: `Bearer realm="…", error="…", error_description="…", scope="…"`.
    public func headerValue(realm: String) -> String {
        var attributes = [#"realm="\#(Self.quotable(realm))""#]
        if let error { attributes.append(#"error="\#(error)""#) }
        if let description { attributes.append(#"error_description="\#(Self.quotable(description))""#) }
        if !scope.isEmpty { attributes.append(#"scope="\#(Self.quotable(scope.joined(separator: " ")))""#) }
        return "Bearer " + attributes.joined(separator: ", ")
    }

    /// The response: no-store, the challenge (except for 503) and, with an error, `{"error", "error_description"}`.
    public func response(realm: String) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if status != .serviceUnavailable { headers[.wwwAuthenticate] = headerValue(realm: realm) }
        guard let error else { return Response(status: status, headers: headers) }
        var body: [String: JSONValue] = ["error": .string(error)]
        if let description { body["error_description"] = .string(description) }
        headers[.contentType] = "application/json"
        let data = JSONValue.object(body).serialized(sortedKeys: true)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// RFC 6750 §3: attribute values are %x20-21 / %x23-5B / %x5D-7E; anything else becomes a space.
    static func quotable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    let v = scalar.value
                    return (v >= 0x20 && v <= 0x7E && v != 0x22 && v != 0x5C) ? scalar : " "
                }
            )
        )
    }

    /// The challenge for a refused or uncheckable token.
    static func refusal(_ error: TokenValidationError) -> BearerChallenge {
        switch error {
        case .invalidToken(let reason), .boundTokenPresentedAsBearer(let reason):
            BearerChallenge(status: .unauthorized, error: "invalid_token", description: reason)
        case .authorizationServerUnavailable, .untrustedIntrospectionAnswer:
            BearerChallenge(
                status: .serviceUnavailable,
                error: "temporarily_unavailable",
                description: "the token cannot be checked now; try again later"
            )
        case .claimsLookupFailed:
            BearerChallenge(
                status: .serviceUnavailable,
                error: "temporarily_unavailable",
                description: "the API cannot load its data for this token now; try again later"
            )
        }
    }
}
