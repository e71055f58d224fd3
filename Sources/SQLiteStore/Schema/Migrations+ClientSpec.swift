import Foundation
import GRDB

extension Migrations {
    /// Client and trusted-issuer rows up to v6 held every setting under its Swift name (`grantTypes`);
    /// since `ClientSpec` and `TrustedIssuerSpec` are the one shape of those settings, rows use their
    /// snake_case keys (`grant_types`), the keys of tenant files and exports. The old names are frozen here.
    static func registerSpecKeys(_ m: inout DatabaseMigrator) {
        m.registerMigration("v7-spec-keys") { db in
            let clientKeys = [
                "authMethod": "auth_method", "grantTypes": "grant_types", "redirectURIs": "redirect_uris",
                "postLogoutRedirectURIs": "post_logout_redirect_uris", "tokenFormat": "token_format",
                "accessTokenLifetime": "access_token_lifetime", "signingAlgorithm": "signing_alg", "thirdParty": "third_party",
                "requirePKCE": "require_pkce", "refreshTokenLifetime": "refresh_token_lifetime",
                "refreshTokenAbsoluteLifetime": "refresh_token_absolute_lifetime",
                "revokeRefreshTokensOnLogout": "revoke_refresh_tokens_on_logout",
            ]
            try rewriteRows(db, table: "clients", keys: ["tenant_id", "id"]) { object in
                for (old, new) in clientKeys {
                    if let value = object.removeValue(forKey: old) { object[new] = value }
                }
            }
            try rewriteRows(db, table: "trusted_issuers", keys: ["tenant_id", "issuer"]) { object in
                if let value = object.removeValue(forKey: "maxAssertionLifetime") { object["max_assertion_lifetime"] = value }
                // The mapping was Swift's enum coding ({"userAttribute": {"path": "x"}}); now its text form.
                guard let mapping = object.removeValue(forKey: "subjectMapping") as? [String: Any], let (kind, payload) = mapping.first else {
                    return
                }
                let fields = payload as? [String: Any] ?? [:]
                switch kind {
                case "userID": object["subject"] = "user-id"
                case "username": object["subject"] = "username"
                case "userAttribute": object["subject"] = "attribute:\(fields["path"] as? String ?? "")"
                default:
                    object["subject"] = "pass-through"
                    object["subject_prefix"] = fields["prefix"] as? String ?? ""
                }
            }
        }
    }

    /// Rewrites the JSON `data` of every row of `table` (rows named by their key columns in errors).
    private static func rewriteRows(
        _ db: Database,
        table: String,
        keys: [String],
        _ transform: (inout [String: Any]) throws -> Void
    ) throws {
        let condition = keys.map { "\($0) = ?" }.joined(separator: " AND ")
        for row in try Row.fetchAll(db, sql: "SELECT \(keys.joined(separator: ", ")), data FROM \(table)") {
            let key = keys.map { row[$0] as String }
            let data: Data = row["data"]
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw StoreError("row \(key.joined(separator: "/")) of \(table) is not a JSON object")
            }
            try transform(&object)
            try db.execute(
                sql: "UPDATE \(table) SET data = ? WHERE \(condition)",
                arguments: StatementArguments([try JSONSerialization.data(withJSONObject: object)] + key)
            )
        }
    }
}
