import Foundation
import JOSE

/// Checks presented client credentials against the registered client.
struct ClientAuthenticator: Sendable {
    let store: any TokenStore
    let configuration: EngineConfiguration
    let clock: any WallClock

    /// Longest accepted lifetime of a client assertion: a long-lived one is a stolen-credential risk.
    static let maxAssertionLifetime: TimeInterval = 3600

    /// The authenticated client.
    ///
    /// - Parameters:
    ///   - certificate: the client certificate of the request's TLS connection, for RFC 8705 clients.
    ///   - allowPublic: whether a public client naming itself is acceptable (revocation).
    func authenticate(
        _ credentials: PresentedClientCredentials,
        certificate: ClientCertificate? = nil,
        tenant: Tenant,
        snapshot: ConfigSnapshot,
        endpointURL: String,
        allowPublic: Bool
    ) async throws(OAuthError) -> Client {
        let realm = tenant.id
        switch credentials {
        case .none:
            throw .invalidClient("client authentication is required", realm: realm)
        case .basic(let id, let secret), .post(let id, let secret):
            let client = try registered(id, tenant: tenant, snapshot: snapshot)
            let used: ClientAuthMethod
            if case .basic = credentials { used = .clientSecretBasic } else { used = .clientSecretPost }
            guard client.authMethod.usesSecret, let digest = client.secretDigest else {
                throw .invalidClient(
                    "client '\(id)' does not authenticate with a secret; it is registered for \(client.authMethod.rawValue)",
                    realm: realm
                )
            }
            // RFC 6749 section 2.3.1: the server MUST support Basic for every client issued a password;
            // the form body is the registered alternative, taken only from clients registered for it.
            guard client.authMethod == used || used == .clientSecretBasic else {
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
            if client.authMethod.usesCertificate {
                try Self.verify(certificate, of: client, realm: realm)
                return client
            }
            guard client.authMethod == .none else {
                throw .invalidClient("client '\(id)' must authenticate (\(client.authMethod.rawValue))", realm: realm)
            }
            guard allowPublic else {
                throw .invalidClient("public client '\(id)' cannot use this endpoint", realm: realm)
            }
            return client
        }
    }

    /// RFC 8705 §2: the connection's certificate authenticates `client`: for `tls_client_auth` its
    /// chain verifies against the trusted client CAs and it carries the registered name (§2.1); for
    /// `self_signed_tls_client_auth` its public key is one of the registered JWKS (§2.2). What a
    /// refusal says names the certificate by subject and thumbprint only.
    static func verify(_ certificate: ClientCertificate?, of client: Client, realm: String) throws(OAuthError) {
        let method = client.authMethod.rawValue
        guard let certificate else {
            throw .invalidClient(
                "mtls: client '\(client.id)' authenticates with \(method) but the request came without a client certificate "
                    + "(send it to the mtls_endpoint_aliases endpoint with the certificate)",
                realm: realm
            )
        }
        let named =
            "the client certificate (subject '\(Validation.printable(certificate.subjectDN, limit: 256))', x5t#S256 \(certificate.thumbprint))"
        if client.authMethod == .tlsClientAuth {
            guard certificate.chainVerified else {
                throw .invalidClient(
                    "mtls: \(named) does not verify against the trusted client CAs: \(certificate.chainFailure ?? "no trusted CA")",
                    realm: realm
                )
            }
            guard let name = client.spec.tlsClientAuthNames.first,
                CertificateName.matches(key: name.key, registered: name.value, certificate: certificate)
            else {
                let key = client.spec.tlsClientAuthNames.first?.key ?? "tls_client_auth_subject_dn"
                throw .invalidClient("mtls: \(named) does not carry the \(key) registered for client '\(client.id)'", realm: realm)
            }
            return
        }
        let presented = try? VerificationKey(pem: certificate.publicKeyPEM).thumbprint
        let registered = (client.jwks?.keys ?? []).compactMap { try? VerificationKey(jwk: $0).thumbprint }
        guard let presented, registered.contains(presented) else {
            throw .invalidClient("mtls: the public key of \(named) is not in the JWKS registered for client '\(client.id)'", realm: realm)
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

    /// RFC 7523 §3 checks of a `private_key_jwt` assertion: `iss` and `sub` name the client, whose
    /// registered keys verify it; the rest is `JWTAssertionVerifier`'s.
    private func verifyAssertion(
        _ assertion: String,
        formClientID: String?,
        tenant: Tenant,
        snapshot: ConfigSnapshot,
        endpointURL: String
    ) async throws(OAuthError) -> Client {
        let realm = tenant.id
        let verifier = JWTAssertionVerifier(store: store, clock: clock, parameter: "client_assertion") {
            .invalidClient($0, realm: realm)
        }
        let jws = try verifier.parse(assertion)
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
        // FAPI 2.0 section 5.3.2.1: "only accept its issuer identifier value ... as a string in the aud
        // claim", and section 5.4.1's algorithms.
        let fapi2 = tenant.profile(for: client.spec) == .fapi2
        let issuer = configuration.issuer(for: tenant.id)
        try await verifier.verify(
            jws,
            keys: jwks,
            algorithms: fapi2 ? FAPI2.signingAlgorithms : nil,
            audiences: fapi2 ? [issuer] : JWTAssertionVerifier.acceptedAudiences(issuer: issuer, endpointURL: endpointURL),
            audienceAsString: fapi2,
            maxLifetime: Self.maxAssertionLifetime,
            tenantID: tenant.id,
            replayScope: sub
        )
        return client
    }
}
