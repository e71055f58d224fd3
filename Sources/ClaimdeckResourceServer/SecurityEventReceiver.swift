import Foundation
import HTTPTypes
import Hummingbird
import JOSE
import NIOCore

/// The push endpoint of RFC 8935 that an API mounts to receive Claimdeck's security events:
/// `POST` with `Content-Type: application/secevent+jwt` and the SET as the body.
///
/// Answers 202 Accepted once the SET is verified and applied; 400 with RFC 8935 §2.4's JSON
/// (`{"err": "invalid_key", "description": "…"}`) when it is refused; 401 `authentication_failed`
/// when `authorization` is set and the request's `Authorization` header is not exactly it (the value
/// the stream was created with, SSF 1.0 §8.1.1 `authorization_header`).
///
/// ```swift
/// SecurityEventReceiver(validator: validator, authorization: "Bearer " + pushSecret).mount(on: router, at: "ssf/events")
/// ```
public struct SecurityEventReceiver: Sendable {
    /// Whose caches the events clear.
    public let validator: TokenValidator
    /// The `Authorization` value the transmitter must send; nil: none required.
    public let authorization: String?

    /// Largest SET accepted.
    static let maximumBytes = 64 * 1024

    /// - Parameters:
    ///   - validator: the API's validator (its cache and revocation list).
    ///   - authorization: the exact `Authorization` header the transmitter sends, if one was agreed.
    public init(validator: TokenValidator, authorization: String? = nil) {
        self.validator = validator
        self.authorization = authorization
    }

    /// Adds `POST path` to `router`.
    public func mount<Context: RequestContext>(on router: Router<Context>, at path: RouterPath) {
        router.post(path) { request, _ in try await receive(request) }
    }

    /// Handles one push.
    public func receive(_ request: Request) async throws -> Response {
        if let authorization {
            let presented = request.headers[.authorization] ?? ""
            guard SecretDigest.constantTimeEquals(Array(presented.utf8), Array(authorization.utf8)) else {
                return Self.error(.unauthorized, SecurityEventError("authentication_failed", "the push is not authorized"))
            }
        }
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/secevent+jwt" else {
            return Self.error(.badRequest, SecurityEventError("invalid_request", "the Content-Type must be application/secevent+jwt"))
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maximumBytes) else {
            return Self.error(.badRequest, SecurityEventError("invalid_request", "the SET is larger than 64 KiB"))
        }
        let compact = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            try await validator.receiveSecurityEvent(compact)
        } catch {
            return Self.error(.badRequest, error)
        }
        return Response(status: .accepted)
    }

    static func error(_ status: HTTPResponse.Status, _ error: SecurityEventError) -> Response {
        let body = JSONValue.object(["err": .string(error.code), "description": .string(error.reason)]).serialized(sortedKeys: true)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
