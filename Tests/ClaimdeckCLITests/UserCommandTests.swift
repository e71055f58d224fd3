import Foundation
import JOSE
import Testing

@Suite("claimdeck user, run as a real binary")
struct UserCommandTests {
    @Test func userLifecycle() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        let created = try await Binary.run(
            [
                "user", "create", "dana", "--tenant", "acme", "--attributes", #"{"name":"Dana","roles":["ops"]}"#,
                "--password-stdin", "--db", db, "--json",
            ],
            stdin: "correct horse battery\n"
        )
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(created.json?["password"]?.stringValue == "set")
        #expect(created.json?["attributes"]?["roles"] == .array(["ops"]))
        #expect(!created.stdout.contains("correct horse"))

        let dup = try await Binary.run(["user", "create", "dana", "--tenant", "acme", "--db", db])
        #expect(dup.code == 1 && dup.stderr.contains("already exists"))
        let notUTF8 = try await Binary.run(["user", "create", String(decoding: [0xFF, 0xFE], as: UTF8.self), "--tenant", "acme", "--db", db])
        #expect(notUTF8.code == 2 && notUTF8.stderr.contains("UTF-8"))
        let badJSON = try await Binary.run(["user", "create", "eve", "--tenant", "acme", "--attributes", "[1,2]", "--db", db])
        #expect(badJSON.code == 2 && badJSON.stderr.contains("--attributes"))
        let shortPassword = try await Binary.run(["user", "create", "eve", "--tenant", "acme", "--password-stdin", "--db", db], stdin: "short\n")
        #expect(shortPassword.code == 2 && shortPassword.stderr.contains("at least 8"))
        let noPassword = try await Binary.run(["user", "set-password", "dana", "--tenant", "acme", "--db", db])
        #expect(noPassword.code == 2 && noPassword.stderr.contains("--password-stdin"))
        #expect(try await Binary.run(["user", "list", "--tenant", "acme", "--db", db, "--json"]).json?.arrayValue?.count == 1)

        let updated = try await Binary.run(["user", "update", "dana", "--tenant", "acme", "--username", "dana.k", "--db", db, "--json"])
        #expect(updated.json?["username"]?.stringValue == "dana.k" && updated.json?["id"]?.stringValue == id)
        #expect(
            try await Binary.run(["user", "set-password", id, "--tenant", "acme", "--password-stdin", "--db", db], stdin: "another long one\n").code
                == 0
        )
        let dry = try await Binary.run(["user", "disable", id, "--tenant", "acme", "--dry-run", "--db", db, "--json"])
        #expect(dry.json?["dry_run"] == .bool(true))
        #expect(try await Binary.run(["user", "show", id, "--tenant", "acme", "--db", db, "--json"]).json?["status"]?.stringValue == "enabled")
        #expect(try await Binary.run(["user", "disable", id, "--tenant", "acme", "--db", db]).code == 0)
        #expect(
            try await Binary.run(["user", "show", "dana.k", "--tenant", "acme", "--db", db, "--json"]).json?["status"]?.stringValue == "disabled"
        )
        #expect(try await Binary.run(["user", "delete", id, "--tenant", "acme", "--db", db]).code == 0)
        #expect(try await Binary.run(["user", "show", id, "--tenant", "acme", "--db", db]).code == 1)

        // Passwords never reach the audit log.
        let audit = try await Binary.run(["audit", "tail", "--no-follow", "--last", "100", "--db", db, "--json"])
        #expect(audit.stdout.contains("user.password_set") && audit.stdout.contains("user.disabled"))
        #expect(!audit.stdout.contains("horse") && !audit.stdout.contains("another long"))
    }
}

@Suite("claimdeck client and user commands for the user-facing flows, run as a real binary")
struct UserFlowCommandTests {
    @Test func codeFlowClientsAreValidatedAndShown() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        let noRedirect = try await Binary.run([
            "client", "register", "--tenant", "acme", "--name", "Web", "--grant", "authorization_code",
            "--scope", "openid", "--db", db,
        ])
        #expect(noRedirect.code == 2 && noRedirect.stderr.contains("redirect_uris"), "\(noRedirect.stderr)")
        let publicWithoutPKCE = try await Binary.run([
            "client", "register", "--tenant", "acme", "--name", "App", "--type", "public",
            "--grant", "authorization_code", "--redirect-uri", "com.example.app:/cb",
            "--require-pkce", "false", "--db", db,
        ])
        #expect(publicWithoutPKCE.code == 2 && publicWithoutPKCE.stderr.contains("require pkce"), "\(publicWithoutPKCE.stderr)")
        let refreshAlone = try await Binary.run(["client", "register", "--tenant", "acme", "--name", "R", "--grant", "refresh_token", "--db", db])
        #expect(refreshAlone.code == 2 && refreshAlone.stderr.contains("refresh_token only makes sense"))
        let badLifetimes = try await Binary.run([
            "client", "register", "--tenant", "acme", "--name", "W", "--grant", "authorization_code",
            "--grant", "refresh_token", "--redirect-uri", "https://w.example/cb",
            "--refresh-lifetime", "7200", "--refresh-absolute-lifetime", "3600", "--db", db,
        ])
        #expect(badLifetimes.code == 2 && badLifetimes.stderr.contains("refresh token absolute lifetime"))
        let badLogoutURI = try await Binary.run([
            "client", "register", "--tenant", "acme", "--name", "W", "--grant", "authorization_code",
            "--redirect-uri", "https://w.example/cb", "--post-logout-redirect-uri", "http://w.example/out", "--db", db,
        ])
        #expect(badLogoutURI.code == 2 && badLogoutURI.stderr.contains("post_logout_redirect_uris"))
        #expect(
            try await Binary.run(["client", "list", "--tenant", "acme", "--db", db, "--json"]).json?.arrayValue?.count == 0,
            "nothing half-registered"
        )

        let ok = try await Binary.run([
            "client", "register", "--tenant", "acme", "--id", "web", "--name", "Web", "--grant", "authorization_code",
            "--grant", "refresh_token", "--scope", "openid", "--scope", "profile", "--redirect-uri", "https://w.example/cb",
            "--third-party", "true", "--post-logout-redirect-uri", "https://w.example/out", "--revoke-on-logout", "true",
            "--db", db, "--json",
        ])
        #expect(ok.code == 0, "\(ok.stderr)")
        #expect(ok.json?["third_party"] == .bool(true))
        #expect(ok.json?["require_pkce"] == .bool(true))
        #expect(ok.json?["revoke_refresh_tokens_on_logout"] == .bool(true))
        #expect(ok.json?["refresh_token_lifetime"] == .number(1_209_600))
        let shown = try await Binary.run(["client", "show", "web", "--tenant", "acme", "--db", db])
        #expect(shown.stdout.contains("third party (asks for consent)") && shown.stdout.contains("rotate on use"))
        let updated = try await Binary.run(["client", "update", "web", "--tenant", "acme", "--third-party", "false", "--db", db, "--json"])
        #expect(updated.json?["third_party"] == .bool(false))
    }

    @Test func consentsAreListedAndAMissingOneIsNamed() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        #expect(try await Binary.run(["user", "create", "dana", "--tenant", "acme", "--db", db]).code == 0)
        let none = try await Binary.run(["user", "consents", "dana", "--tenant", "acme", "--db", db])
        #expect(none.code == 0 && none.stdout.contains("has given no consent"))
        let missing = try await Binary.run(["user", "revoke-consent", "dana", "--client", "web", "--tenant", "acme", "--db", db])
        #expect(missing.code == 1 && missing.stderr.contains("has no consent for client 'web'"), "\(missing.stderr)")
        let dry = try await Binary.run(["user", "revoke-consent", "dana", "--client", "web", "--tenant", "acme", "--dry-run", "--db", db, "--json"])
        #expect(dry.code == 0 && dry.json?["dry_run"] == .bool(true))
    }
}

@Suite("claimdeck design preview, run as a real binary")
struct DesignPreviewCommandTests {
    @Test func previewPrintsEveryDestinationAndNamesBadInput() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let json = try await Binary.run([
            "design", "preview", "--tenant", "sms", "--client", "customer-portal", "--user", "alice",
            "--scope", "openid email invoice-read", "--db", db, "--json",
        ])
        #expect(json.code == 0, "\(json.stderr)")
        #expect(json.json?["access_token"]?["claims"]?["account-nbr"]?.stringValue == "1001-42")
        #expect(json.json?["id_token"]?["claims"]?["email"]?.stringValue == "alice@example.com")
        #expect(json.json?["userinfo"]?["sub"]?.stringValue == "u-alice")
        #expect(!json.stdout.contains("eyJ"), "no token string is printed")
        let text = try await Binary.run(["design", "preview", "--tenant", "sms", "--client", "billing-service", "--db", db])
        #expect(text.code == 0 && text.stdout.contains("warning: API 'invoices' requires claim 'account-nbr'"), "\(text.stdout)")
        let badScope = try await Binary.run(["design", "preview", "--tenant", "sms", "--client", "billing-service", "--scope", "sms", "--db", db])
        #expect(badScope.code == 2 && badScope.stderr.contains("scope:"), "\(badScope.stderr)")
        let badUser = try await Binary.run(["design", "preview", "--tenant", "sms", "--client", "customer-portal", "--user", "mallory", "--db", db])
        #expect(badUser.code == 2 && badUser.stderr.contains("mallory"), "\(badUser.stderr)")
    }

    @Test("the preview's iss is the server's: --public-url, else CLAIMDECK_PUBLIC_URL, else the default; a bad one is refused by name")
    func previewIssuerComesFromTheSharedPublicURLSetting() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let preview = ["design", "preview", "--tenant", "sms", "--client", "billing-service", "--db", db, "--json"]
        func iss(_ r: Binary.Result) -> String? { r.json?["access_token"]?["claims"]?["iss"]?.stringValue }

        #expect(iss(try await Binary.run(preview)) == "http://127.0.0.1:8080/sms")
        let byEnvironment = try await Binary.run(preview, environment: ["CLAIMDECK_PUBLIC_URL": "https://auth.example.com"])
        #expect(iss(byEnvironment) == "https://auth.example.com/sms", "\(byEnvironment.stderr)")
        // The option wins over the environment, as on `serve`.
        let byOption = try await Binary.run(
            preview + ["--public-url", "https://login.example.org"],
            environment: ["CLAIMDECK_PUBLIC_URL": "https://auth.example.com"]
        )
        #expect(iss(byOption) == "https://login.example.org/sms")
        // Every command takes it: the tenant's issuer in `tenant show` is the same.
        let shown = try await Binary.run(["tenant", "show", "sms", "--db", db, "--json", "--public-url", "https://login.example.org"])
        #expect(shown.json?["issuer"]?.stringValue == "https://login.example.org/sms")

        let bad = try await Binary.run(preview + ["--public-url", "auth.example.com"])
        #expect(bad.code == 2 && bad.stderr.contains("--public-url: 'auth.example.com' is not an absolute http(s) URL"), "\(bad.stderr)")
        let badEnvironment = try await Binary.run(preview, environment: ["CLAIMDECK_PUBLIC_URL": "ftp://x"])
        #expect(badEnvironment.code == 2 && badEnvironment.stderr.contains("CLAIMDECK_PUBLIC_URL"), "\(badEnvironment.stderr)")
    }
}
