import Foundation

extension ClaimdeckEngine {
    /// The scope a receiver's access token must carry to manage its stream and poll it.
    public static let streamManagementScope = "ssf.manage"

    /// The receiver a stream-management or poll request comes from: the client of the tenant's own
    /// active access token (`Authorization: Bearer`) carrying `ssf.manage` (SSF 1.0 §8.1: OAuth,
    /// `authorization_schemes` `urn:ietf:rfc:6749`). Refusals are RFC 6750 §3: 401 without an error
    /// code when no token came, 401 `invalid_token` (also for a token meant for another audience than
    /// the transmitter, the tenant's issuer: an API that was handed a token must not be able to
    /// manage streams with it), 403 `insufficient_scope`.
    func authorizeReceiver(tenantID: String, authorization: String?) async throws(OAuthError) -> Client {
        let (tenant, snapshot) = try tenant(tenantID)
        let realm = "Bearer realm=\"\(tenant.id)\""
        guard let authorization else {
            throw OAuthError(
                code: "invalid_request",
                description: "send an access token with the '\(Self.streamManagementScope)' scope as 'Authorization: Bearer <token>'",
                status: 401,
                challenge: realm
            )
        }
        guard let token = AuthorizationHeader.bearerToken(authorization) else {
            throw OAuthError(
                code: "invalid_request",
                description: "the Authorization header must use the Bearer scheme",
                status: 400,
                challenge: "\(realm), error=\"invalid_request\""
            )
        }
        func invalid(_ d: String) -> OAuthError {
            OAuthError(
                code: "invalid_token",
                description: d,
                status: 401,
                challenge: "\(realm), error=\"invalid_token\", error_description=\"\(OAuthError.wireText(d))\""
            )
        }
        let record: TokenRecord?
        do {
            record = try await TokenLocator.locate(token, tenantID: tenant.id, store: store)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let record, record.kind == .access, record.status(at: clock.now()) == .active,
            let client = snapshot.client(tenant.id, record.clientID), !client.disabled
        else { throw invalid("the access token is not active") }
        guard record.dpopKeyThumbprint == nil, record.certificateThumbprint == nil else {
            throw invalid("the access token is sender-constrained; stream management takes plain bearer tokens")
        }
        guard record.scopes.contains(Self.streamManagementScope) else {
            throw .insufficientScope(
                "the access token lacks the '\(Self.streamManagementScope)' scope",
                scope: Self.streamManagementScope,
                realm: realm
            )
        }
        let issuer = configuration.issuer(for: tenant.id)
        guard record.audiences.contains(issuer) else {
            throw invalid(
                "the access token is not meant for the transmitter: its aud must include the issuer \(issuer); register the receiver with --audience \(issuer)"
            )
        }
        return client
    }
}
