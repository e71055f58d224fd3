import Foundation
import JOSE

extension ClaimdeckEngine {
    /// Shortest password accepted; NIST SP 800-63B asks for at least 8 characters.
    public static let minimumPasswordLength = 8

    /// Creates a user. The id (the token `sub`) is generated unless given; it never changes.
    public func createUser(
        tenantID: String,
        username: String,
        id: String? = nil,
        attributes: [String: JSONValue] = [:],
        password: String? = nil,
        actor: String
    ) async throws(AdminError) -> User {
        try requireTenant(tenantID)
        try Self.validateUsername(username)
        if let id { try Validation.clientID(id) }
        let existing = try await allUsers(tenantID)
        if existing.contains(where: { $0.username == username }) { throw .conflict("user '\(username)' already exists in tenant '\(tenantID)'") }
        let now = clock.now()
        let userID = id ?? "u-" + ids.timeOrdered(at: now).lowercased()
        if existing.contains(where: { $0.id == userID }) { throw .conflict("user id '\(userID)' already exists in tenant '\(tenantID)'") }
        let user = User(
            tenantID: tenantID,
            id: userID,
            username: username,
            attributes: attributes,
            passwordHash: try password.map(hashPassword),
            createdAt: now
        )
        try await applyConfig(
            [.putUser(user)],
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .userCreated,
                    tenantID: tenantID,
                    subject: userID,
                    actor: actor,
                    details: ["username": username, "password": password == nil ? "none" : "set"]
                )
            ]
        )
        return user
    }

    /// The tenant's users, as the store lists them.
    public func users(tenantID: String) async throws(AdminError) -> [User] {
        try requireTenant(tenantID)
        return try await allUsers(tenantID)
    }

    /// A user by id or username.
    public func user(tenantID: String, _ idOrUsername: String) async throws(AdminError) -> User {
        try requireTenant(tenantID)
        guard let user = try await allUsers(tenantID).first(where: { $0.id == idOrUsername || $0.username == idOrUsername }) else {
            throw .notFound(
                "no user '\(Validation.printable(idOrUsername))' in tenant '\(tenantID)'; 'claimdeck user list --tenant \(tenantID)' shows them"
            )
        }
        return user
    }

    /// Replaces the user's attributes (a JSON object) and/or username.
    public func updateUser(
        tenantID: String,
        _ idOrUsername: String,
        username: String? = nil,
        attributes: [String: JSONValue]? = nil,
        actor: String
    ) async throws(AdminError) -> User {
        var user = try await user(tenantID: tenantID, idOrUsername)
        guard username != nil || attributes != nil else { throw .invalid(field: "changes", "nothing to change: give --username or --attributes") }
        if let username {
            try Self.validateUsername(username)
            if try await allUsers(tenantID).contains(where: { $0.username == username && $0.id != user.id }) {
                throw .conflict("user '\(username)' already exists in tenant '\(tenantID)'")
            }
            user.username = username
        }
        if let attributes { user.attributes = attributes }
        try await applyConfig(
            [.putUser(user)],
            audit: [
                AuditEventDraft(
                    time: clock.now(),
                    type: .userUpdated,
                    tenantID: tenantID,
                    subject: user.id,
                    actor: actor,
                    details: [
                        "fields": [username.map { _ in "username" }, attributes.map { _ in "attributes" }].compactMap { $0 }.joined(separator: " ")
                    ]
                )
            ]
        )
        return user
    }

    /// Sets (or replaces) a user's password, hashed with scrypt at the configured cost; the password is
    /// checked first (length, UTF-8) and never logged or audited.
    public func setUserPassword(tenantID: String, _ idOrUsername: String, password: String, actor: String) async throws(AdminError) {
        var user = try await user(tenantID: tenantID, idOrUsername)
        user.passwordHash = try hashPassword(password)
        try await applyConfig(
            [.putUser(user)],
            audit: [
                AuditEventDraft(time: clock.now(), type: .userPasswordSet, tenantID: tenantID, subject: user.id, actor: actor)
            ]
        )
        // CAEP credential-change: the receivers decide what a new password means for tokens already issued.
        await emitSecurityEvent(
            .subject(tenantID: tenantID, subject: user.id),
            reason: nil,
            subjectEvent: SecurityEventType.credentialChange,
            extra: ["credential_type": "password", "change_type": "update"]
        )
    }

    /// Disables a user and revokes every token issued for them, in that order, so no new token can be
    /// issued between the two. Enabling revokes nothing.
    public func setUserDisabled(tenantID: String, _ idOrUsername: String, disabled: Bool, actor: String) async throws(AdminError) -> RevocationSummary
    {
        var user = try await user(tenantID: tenantID, idOrUsername)
        user.disabled = disabled
        try await applyConfig(
            [.putUser(user)],
            audit: [
                AuditEventDraft(time: clock.now(), type: disabled ? .userDisabled : .userEnabled, tenantID: tenantID, subject: user.id, actor: actor)
            ]
        )
        guard disabled else { return RevocationSummary() }
        _ = try await storeCall { try await store.endSessions(tenantID: tenantID, userID: user.id, at: clock.now()) }
        return try await revokeTokens(
            .subject(tenantID: tenantID, subject: user.id),
            reason: "user disabled",
            actor: actor,
            subjectEvent: SecurityEventType.accountDisabled
        )
    }

    /// Deletes a user and revokes their tokens.
    public func deleteUser(tenantID: String, _ idOrUsername: String, actor: String) async throws(AdminError) -> RevocationSummary {
        let user = try await user(tenantID: tenantID, idOrUsername)
        let summary = try await revokeTokens(.subject(tenantID: tenantID, subject: user.id), reason: "user deleted", actor: actor)
        try await applyConfig(
            [.deleteUser(tenantID: tenantID, id: user.id)],
            audit: [
                AuditEventDraft(
                    time: clock.now(),
                    type: .userDeleted,
                    tenantID: tenantID,
                    subject: user.id,
                    actor: actor,
                    details: ["username": user.username, "tokens_revoked": "\(summary.revoked)"]
                )
            ]
        )
        return summary
    }

    static func validateUsername(_ username: String) throws(AdminError) {
        try Validation.utf8Text(username, field: "username")
        if username.isEmpty || username.count > 128
            || username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " })
        {
            throw .invalid(field: "username", "must be 1 to 128 characters without spaces or control characters")
        }
    }

    func hashPassword(_ password: String) throws(AdminError) -> String {
        try Self.validatePassword(password)
        do { return try PasswordHasher.hash(password, cost: configuration.passwordCost) } catch { throw .storage("password hashing failed") }
    }

    private func requireTenant(_ tenantID: String) throws(AdminError) {
        guard config.snapshot.tenants[tenantID] != nil else {
            throw .notFound("no tenant '\(Validation.printable(tenantID))'; 'claimdeck tenant list' shows the tenants")
        }
    }

    private func allUsers(_ tenantID: String) async throws(AdminError) -> [User] {
        try await storeCall { try await store.users(tenantID: tenantID) }
    }
}
