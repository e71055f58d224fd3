import Foundation
import JOSE
import Testing

@Suite("claimdeck CLI, run as a real binary")
struct CLICommandTests {
    @Test func helpAndUsageErrorsHaveTheRightExitCodes() async throws {
        let help = try await Binary.run(["--help"])
        #expect(help.code == 0)
        #expect(help.stdout.contains("tenant") && help.stdout.contains("serve"))
        let unknown = try await Binary.run(["frobnicate"])
        #expect(unknown.code == 2)
        let missing = try await Binary.run(["client", "list"])
        #expect(missing.code == 2)
        #expect(missing.stderr.contains("--tenant"))
    }

    @Test func tenantLifecycleWithJSONAndErrorsThatNameTheArgument() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try await Binary.run(["tenant", "create", "Bad Name", "--db", db])
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("tenant id") && bad.stderr.contains("lowercase"))
        let badAlg = try await Binary.run(["tenant", "create", "acme", "--alg", "HS256", "--db", db])
        #expect(badAlg.code == 2 && badAlg.stderr.contains("--alg"))
        let created = try await Binary.run(["tenant", "create", "acme", "--name", "Acme Corp", "--db", db, "--json"])
        #expect(created.code == 0, "\(created.stderr)")
        #expect(created.json?["issuer"]?.stringValue == "http://127.0.0.1:8080/acme")
        #expect(created.json?["keys"]?.intValue == 2)
        let again = try await Binary.run(["tenant", "create", "acme", "--db", db])
        #expect(again.code == 1 && again.stderr.contains("already exists"))
        let list = try await Binary.run(["tenant", "list", "--db", db, "--json"])
        #expect(list.json?.arrayValue?.count == 1)
        let missing = try await Binary.run(["tenant", "show", "nope", "--db", db])
        #expect(missing.code == 1 && missing.stderr.contains("no tenant 'nope'"))
        // The master key sits beside the database, private.
        let attrs = try FileManager.default.attributesOfItem(atPath: db + ".master-key")
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    /// A database copied without its key file (or run with another key) is refused at start, naming
    /// the key, instead of serving and failing every issuance with a server_error; the stray key file
    /// the refused run would have created is not left behind.
    @Test func aDatabaseWithoutItsMasterKeyIsRefusedAtStart() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let copy = dir.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: db + suffix) {
            try FileManager.default.copyItem(atPath: db + suffix, toPath: copy + suffix)
        }
        let refused = try await Binary.run(["client", "list", "--tenant", "sms", "--db", copy])
        #expect(refused.code == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("master key") && refused.stderr.contains("tenant 'sms'"))
        #expect(refused.stderr.contains(".master-key"))
        #expect(!FileManager.default.fileExists(atPath: copy + ".master-key"))
        let other = SecretBox.generateMasterKey().base64EncodedString()
        let wrongKey = try await Binary.run(["client", "list", "--tenant", "sms", "--db", db], environment: ["CLAIMDECK_MASTER_KEY": other])
        #expect(wrongKey.code == 2 && wrongKey.stderr.contains("CLAIMDECK_MASTER_KEY"))
        try FileManager.default.copyItem(atPath: db + ".master-key", toPath: copy + ".master-key")
        let restored = try await Binary.run(["client", "list", "--tenant", "sms", "--db", copy])
        #expect(restored.code == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("partner-portal"))
    }

    @Test func clientSecretIsShownOnceAndNeverAgain() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let reg = try await Binary.run([
            "client", "register", "--tenant", "sms", "--name", "Reports job", "--scope", "status",
            "--audience", "https://api.sms.example/status", "--format", "opaque", "--db", db, "--json",
        ])
        #expect(reg.code == 0, "\(reg.stderr)")
        let secret = try #require(reg.json?["client_secret"]?.stringValue)
        let id = try #require(reg.json?["client_id"]?.stringValue)
        #expect(Base64URL.decode(secret)?.count == 32)
        let show = try await Binary.run(["client", "show", id, "--tenant", "sms", "--db", db, "--json"])
        #expect(show.code == 0 && !show.stdout.contains(secret) && show.json?["client_secret"] == nil)
        let list = try await Binary.run(["client", "list", "--tenant", "sms", "--db", db])
        #expect(list.stdout.contains(id) && !list.stdout.contains(secret))
        let badScope = try await Binary.run(["client", "register", "--tenant", "sms", "--name", "x", "--scope", "nope", "--db", db])
        #expect(badScope.code == 2 && badScope.stderr.contains("scopes") && badScope.stderr.contains("unknown scope 'nope'"))
        let badFormat = try await Binary.run(["client", "register", "--tenant", "sms", "--name", "x", "--format", "xml", "--db", db])
        #expect(badFormat.code == 2 && badFormat.stderr.contains("--format"))
        let noChange = try await Binary.run(["client", "update", id, "--tenant", "sms", "--db", db])
        #expect(noChange.code == 2)
        let updated = try await Binary.run(["client", "update", id, "--tenant", "sms", "--lifetime", "120", "--db", db, "--json"])
        #expect(updated.json?["access_token_lifetime"]?.intValue == 120)
        let rotated = try await Binary.run(["client", "rotate-secret", id, "--tenant", "sms", "--db", db, "--json"])
        #expect(rotated.json?["client_secret"]?.stringValue != secret)
        // No secret anywhere in the audit log.
        let audit = try await Binary.run(["audit", "tail", "--no-follow", "--last", "1000", "--db", db, "--json"])
        #expect(audit.code == 0 && !audit.stdout.contains(secret))
        #expect(audit.stdout.contains("client.secret_rotated"))
        let deleted = try await Binary.run(["client", "delete", id, "--tenant", "sms", "--db", db])
        #expect(deleted.code == 0)
        #expect(try await Binary.run(["client", "show", id, "--tenant", "sms", "--db", db]).code == 1)
    }

    @Test func keysAndTokenCommands() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let keys = try await Binary.run(["key", "list", "--tenant", "sms", "--db", db, "--json"])
        let states = keys.json?.arrayValue?.compactMap { $0["state"]?.stringValue } ?? []
        #expect(states.filter { $0 == "active" }.count == 2 && states.filter { $0 == "next" }.count == 2)  // ES256 and RS256
        let dry = try await Binary.run(["key", "rotate", "--tenant", "sms", "--dry-run", "--db", db, "--json"])
        #expect(dry.json?["dry_run"] == .bool(true))
        // A dry run names no key it would create (the one created would be another one).
        #expect(dry.json?["next"] == .string("(a new key)"), "\(dry.stdout)")
        #expect(try await Binary.run(["key", "list", "--tenant", "sms", "--db", db, "--json"]).stdout == keys.stdout)
        let rotated = try await Binary.run(["key", "rotate", "--tenant", "sms", "--db", db, "--json"])
        #expect(rotated.code == 0 && rotated.json?["retired"]?.stringValue != nil)
        let noSelector = try await Binary.run(["token", "revoke", "--tenant", "sms", "--db", db])
        #expect(noSelector.code == 2 && noSelector.stderr.contains("exactly one"))
        let two = try await Binary.run(["token", "revoke", "--tenant", "sms", "--all", "--client", "x", "--db", db])
        #expect(two.code == 2)
        let unknown = try await Binary.run(["token", "revoke", "--tenant", "sms", "--id", "NOPE", "--db", db])
        #expect(unknown.code == 1 && unknown.stderr.contains("no token"))
        let dryAll = try await Binary.run(["token", "revoke", "--tenant", "sms", "--all", "--dry-run", "--db", db, "--json"])
        #expect(dryAll.json?["revoked"]?.intValue == 0)
        let verify = try await Binary.run(["audit", "verify", "--db", db])
        #expect(verify.code == 0 && verify.stdout.contains("intact"))
    }

    @Test("token list: --since/--until take times, --before a token id; anything else is refused naming the option")
    func tokenListRefusesWhatIsNotATimeOrAnID() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        for (option, value) in [("--since", "yesterday"), ("--until", "2026-13-45"), ("--since", "-5m"), ("--before", "not-an-id")] {
            let r = try await Binary.run(["token", "list", "--tenant", "acme", "\(option)=\(value)", "--db", db])
            #expect(r.code == 2, "\(option) \(value): \(r.stderr)")
            #expect(r.stderr.contains(option) && r.stderr.contains(value), "\(r.stderr)")
        }
        let bad = try await Binary.run(["token", "list", "--tenant", "acme", "--since", "soon", "--db", db])
        #expect(bad.stderr.contains("use ISO 8601 (2026-11-22T10:00:00Z) or an age such as 30m, 2h or 7d"))
        for (option, value) in [("--since", "2h"), ("--until", "2026-11-22T10:00:00Z"), ("--before", "01JD0000000000000000000000")] {
            let r = try await Binary.run(["token", "list", "--tenant", "acme", option, value, "--db", db, "--json"])
            #expect(r.code == 0 && r.json == .array([]), "\(option) \(value): \(r.stderr)")
        }
    }

    @Test("tenant update sets retention and introspection auditing, refusing bad values by name; token prune --dry-run counts")
    func tenantPolicyAndPrune() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        let nothing = try await Binary.run(["tenant", "update", "acme", "--db", db])
        #expect(nothing.code == 2 && nothing.stderr.contains("--token-retention"))
        let typo = try await Binary.run(["tenant", "update", "acme", "--token-retention", "soon", "--db", db])
        #expect(typo.code == 2 && typo.stderr.contains("'soon' is not a length of time"), "\(typo.stderr)")
        let short = try await Binary.run(["tenant", "update", "acme", "--token-retention", "30m", "--db", db])
        #expect(short.code != 0 && short.stderr.contains("token_retention") && short.stderr.contains("1h and 3650d"), "\(short.stderr)")
        let window = try await Binary.run(["tenant", "update", "acme", "--introspection-audit", "sometimes", "--db", db])
        #expect(window.code == 2 && window.stderr.contains("--introspection-audit"))
        let shown = try await Binary.run(["tenant", "show", "acme", "--db", db])
        #expect(shown.stdout.contains("tokens kept 7d after expiry or revocation; introspection audited every call"), "\(shown.stdout)")

        let set = try await Binary.run(["tenant", "update", "acme", "--token-retention", "2d", "--introspection-audit", "60s", "--db", db, "--json"])
        #expect(set.code == 0, "\(set.stderr)")
        #expect(set.json?["token_retention"]?.intValue == 172_800 && set.json?["introspection_audit_window"]?.intValue == 60)
        let human = try await Binary.run(["tenant", "show", "acme", "--db", db])
        #expect(human.stdout.contains("tokens kept 2d after expiry or revocation; introspection audited once per token and caller per 1m"))

        let dry = try await Binary.run(["token", "prune", "--dry-run", "--db", db])
        #expect(dry.code == 0 && dry.stdout.contains("acme: would delete 0 token(s)") && dry.stdout.contains("(retention 2d)"), "\(dry.stdout)")
        let json = try await Binary.run(["token", "prune", "--tenant", "acme", "--db", db, "--json"])
        #expect(json.json?.arrayValue?.first?["dry_run"] == .bool(false) && json.json?.arrayValue?.first?["access_tokens"]?.intValue == 0)
        let unknown = try await Binary.run(["token", "prune", "--tenant", "nope", "--db", db])
        #expect(unknown.code == 1 && unknown.stderr.contains("no tenant 'nope'"))
    }

    @Test("PAR and DPoP settings: client --require-par/--dpop-bound and tenant --require-par/--dpop-nonce, shown and refused by name")
    func pushedRequestAndDPoPSettings() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        let register = try await Binary.run([
            "client", "register", "--tenant", "acme", "--id", "web", "--name", "Web", "--grant", "authorization_code",
            "--redirect-uri", "https://w.example/cb", "--require-par", "true", "--dpop-bound", "true", "--db", db, "--json",
        ])
        #expect(register.code == 0, "\(register.stderr)")
        #expect(register.json?["require_pushed_authorization_requests"] == .bool(true))
        #expect(register.json?["dpop_bound_access_tokens"] == .bool(true))
        let shown = try await Binary.run(["client", "show", "web", "--tenant", "acme", "--db", db])
        #expect(shown.stdout.contains("PAR:            required") && shown.stdout.contains("DPoP required"), "\(shown.stdout)")
        let off = try await Binary.run(["client", "update", "web", "--tenant", "acme", "--dpop-bound", "false", "--db", db, "--json"])
        #expect(off.json?["dpop_bound_access_tokens"] == .bool(false) && off.json?["require_pushed_authorization_requests"] == .bool(true))
        let grace = try await Binary.run([
            "client", "update", "web", "--tenant", "acme", "--grant", "authorization_code", "--grant", "refresh_token", "--refresh-retry-grace", "30",
            "--db", db, "--json",
        ])
        #expect(grace.json?["refresh_token_retry_grace"] == .number(30), "\(grace.stderr)")
        #expect(try await Binary.run(["client", "show", "web", "--tenant", "acme", "--db", db]).stdout.contains("refresh retry:  30 s"))
        let tooLong = try await Binary.run(["client", "update", "web", "--tenant", "acme", "--refresh-retry-grace", "301", "--db", db])
        #expect(tooLong.code != 0 && tooLong.stderr.contains("refresh token retry grace") && tooLong.stderr.contains("300"), "\(tooLong.stderr)")
        let typo = try await Binary.run(["client", "update", "web", "--tenant", "acme", "--require-par", "maybe", "--db", db])
        #expect(typo.code == 2 && typo.stderr.contains("--require-par"), "\(typo.stderr)")

        let tenant = try await Binary.run(["tenant", "update", "acme", "--require-par", "true", "--dpop-nonce", "true", "--db", db, "--json"])
        #expect(tenant.code == 0, "\(tenant.stderr)")
        #expect(tenant.json?["require_pushed_authorization_requests"] == .bool(true) && tenant.json?["require_dpop_nonce"] == .bool(true))
        let human = try await Binary.run(["tenant", "show", "acme", "--db", db])
        #expect(human.stdout.contains("pushed authorization requests (PAR) required") && human.stdout.contains("DPoP proofs need the server's nonce"))
        let audit = try await Binary.run(["audit", "tail", "--tenant", "acme", "--type", "tenant.updated", "--no-follow", "--db", db, "--json"])
        #expect(audit.stdout.contains("require_pushed_authorization_requests require_dpop_nonce"), "\(audit.stdout)")
    }

    @Test func unreadableDatabaseIsAClearError() async throws {
        let (dir, _) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let notADB = dir.appendingPathComponent("junk.db").path
        FileManager.default.createFile(atPath: notADB, contents: Data(repeating: 0x41, count: 4096))
        let r = try await Binary.run(["tenant", "list", "--db", notADB])
        #expect(r.code == 1)
        #expect(r.stderr.contains("cannot open the database"))
    }
}
