import Foundation
import JOSE

extension ClaimdeckEngine {
    /// Registers a partner whose signed assertions the tenant accepts with the jwt-bearer grant.
    /// Every field is checked. An issuer already registered is a conflict unless `replace` is set: then
    /// its whole definition is replaced in one step, so a partner's keys rotate without a gap.
    public func addTrustedIssuer(
        tenantID: String,
        _ spec: TrustedIssuerSpec,
        replace: Bool = false,
        actor: String
    ) async throws(AdminError) -> TrustedIssuer {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else {
            throw .notFound("no tenant '\(Validation.printable(tenantID))'; 'claimdeck tenant list' shows the tenants")
        }
        let existing = snapshot.trustedIssuers[tenantID]?[spec.issuer]
        if existing != nil && !replace {
            throw AdminError(
                code: .conflict,
                field: "issuer",
                message:
                    "'\(Validation.printable(spec.issuer))' is already trusted in tenant '\(tenantID)'; use --replace to change it, or 'claimdeck issuer remove' first"
            )
        }
        var issuer = try validated(spec, tenantID: tenantID, snapshot: snapshot)
        issuer.createdAt = existing?.createdAt ?? issuer.createdAt
        try await applyConfig(
            [.putTrustedIssuer(issuer)],
            audit: [
                AuditEventDraft(
                    time: issuer.updatedAt,
                    type: existing == nil ? .trustedIssuerAdded : .trustedIssuerUpdated,
                    tenantID: tenantID,
                    actor: actor,
                    details: [
                        "issuer": issuer.issuer, "kids": issuer.jwks.keys.map { $0.kid ?? "-" }.joined(separator: " "),
                        "algorithms": issuer.algorithms.map(\.rawValue).joined(separator: " "),
                        "subject_mapping": issuer.subjectMapping.description, "scopes": issuer.scopes.joined(separator: " "),
                        "audiences": issuer.audiences.joined(separator: " "), "clients": issuer.clients.joined(separator: " "),
                    ]
                )
            ]
        )
        return issuer
    }

    /// The tenant's trusted issuers, by `iss`.
    public func trustedIssuers(tenantID: String) throws(AdminError) -> [TrustedIssuer] {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        return (snapshot.trustedIssuers[tenantID] ?? [:]).values.sorted { $0.issuer < $1.issuer }
    }

    /// One trusted issuer by its exact `iss`, `notFound` naming the list command otherwise.
    public func trustedIssuer(tenantID: String, issuer: String) throws(AdminError) -> TrustedIssuer {
        guard let found = try trustedIssuers(tenantID: tenantID).first(where: { $0.issuer == issuer }) else {
            throw .notFound(
                "no trusted issuer '\(Validation.printable(issuer))' in tenant '\(Validation.printable(tenantID))'; 'claimdeck issuer list --tenant \(Validation.printable(tenantID))' shows them"
            )
        }
        return found
    }

    /// Removes a trusted issuer: its assertions are refused from now on. Tokens already issued from
    /// them stay valid until they expire or are revoked.
    public func removeTrustedIssuer(tenantID: String, issuer: String, actor: String) async throws(AdminError) {
        _ = try trustedIssuer(tenantID: tenantID, issuer: issuer)
        try await applyConfig(
            [.deleteTrustedIssuer(tenantID: tenantID, issuer: issuer)],
            audit: [
                AuditEventDraft(time: clock.now(), type: .trustedIssuerRemoved, tenantID: tenantID, actor: actor, details: ["issuer": issuer])
            ]
        )
    }

    private func validated(_ spec: TrustedIssuerSpec, tenantID: String, snapshot: ConfigSnapshot) throws(AdminError) -> TrustedIssuer {
        let iss = spec.issuer
        try Validation.utf8Text(iss, field: "issuer")
        if iss.isEmpty || iss.utf8.count > 2048
            || iss.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        {
            throw .invalid(field: "issuer", "'\(Validation.printable(iss))' is not valid: 1 to 2048 bytes without spaces or control characters")
        }
        if iss == configuration.issuer(for: tenantID) {
            throw .invalid(field: "issuer", "'\(iss)' is this tenant's own issuer; a trusted issuer is a partner")
        }
        let keys = spec.jwks.keys
        guard !keys.isEmpty, keys.count <= 20 else { throw .invalid(field: "jwks", "give 1 to 20 public keys") }
        var keyAlgorithms: [SigningAlgorithm] = []
        var kids = Set<String>()
        for (index, jwk) in keys.enumerated() {
            let name = jwk.kid.map { "'\(Validation.printable($0))'" } ?? "#\(index + 1)"
            if let kid = jwk.kid, !kids.insert(kid).inserted { throw .invalid(field: "jwks", "key id \(name) appears twice") }
            if jwk.kid == nil && keys.count > 1 { throw .invalid(field: "jwks", "key \(name) has no kid; with several keys each needs one") }
            do {
                let key = try VerificationKey(jwk: jwk)
                if !keyAlgorithms.contains(key.algorithm) { keyAlgorithms.append(key.algorithm) }
            } catch {
                throw .invalid(field: "jwks", "key \(name) is not usable: \(error)")
            }
        }
        let algorithms = spec.algorithms.isEmpty ? keyAlgorithms : Self.deduplicated(spec.algorithms)
        for alg in algorithms where !keyAlgorithms.contains(alg) {
            throw .invalid(
                field: "algorithms",
                "\(alg.rawValue) has no key among the issuer's keys (\(keyAlgorithms.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let known = snapshot.scopes[tenantID] ?? [:]
        let scopes = Self.deduplicated(spec.scopes)
        if scopes.isEmpty { throw .invalid(field: "scopes", "give at least one scope the issuer's assertions may obtain") }
        for s in scopes where known[s] == nil {
            throw .invalid(
                field: "scopes",
                "unknown scope '\(Validation.printable(s))'; known scopes: \(known.keys.sorted().joined(separator: ", "))"
            )
        }
        let audiences = Self.deduplicated(spec.audiences)
        try Validation.audiences(audiences, field: "audiences")
        let clients = Self.deduplicated(spec.clients)
        for id in clients {
            guard let client = snapshot.client(tenantID, id) else {
                throw .invalid(field: "clients", "no client '\(Validation.printable(id))' in tenant '\(tenantID)'")
            }
            guard client.grantTypes.contains(.jwtBearer) else {
                throw .invalid(
                    field: "clients",
                    "client '\(id)' is not allowed the jwt-bearer grant; add it with 'claimdeck client update \(id) --grant \(GrantType.jwtBearer.rawValue)'"
                )
            }
        }
        let lifetime = spec.maxAssertionLifetime ?? TrustedIssuer.defaultMaxAssertionLifetime
        guard (10...TrustedIssuer.maximumAssertionLifetime).contains(lifetime) else {
            throw .invalid(field: "max assertion lifetime", "must be 10 to \(TrustedIssuer.maximumAssertionLifetime) seconds")
        }
        let now = clock.now()
        var normalized = spec
        normalized.algorithms = algorithms
        normalized.scopes = scopes
        normalized.audiences = audiences
        normalized.clients = clients
        normalized.maxAssertionLifetime = lifetime
        return TrustedIssuer(tenantID: tenantID, spec: normalized, createdAt: now, updatedAt: now)
    }
}
