import Foundation

/// What an admin asks a client's token exchange policy to be.
public struct TokenExchangePolicySpec: Sendable, Hashable {
    /// Audiences the client may exchange to; at least one.
    public var targetAudiences: [String]
    /// Extra `aud` values (besides the client's id) that mark a subject token as meant for the client.
    public var subjectAudiences: [String]
    /// When not empty, only tokens issued to these clients may be exchanged.
    public var subjectClients: [String]

    public init(targetAudiences: [String], subjectAudiences: [String] = [], subjectClients: [String] = []) {
        self.targetAudiences = targetAudiences
        self.subjectAudiences = subjectAudiences
        self.subjectClients = subjectClients
    }
}

extension ClaimdeckEngine {
    /// Creates or replaces the token exchange policy of a confidential client that is allowed the
    /// token-exchange grant.
    public func setTokenExchangePolicy(
        tenantID: String,
        clientID: String,
        _ spec: TokenExchangePolicySpec,
        actor: String
    ) async throws(AdminError) -> TokenExchangePolicy {
        let client = try client(tenantID: tenantID, clientID: clientID)
        guard client.type == .confidential else {
            throw .invalid(field: "client", "'\(clientID)' is a public client; only a confidential client can exchange tokens")
        }
        guard client.grantTypes.contains(.tokenExchange) else {
            throw .invalid(
                field: "client",
                "'\(clientID)' is not allowed the token-exchange grant; add it first with 'claimdeck client update \(clientID) --grant \(GrantType.tokenExchange.rawValue)' (repeat --grant for each grant it keeps)"
            )
        }
        let targets = Self.deduplicated(spec.targetAudiences)
        if targets.isEmpty { throw .invalid(field: "audience", "give at least one target audience the client may exchange to") }
        try Validation.audiences(targets, field: "audience")
        let subjectAudiences = Self.deduplicated(spec.subjectAudiences)
        try Validation.audiences(subjectAudiences, field: "subject audience")
        let subjectClients = Self.deduplicated(spec.subjectClients)
        let snapshot = config.snapshot
        for id in subjectClients where snapshot.client(tenantID, id) == nil {
            throw .invalid(field: "subject client", "no client '\(Validation.printable(id))' in tenant '\(tenantID)'")
        }
        let now = clock.now()
        let existing = snapshot.tokenExchangePolicies[tenantID]?[clientID]
        let policy = TokenExchangePolicy(
            tenantID: tenantID,
            clientID: clientID,
            targetAudiences: targets,
            subjectAudiences: subjectAudiences,
            subjectClients: subjectClients,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now
        )
        try await applyConfig(
            [.putTokenExchangePolicy(policy)],
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .exchangePolicySet,
                    tenantID: tenantID,
                    clientID: clientID,
                    actor: actor,
                    details: [
                        "target_audiences": targets.joined(separator: " "),
                        "subject_audiences": policy.acceptedSubjectAudiences.joined(separator: " "),
                        "subject_clients": subjectClients.joined(separator: " "),
                        "replaced": existing == nil ? "false" : "true",
                    ]
                )
            ]
        )
        return policy
    }

    /// The client's token exchange policy, `notFound` when it has none.
    public func tokenExchangePolicy(tenantID: String, clientID: String) throws(AdminError) -> TokenExchangePolicy {
        _ = try client(tenantID: tenantID, clientID: clientID)
        guard let policy = config.snapshot.tokenExchangePolicies[tenantID]?[clientID] else {
            throw .notFound(
                "client '\(clientID)' has no token exchange policy; set one with 'claimdeck client exchange-policy set \(clientID) --tenant \(tenantID) --audience <target>'"
            )
        }
        return policy
    }

    /// Removes the client's token exchange policy: its exchanges are refused from now on. Tokens it
    /// already obtained by exchange stay valid until they expire or are revoked.
    public func clearTokenExchangePolicy(tenantID: String, clientID: String, actor: String) async throws(AdminError) {
        _ = try tokenExchangePolicy(tenantID: tenantID, clientID: clientID)
        try await applyConfig(
            [.deleteTokenExchangePolicy(tenantID: tenantID, clientID: clientID)],
            audit: [
                AuditEventDraft(time: clock.now(), type: .exchangePolicyCleared, tenantID: tenantID, clientID: clientID, actor: actor)
            ]
        )
    }

    /// The list without repeats, in the order given.
    static func deduplicated<T: Hashable>(_ list: [T]) -> [T] {
        var seen = Set<T>()
        return list.filter { seen.insert($0).inserted }
    }
}

extension Validation {
    /// Audience values (API identifiers): 1 to 2048 bytes, no spaces or control characters.
    public static func audiences(_ values: [String], field: String) throws(AdminError) {
        for a in values {
            try utf8Text(a, field: field)
            if a.isEmpty || a.utf8.count > 2048 || a.unicodeScalars.contains(where: { $0 == " " || $0.properties.generalCategory == .control }) {
                throw .invalid(field: field, "'\(printable(a))' is not a valid audience: 1 to 2048 bytes, no spaces")
            }
        }
    }
}
