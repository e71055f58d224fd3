/// A value of a stored row, in the four kinds both stores keep (for `claimdeck store copy`).
public enum StoredValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// The tables an installation consists of, parents before children, with the columns both stores
/// give them: what `claimdeck store copy` moves, row for row (audit events keep their numbers and
/// hashes, so the chain verifies on the copy).
public enum StoredTables {
    public static let all: [(name: String, columns: [String])] = [
        ("tenants", ["id", "data"]),
        ("clients", ["tenant_id", "id", "data"]),
        ("signing_keys", ["tenant_id", "kid", "state", "data"]),
        ("scopes", ["tenant_id", "name", "data"]),
        ("apis", ["tenant_id", "name", "data"]),
        ("claims", ["tenant_id", "name", "data"]),
        ("users", ["tenant_id", "id", "username", "data"]),
        ("registration_tokens", ["tenant_id", "id", "uses_left", "expires_at", "data"]),
        ("token_exchange_policies", ["tenant_id", "client_id", "data"]),
        ("trusted_issuers", ["tenant_id", "issuer", "data"]),
        ("design_versions", ["tenant_id", "number", "created_at", "data"]),
        ("design_drafts", ["tenant_id", "data"]),
        (
            "tokens",
            [
                "id", "tenant_id", "kind", "format", "client_id", "subject", "scopes", "audiences", "issued_at", "expires_at", "digest",
                "kid", "grant_type", "family_id", "revoked_at", "revocation_reason", "claims",
            ]
        ),
        ("used_assertions", ["tenant_id", "client_id", "jti", "expires_at"]),
        ("sessions", ["id", "tenant_id", "user_id", "digest", "auth_time", "amr", "created_at", "expires_at", "ended_at"]),
        ("consents", ["tenant_id", "user_id", "client_id", "scopes", "granted_at"]),
        (
            "device_authorizations",
            [
                "id", "tenant_id", "client_id", "device_digest", "user_code", "scopes", "audiences", "interval", "created_at", "expires_at",
                "last_polled_at", "status", "user_id", "session_id", "auth_time",
            ]
        ),
        ("audit_events", ["seq", "time", "type", "outcome", "tenant_id", "client_id", "subject", "token_id", "reason", "actor", "details", "hash"]),
    ]
}

/// A store whose tables can be read out whole, in pages (the source of a copy).
public protocol TableExporting: Sendable {
    /// Up to `limit` rows of `table` after the first `offset`, in a stable order, with `columns` in that order.
    func exportRows(table: String, columns: [String], offset: Int, limit: Int) async throws -> [[StoredValue]]
    /// The configuration version, carried over so nodes see the copy as current.
    func configVersion() async throws -> Int64
}
