import Foundation
import HTTPTypes
import Hummingbird

/// Protects the routes behind it: reads the RFC 6750 §2.1 `Authorization: Bearer` token, validates it
/// with a `TokenValidator`, checks the scopes the routes need, and puts the `Principal` in the context.
///
/// Refusals follow RFC 6750 §3 exactly:
/// - no credentials (no `Authorization`, or another scheme): 401 with `WWW-Authenticate: Bearer realm="…"`, no error code;
/// - a malformed header (empty or non-b64token token, several `Authorization` headers): 400 `invalid_request`;
/// - a bad, expired, unknown, revoked or key-bound token: 401 `invalid_token` with an `error_description`;
/// - a valid token without every required scope: 403 `insufficient_scope` with the `scope` attribute;
/// - the authorization server unreachable (the token can be neither accepted nor refused): 503.
///
/// ```swift
/// router.group("invoices").add(middleware: BearerAuthMiddleware(validator: validator, requiredScopes: ["invoice-read"]))
/// ```
public struct BearerAuthMiddleware<Context: ResourceServerRequestContext>: RouterMiddleware {
    /// Validates the tokens.
    public let validator: TokenValidator
    /// Every scope a request's token must carry (none: any valid token).
    public let requiredScopes: [String]

    /// - Parameters:
    ///   - validator: shared by every route of the API, so its caches are too.
    ///   - requiredScopes: the scopes the routes behind this middleware need.
    public init(validator: TokenValidator, requiredScopes: [String] = []) {
        self.validator = validator
        self.requiredScopes = requiredScopes
    }

    /// Validates the request's token and calls `next` with the principal set, or answers the refusal.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let realm = validator.configuration.realm
        let token: String
        switch Self.bearerToken(request.headers[values: .authorization]) {
        case .success(let found): token = found
        case .failure(let challenge): return challenge.response(realm: realm)
        }
        let principal: Principal
        do {
            principal = try await validator.validate(token)
        } catch {
            return BearerChallenge.refusal(error).response(realm: realm)
        }
        guard principal.hasScopes(requiredScopes) else {
            return BearerChallenge(
                status: .forbidden,
                error: "insufficient_scope",
                description: "the token lacks a scope this resource requires",
                scope: requiredScopes
            ).response(realm: realm)
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    /// The token of the `Authorization` header(s), or the challenge to answer.
    static func bearerToken(_ values: [String]) -> Result<String, BearerChallenge> {
        guard let value = values.first else { return .failure(BearerChallenge(status: .unauthorized)) }
        guard values.count == 1 else {
            return .failure(
                BearerChallenge(status: .badRequest, error: "invalid_request", description: "the request has more than one Authorization header")
            )
        }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0].lowercased() == "bearer" else {
            if parts[0].lowercased() == "dpop" {
                return .failure(
                    BearerChallenge(
                        status: .unauthorized,
                        error: "invalid_token",
                        description: "this API accepts Bearer tokens only; DPoP proofs are not checked here"
                    )
                )
            }
            // Another scheme (Basic, ...) is no bearer credential at all: §3.1, no error code.
            return .failure(BearerChallenge(status: .unauthorized))
        }
        let token = parts.count == 2 ? parts[1].trimmingCharacters(in: .init(charactersIn: " ")) : ""
        guard !token.isEmpty, isB64Token(token) else {
            return .failure(
                BearerChallenge(
                    status: .badRequest,
                    error: "invalid_request",
                    description: "the Authorization header has no well-formed Bearer token"
                )
            )
        }
        return .success(token)
    }

    /// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    static func isB64Token(_ token: String) -> Bool {
        var padding = false
        for byte in token.utf8 {
            switch byte {
            case UInt8(ascii: "="): padding = true
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                if padding { return false }
            default: return false
            }
        }
        return !token.utf8.allSatisfy { $0 == UInt8(ascii: "=") }
    }
}
