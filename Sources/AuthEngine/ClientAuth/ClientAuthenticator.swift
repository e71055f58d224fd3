import Foundation
import JOSE

/// Checks presented client credentials against the registered client.
struct ClientAuthenticator: Sendable {
    let store: any TokenStore
    let configuration: EngineConfiguration
    let clock: any WallClock

    /// Longest accepted lifetime of a client assertion: a long-lived one is a stolen-credential risk.
    static let maxAssertionLifetime: TimeInterval = 3600
    static let clockSkew: TimeInterval = 60

    /// The authenticated client.
    ///
    /// - Parameter allowPublic: whether a public client naming itself is acceptable (revocation).
    func authenticate(_ credentials: PresentedClientCredentials, tenant: Tenant, snapshot: ConfigSnapshot,
                      endpointURL: String, allowPublic: Bool) async throws(OAuthError) -> Client {
        let realm = tenant.id
        switch credentials {
        case .none:
            throw .invalidClient("client authentication is required", realm: realm)
        case .basic(let id, let secret), .post(let id, let secret):
            let client = try registered(id, tenant: tenant, snapshot: snapshot)
            let used: ClientAuthMethod
            if case .basic = credentials { used = .clientSecretBasic } else { used = .clientSecretPost }
            guard client.authMethod.usesSecret, let digest = client.secretDigest else {
                throw .invalidClient("client '\(id)' does not authenticate with a secret; it is registered for \(client.authMethod.rawValue)", realm: realm)
            }
            guard client.authMethod == used else {
                throw .invalidClient("client '\(id)' is registered for \(client.authMethod.rawValue), not \(used.rawValue)", realm: realm)
            }
            guard SecretDigest.matches(secret, digest: digest) else {
                throw .invalidClient("client authentication failed: wrong secret", realm: realm)
            }
            return client
        case .assertion(let formID, let type, let assertion):
            guard type == PresentedClientCredentials.jwtBearerAssertionType else {
                throw .invalidClient("client_assertion_type must be \(PresentedClientCredentials.jwtBearerAssertionType)", realm: realm)
            }
            return try await verifyAssertion(assertion, formClientID: formID, tenant: tenant, snapshot: snapshot, endpointURL: endpointURL)
        case .clientIDOnly(let id):
            let client = try registered(id, tenant: tenant, snapshot: snapshot)
            guard client.authMethod == .none else {
                throw .invalidClient("client '\(id)' must authenticate (\(client.authMethod.rawValue))", realm: realm)
            }
            guard allowPublic else {
                throw .invalidClient("public client '\(id)' cannot use this endpoint", realm: realm)
            }
            return client
        }
    }

    private func registered(_ id: String, tenant: Tenant, snapshot: ConfigSnapshot) throws(OAuthError) -> Client {
        guard let client = snapshot.client(tenant.id, id) else {
            throw .invalidClient("unknown client '\(Validation.printable(id))'", realm: tenant.id)
        }
        guard !client.disabled else {
            throw .invalidClient("client '\(id)' is disabled", realm: tenant.id)
        }
        return client
    }

    /// RFC 7523 §3 checks of a `private_key_jwt` assertion.
    private func verifyAssertion(_ assertion: String, formClientID: String?, tenant: Tenant, snapshot: ConfigSnapshot,
                                 endpointURL: String) async throws(OAuthError) -> Client {
        let realm = tenant.id
        guard assertion.utf8.count <= 8192, let jws = JWS.parse(assertion) else {
            throw .invalidClient("client_assertion is not a compact JWS", realm: realm)
        }
        guard let iss = jws.payload["iss"]?.stringValue, let sub = jws.payload["sub"]?.stringValue, iss == sub else {
            throw .invalidClient("client_assertion must have iss and sub equal to the client_id", realm: realm)
        }
        if let formClientID, formClientID != sub {
            throw .invalidClient("client_id does not match the client_assertion's sub", realm: realm)
        }
        let client = try registered(sub, tenant: tenant, snapshot: snapshot)
        guard client.authMethod == .privateKeyJWT, let jwks = client.jwks else {
            throw .invalidClient("client '\(sub)' is not registered for private_key_jwt", realm: realm)
        }
        let candidates = jws.keyID.map { kid in jwks.keys.filter { $0.kid == kid } } ?? jwks.keys
        let verified = candidates.contains { jwk in
            guard let key = try? VerificationKey(jwk: jwk) else { return false }
            return jws.verify(with: key)
        }
        guard verified else {
            throw .invalidClient("client_assertion signature does not verify with the client's registered keys", realm: realm)
        }
        let issuer = configuration.issuer(for: tenant.id)
        let audiences: [String]
        switch jws.payload["aud"] {
        case .string(let a): audiences = [a]
        case .array(let list): audiences = list.compactMap(\.stringValue)
        default: audiences = []
        }
        guard audiences.contains(where: { $0 == issuer || $0 == endpointURL || $0 == issuer + "/token" }) else {
            throw .invalidClient("client_assertion aud must be the issuer '\(issuer)' or the token endpoint", realm: realm)
        }
        let now = clock.now()
        guard let exp = jws.payload["exp"]?.doubleValue else {
            throw .invalidClient("client_assertion has no exp", realm: realm)
        }
        let expiry = Date(timeIntervalSince1970: exp)
        guard expiry.addingTimeInterval(Self.clockSkew) > now else {
            throw .invalidClient("client_assertion has expired", realm: realm)
        }
        guard expiry.timeIntervalSince(now) <= Self.maxAssertionLifetime else {
            throw .invalidClient("client_assertion lives too long: exp must be within \(Int(Self.maxAssertionLifetime)) s", realm: realm)
        }
        if let nbf = jws.payload["nbf"]?.doubleValue, Date(timeIntervalSince1970: nbf) > now.addingTimeInterval(Self.clockSkew) {
            throw .invalidClient("client_assertion is not valid yet (nbf)", realm: realm)
        }
        guard let jti = jws.payload["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            throw .invalidClient("client_assertion needs a jti of at most 256 bytes", realm: realm)
        }
        let fresh: Bool
        do {
            fresh = try await store.consumeAssertionID(tenantID: tenant.id, clientID: sub, jti: jti,
                                                       expiresAt: expiry.addingTimeInterval(Self.clockSkew), now: now)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard fresh else {
            throw .invalidClient("client_assertion jti was already used (replay)", realm: realm)
        }
        return client
    }
}
