import Foundation
import JOSE

extension ClaimdeckEngine {
    /// RFC 7523 §2.1: a partner's signed assertion as an authorization grant. Its `iss` must be a
    /// `TrustedIssuer` of the tenant whose keys verify it; `aud`, `exp`, `nbf`, `iat` and a single-use
    /// `jti` are checked as for client assertions (§3); its `sub` is mapped to a local user (who must
    /// exist and be enabled) or passed through. Every refusal of the assertion is `invalid_grant` (§3.1).
    func jwtBearer(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot,
        endpointURL: String
    ) async throws(OAuthError) -> TokenResponse {
        guard client.grantTypes.contains(.jwtBearer) else {
            throw .unauthorizedClient("client '\(client.id)' is not allowed the jwt-bearer grant")
        }
        let assertion = try request.form.required("assertion")
        let verifier = JWTAssertionVerifier(store: store, clock: clock, parameter: "assertion") { .invalidGrant($0) }
        let jws = try verifier.parse(assertion)
        guard let iss = jws.payload["iss"]?.stringValue, !iss.isEmpty else {
            throw .invalidGrant("assertion has no iss")
        }
        guard let trusted = snapshot.trustedIssuers[tenant.id]?[iss] else {
            throw .invalidGrant(
                "assertion issuer '\(Validation.printable(iss))' is not trusted by tenant '\(tenant.id)'; an admin registers it with 'claimdeck issuer add'"
            )
        }
        if !trusted.clients.isEmpty && !trusted.clients.contains(client.id) {
            throw .invalidGrant("client '\(client.id)' may not present assertions of issuer '\(Validation.printable(iss))'")
        }
        guard let sub = jws.payload["sub"]?.stringValue, !sub.isEmpty, sub.utf8.count <= 256 else {
            throw .invalidGrant("assertion needs a sub of 1 to 256 bytes")
        }
        if let typ = jws.type?.lowercased(), typ == "at+jwt" || typ == "application/at+jwt" {
            throw .invalidGrant("assertion is an access token (typ at+jwt), not an authorization grant")
        }
        let jti = try await verifier.verify(
            jws,
            keys: trusted.jwks,
            algorithms: trusted.algorithms,
            audiences: JWTAssertionVerifier.acceptedAudiences(issuer: configuration.issuer(for: tenant.id), endpointURL: endpointURL),
            maxLifetime: TimeInterval(trusted.maxAssertionLifetime),
            tenantID: tenant.id,
            replayScope: Self.replayScope(issuer: iss)
        )
        let subject = try await mappedSubject(sub, issuer: trusted, snapshot: snapshot)

        let requested = try request.form.single("scope")
        var scopes = try ScopePolicy.granted(requested: requested, client: client)
        if requested != nil {
            if let outside = scopes.first(where: { !trusted.scopes.contains($0) }) {
                throw .invalidScope("scope '\(outside)' is not allowed for assertions of issuer '\(Validation.printable(iss))'")
            }
        } else {
            scopes = scopes.filter { trusted.scopes.contains($0) }
            guard !scopes.isEmpty else {
                throw .invalidScope("client '\(client.id)' and issuer '\(Validation.printable(iss))' have no allowed scope in common")
            }
        }
        let clientAudiences = AudiencePolicy.allowed(client: client, scopes: scopes, snapshot: snapshot)
        let allowed = trusted.audiences.isEmpty ? clientAudiences : clientAudiences.filter { trusted.audiences.contains($0) }
        let targets = try AudiencePolicy.requested(resources: request.form.all("resource"), audience: request.form.single("audience"))
        if targets.isEmpty && allowed.isEmpty {
            throw .invalidTarget("client '\(client.id)' and issuer '\(Validation.printable(iss))' have no allowed audience in common")
        }
        let audiences = try AudiencePolicy.select(
            targets,
            allowed: allowed,
            owner: "client '\(client.id)' with assertions of issuer '\(Validation.printable(iss))'"
        )
        return try await issueAccessToken(
            .init(
                tenant: tenant,
                client: client,
                subject: subject,
                scopes: scopes,
                audiences: audiences,
                grantType: .jwtBearer,
                lifetime: client.accessTokenLifetime
            ),
            snapshot: snapshot,
            details: ["assertion_iss": iss, "assertion_jti": jti, "subject_mapping": trusted.subjectMapping.description],
            boundTo: request.confirmation
        )
    }

    /// The replay namespace of an issuer's `jti`s: it contains ':', which no client id may, so it never
    /// meets a client's own `private_key_jwt` namespace.
    static func replayScope(issuer: String) -> String { "trusted-issuer:" + issuer }

    /// The subject of the issued token. The assertion's `sub` is not quoted in errors: it may be a
    /// partner's identifier for a person.
    private func mappedSubject(_ sub: String, issuer: TrustedIssuer, snapshot: ConfigSnapshot) async throws(OAuthError) -> String {
        let tenantID = issuer.tenantID
        let user: User?
        do {
            switch issuer.subjectMapping {
            case .passThrough(let prefix):
                let subject = prefix + sub
                // Without a prefix a partner could name a local user or client and be issued their tokens.
                let localUser = try await store.user(tenantID: tenantID, id: subject)
                if snapshot.client(tenantID, subject) != nil || localUser != nil {
                    throw OAuthError.invalidGrant(
                        "the assertion's subject is the id of a local user or client of tenant '\(tenantID)'; give issuer '\(Validation.printable(issuer.issuer))' a subject prefix"
                    )
                }
                return subject
            case .userID:
                user = try await store.user(tenantID: tenantID, id: sub)
            case .username:
                user = try await store.users(tenantID: tenantID).first { $0.username == sub }
            case .userAttribute(let path):
                let matches = try await store.users(tenantID: tenantID).filter { Self.attribute(path, of: $0) == sub }
                guard matches.count <= 1 else {
                    throw OAuthError.invalidGrant("the assertion's sub matches \(matches.count) users by attribute '\(path)'; it must identify one")
                }
                user = matches.first
            }
        } catch let error as OAuthError {
            throw error
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let user else {
            throw .invalidGrant("the assertion's sub does not map to a user of tenant '\(tenantID)' (mapping: \(issuer.subjectMapping))")
        }
        guard !user.disabled else {
            throw .invalidGrant("the user the assertion's sub maps to is disabled")
        }
        return user.id
    }

    /// The string at a dotted path of a user's attributes.
    static func attribute(_ path: String, of user: User) -> String? {
        var current: JSONValue = .object(user.attributes)
        for segment in path.split(separator: ".") {
            guard let next = current[String(segment)] else { return nil }
            current = next
        }
        return current.stringValue
    }
}
