import Foundation

extension ClaimdeckEngine {
    /// The consents a user gave third-party clients.
    public func consents(tenantID: String, user idOrUsername: String) async throws(AdminError) -> [Consent] {
        let user = try await user(tenantID: tenantID, idOrUsername)
        return try await storeCall { try await store.consents(tenantID: tenantID, userID: user.id) }
    }

    /// Withdraws a user's consent for a client: the client must ask again, and the tokens the user
    /// granted it are revoked in the same step.
    public func revokeConsent(
        tenantID: String,
        user idOrUsername: String,
        clientID: String,
        actor: String
    ) async throws(AdminError) -> RevocationSummary {
        let user = try await user(tenantID: tenantID, idOrUsername)
        let now = clock.now()
        let removed = try await storeCall {
            try await store.deleteConsent(
                tenantID: tenantID,
                userID: user.id,
                clientID: clientID,
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .consentRevoked,
                        tenantID: tenantID,
                        clientID: clientID,
                        subject: user.id,
                        actor: actor
                    )
                ]
            )
        }
        guard removed else {
            throw .notFound("user '\(user.username)' has no consent for client '\(Validation.printable(clientID))'")
        }
        return try await revokeTokens(.grant(tenantID: tenantID, subject: user.id, clientID: clientID), reason: "consent revoked", actor: actor)
    }
}
