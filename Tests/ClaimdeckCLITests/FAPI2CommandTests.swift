import Foundation
import JOSE
import Testing

/// The fapi2 profile from the real binary: `client register/update --profile`, `tenant update
/// --profile`, `profile: fapi2` and `sensitive: true` in a tenant file, what `client show` and
/// `design lint` say.
@Suite("claimdeck and the fapi2 profile, run as a real binary")
struct FAPI2CommandTests {
    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A tenant file: `bank` under fapi2 (or not), a sensitive scope, one client with `auth`.
    static func tenantFile(id: String, profile: String?, auth: String, jwk: JWK, retention: Int = 86_400) -> String {
        """
        tenant:
          id: \(id)
        \(profile.map { "  profile: \($0)" } ?? "")
          policy:
            token_retention: \(retention)
            require_dpop_nonce: true
        scopes:
          - name: payments
            sensitive: true
        apis:
          - name: payments
            audience: https://payments.\(id).example
            scopes: [payments]
        clients:
          - id: pay
            name: Payments service
            auth_method: \(auth)
            grant_types: [client_credentials]
            scopes: [payments]
            jwks:
              keys:
                - {kty: EC, crv: P-256, x: \(jwk.x ?? ""), y: \(jwk.y ?? ""), kid: pay-1}
            dpop_bound_access_tokens: \(profile == nil ? "false" : "true")
        """
    }

    @Test func cliRefusesWhatContradictsTheProfileAndShowsItsEffects() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        // A client secret contradicts the profile: refused, the field and the fix named, nothing changed.
        let update = try await Binary.run(["client", "update", "customer-portal", "--tenant", "sms", "--profile", "fapi2", "--db", db])
        #expect(update.code == 2, "\(update.stdout)\(update.stderr)")
        #expect(update.stderr.contains("auth_method") && update.stderr.contains("private_key_jwt"), "\(update.stderr)")
        let unchanged = try await Binary.run(["client", "show", "customer-portal", "--tenant", "sms", "--db", db, "--json"])
        #expect(unchanged.json?["profile"]?.stringValue == "none" && unchanged.json?["profile_in_force"]?.stringValue == "none")
        let badName = try await Binary.run(["client", "update", "customer-portal", "--tenant", "sms", "--profile", "fapi3", "--db", db])
        #expect(badName.code == 2 && badName.stderr.contains("--profile") && badName.stderr.contains("fapi2"))

        let key = try SigningKeyPair.generate(.es256)
        let jwks = try Self.write(
            String(decoding: try JSONEncoder().encode(JWKSet(keys: [key.publicKey.jwk(kid: "k1")])), as: UTF8.self),
            "jwks.json",
            in: dir
        )
        let register = [
            "client", "register", "--tenant", "sms", "--id", "fapi-app", "--name", "FAPI app", "--auth-method", "private_key_jwt",
            "--jwks", jwks, "--grant", "authorization_code", "--grant", "refresh_token", "--scope", "openid", "--redirect-uri",
            "https://app.example/cb", "--profile", "fapi2", "--alg", "PS256", "--db", db,
        ]
        let bearer = try await Binary.run(register)
        #expect(bearer.code == 2 && bearer.stderr.contains("dpop_bound_access_tokens"), "\(bearer.stderr)")
        let registered = try await Binary.run(register + ["--dpop-bound", "true"])
        #expect(registered.code == 0, "\(registered.stderr)")
        for line in [
            "profile:        fapi2 (FAPI 2.0 Security Profile)", "PAR:            required", "token binding:  DPoP required",
            "refresh retry:  30 s", "signing alg:    PS256", "auth method:    private_key_jwt",
        ] {
            #expect(registered.stdout.contains(line), "\(line)\n\(registered.stdout)")
        }
        let shown = try await Binary.run(["client", "show", "fapi-app", "--tenant", "sms", "--db", db, "--json"])
        #expect(shown.json?["profile"]?.stringValue == "fapi2" && shown.json?["token_binding"]?.stringValue == "dpop")
        #expect(shown.json?["pushed_authorization_requests_required"] == .bool(true))

        // The tenant cannot go under the profile while its other clients do not meet it.
        let tenant = try await Binary.run(["tenant", "update", "sms", "--profile", "fapi2", "--db", db])
        #expect(tenant.code == 2 && tenant.stderr.contains("profile") && tenant.stderr.contains("does not meet fapi2"), "\(tenant.stderr)")
        let after = try await Binary.run(["tenant", "show", "sms", "--db", db, "--json"])
        #expect(after.json?["profile"]?.stringValue == "none", "\(after.stdout)")
    }

    @Test func aTenantFileCarriesTheProfileAndSensitiveScopes() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let jwk = try SigningKeyPair.generate(.es256).publicKey.jwk(kid: "pay-1")
        // Under the tenant's profile a client with a secret is refused, naming the client's field.
        let refused = try await Binary.run([
            "demo", "load", "--file",
            try Self.write(Self.tenantFile(id: "bank", profile: "fapi2", auth: "client_secret_basic", jwk: jwk), "bad.yaml", in: dir),
            "--db", db,
        ])
        #expect(refused.code == 2 && refused.stderr.contains("auth_method") && refused.stderr.contains("tenant 'bank'"), "\(refused.stderr)")

        // A policy value out of range: refused before anything is created, naming the field.
        let badPolicy = try await Binary.run([
            "demo", "load", "--file",
            try Self.write(Self.tenantFile(id: "bank2", profile: nil, auth: "private_key_jwt", jwk: jwk, retention: 5), "policy.yaml", in: dir),
            "--db", db,
        ])
        #expect(badPolicy.code == 2 && badPolicy.stderr.contains("tenant.policy.token_retention"), "\(badPolicy.stderr)")
        #expect(try await Binary.run(["tenant", "show", "bank2", "--db", db]).code == 1)

        let (dir2, db2) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir2) }
        let file = try Self.write(Self.tenantFile(id: "bank", profile: "fapi2", auth: "private_key_jwt", jwk: jwk), "bank.yaml", in: dir2)
        let loaded = try await Binary.run(["demo", "load", "--file", file, "--db", db2])
        #expect(loaded.code == 0, "\(loaded.stderr)")
        let shown = try await Binary.run(["client", "show", "pay", "--tenant", "bank", "--db", db2])
        #expect(shown.stdout.contains("profile:        fapi2 (FAPI 2.0 Security Profile, the tenant's)"), "\(shown.stdout)")
        let exported = try await Binary.run(["design", "export", "--tenant", "bank", "--db", db2])
        #expect(exported.stdout.contains("profile: fapi2") && exported.stdout.contains("sensitive: true"), "\(exported.stdout)")
        // The policy section: set at load, exported with the settings that are not the defaults.
        let tenant = try await Binary.run(["tenant", "show", "bank", "--db", db2, "--json"])
        #expect(tenant.json?["require_dpop_nonce"] == .bool(true) && tenant.json?["token_retention"]?.intValue == 86_400, "\(tenant.stdout)")
        #expect(exported.stdout.contains("require_dpop_nonce: true") && exported.stdout.contains("token_retention: 86400"))
        #expect(!exported.stdout.contains("introspection_audit_window"), "defaults are left out")
        // Every fapi2 client is sender-constrained: nothing for the lint to say.
        let lint = try await Binary.run(["design", "lint", "--tenant", "bank", "--db", db2])
        #expect(!lint.stdout.contains("sensitive-scope-bearer"), "\(lint.stdout)")

        // The same tenant without the profile and with a bearer client: the lint names it.
        let shop = try Self.write(Self.tenantFile(id: "shop", profile: nil, auth: "private_key_jwt", jwk: jwk), "shop.yaml", in: dir2)
        #expect(try await Binary.run(["demo", "load", "--file", shop, "--db", db2]).code == 0)
        let shopLint = try await Binary.run(["design", "lint", "--tenant", "shop", "--db", db2])
        #expect(shopLint.stdout.contains("[sensitive-scope-bearer]") && shopLint.stdout.contains("--profile fapi2"), "\(shopLint.stdout)")
    }
}
