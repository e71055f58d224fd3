import Foundation
import JOSE
import Testing

/// `claimdeck design ...` as an operator and a CI pipeline use it: export, edit, diff, lint, apply
/// through the gate, versions, rollback; errors that name the file, the line and the field.
@Suite("claimdeck design, run as a real binary")
struct DesignCommandTests {
    func demo() async throws -> (dir: URL, db: String) {
        let (dir, db) = try Binary.tempDB()
        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        return (dir, db)
    }

    func write(_ text: String, in dir: URL, _ name: String = "design.yaml") async throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func exportIsStableAndApplyingItUnchangedPublishesNothing() async throws {
        let (dir, db) = await try demo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await Binary.run(["design", "export", "--tenant", "sms", "--db", db])
        #expect(first.code == 0, "\(first.stderr)")
        #expect(first.stdout == (try await Binary.run(["design", "export", "--tenant", "sms", "--db", db])).stdout, "same bytes every time")
        #expect(first.stdout.contains("version 1") && first.stdout.contains("required_claims:") && first.stdout.contains("- id: budget-app"))
        #expect(!first.stdout.contains("secret:") && !first.stdout.contains("demo-secret"), "clients are exported without secrets")
        let file = await try write(first.stdout, in: dir)
        let apply = try await Binary.run(["design", "apply", "-f", file, "--tenant", "sms", "--db", db])
        #expect(apply.code == 0 && apply.stdout.contains("nothing to publish"), "\(apply.stdout)\(apply.stderr)")
        let lint = try await Binary.run(["design", "lint", "--tenant", "sms", "--db", db])
        #expect(lint.code == 0 && lint.stdout == "lint: clean\n")
    }

    @Test func applyShowsTheDiffAndTheGateRefusesBreakingChangesUntilForced() async throws {
        let (dir, db) = await try demo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exported = try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout
        // account-nbr leaves the sms scope, which the sms API requires.
        let edited = exported.replacingOccurrences(
            of: "  - invoice-write\n  - sms\n- name: account-type",
            with: "  - invoice-write\n- name: account-type"
        )
        #expect(edited != exported)
        let file = await try write(edited, in: dir)
        let diff = try await Binary.run(["design", "diff", "-f", file, "--tenant", "sms", "--db", db])
        #expect(diff.code == 0)
        #expect(diff.stdout.contains("- sms / access_token: account-nbr") && diff.stdout.contains("BREAKING (APIs affected: sms)"))

        let refused = try await Binary.run(["design", "apply", "-f", file, "--tenant", "sms", "--db", db])
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("refused: breaking changes for API sms"))
        #expect(refused.stdout.contains("error: [api-requirement-undelivered]"), "the lint is shown too")
        let dry = try await Binary.run([
            "design", "apply", "-f", file, "--tenant", "sms", "--db", db, "--dry-run", "--force", "--reason", "v2", "--json",
        ])
        #expect(dry.code == 0 && dry.json?["version"] == .null && dry.json?["verdict"]?.stringValue == "would publish (breaking changes forced)")
        #expect(try await Binary.run(["design", "apply", "-f", file, "--tenant", "sms", "--db", db, "--force"]).code == 2, "--force needs --reason")

        let forced = try await Binary.run([
            "design", "apply", "-f", file, "--tenant", "sms", "--db", db, "--force", "--reason", "sms API v2 is live", "--note",
            "drop account from sms",
        ])
        #expect(forced.code == 0 && forced.stdout.contains("published as version 2"), "\(forced.stderr)")
        let versions = try await Binary.run(["design", "versions", "--tenant", "sms", "--db", db, "--json"])
        #expect(versions.json?["live"]?.intValue == 2)
        #expect(versions.json?["versions"]?.arrayValue?.last?["forced_reason"]?.stringValue == "sms API v2 is live")
        let audit = try await Binary.run([
            "audit", "tail", "--tenant", "sms", "--type", "design.gate_overridden", "--no-follow", "--db", db, "--json",
        ])
        #expect(audit.stdout.contains("sms API v2 is live"))

        let back = try await Binary.run(["design", "rollback", "--to", "1", "--tenant", "sms", "--db", db])
        #expect(back.code == 0 && back.stdout.contains("published as version 3"), "\(back.stderr)")
        #expect(
            try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout.replacingOccurrences(of: "version 3", with: "version 1")
                == exported
        )
    }

    @Test func applyRegistersNewClientsAndShowsTheirSecretOnce() async throws {
        let (dir, db) = await try demo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exported = try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout
        let withClient =
            exported + """
                - id: reports-job
                  name: Reports job
                  type: confidential
                  grant_types:
                  - client_credentials
                  scopes:
                  - status
                  token_format: opaque

                """
        let file = await try write(withClient, in: dir)
        let apply = try await Binary.run(["design", "apply", "-f", file, "--tenant", "sms", "--db", db, "--json"])
        #expect(apply.code == 0, "\(apply.stderr)")
        let created = try #require(apply.json?["created_clients"]?.arrayValue?.first)
        #expect(created["client_id"]?.stringValue == "reports-job")
        #expect(Base64URL.decode(try #require(created["client_secret"]?.stringValue))?.count == 32)
        #expect(apply.json?["version"] == .null, "the design did not change: no new version")
        let again = try await Binary.run(["design", "apply", "-f", file, "--tenant", "sms", "--db", db])
        #expect(again.code == 0 && again.stdout.contains("nothing to publish"))
    }

    @Test func invalidFilesNameTheFileTheLineAndTheFieldAndChangeNothing() async throws {
        let (dir, db) = await try demo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exported = try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout
        let lines = exported.components(separatedBy: "\n")
        let typeLine = try #require(lines.firstIndex(of: "- name: account-type")) + 2  // 1-based line of its `type:`
        let badType = await try write(
            exported.replacingOccurrences(of: "- name: account-type\n  type: string", with: "- name: account-type\n  type: text"),
            in: dir,
            "a.yaml"
        )
        let r1 = try await Binary.run(["design", "apply", "-f", badType, "--tenant", "sms", "--db", db])
        #expect(r1.code == 2)
        #expect(
            r1.stderr.contains("a.yaml:\(typeLine): claims.account-type.type: 'text' is not one of string, number, boolean, array, object"),
            "\(r1.stderr)"
        )

        let unknownScope = await try write(
            exported.replacingOccurrences(of: "  - sms\n  - status\napis:", with: "  - sms\n  - statuss\napis:"),
            in: dir,
            "b.yaml"
        )
        let r2 = try await Binary.run(["design", "apply", "-f", unknownScope, "--tenant", "sms", "--db", db])
        #expect(r2.code == 2 && r2.stderr.contains("claims.account-type.scopes: scope 'statuss' is not defined"), "\(r2.stderr)")

        let wrongShape = await try write("tenant:\n  id: sms\nclaims:\n  - name: x\n    type: string\n    scopes: invoice-read\n", in: dir, "c.yaml")
        let r3 = try await Binary.run(["design", "apply", "-f", wrongShape, "--tenant", "sms", "--db", db])
        #expect(r3.code == 2 && r3.stderr.contains("c.yaml:6") && r3.stderr.contains("claims.[0].scopes: expected Sequence"), "\(r3.stderr)")

        let otherTenant = await try write("tenant:\n  id: acme\n", in: dir, "d.yaml")
        let r4 = try await Binary.run(["design", "apply", "-f", otherTenant, "--tenant", "sms", "--db", db])
        #expect(r4.code == 2 && r4.stderr.contains("d.yaml:2: tenant.id: the file is for tenant 'acme', not 'sms'"), "\(r4.stderr)")

        let notYAML = await try write("tenant: [unclosed\n", in: dir, "e.yaml")
        #expect(try await Binary.run(["design", "apply", "-f", notYAML, "--tenant", "sms", "--db", db]).code == 2)

        let versions = try await Binary.run(["design", "versions", "--tenant", "sms", "--db", db, "--json"])
        #expect(versions.json?["versions"]?.arrayValue?.count == 1, "nothing was published")
        #expect(try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout == exported)
    }

    @Test func draftsArePublishedOrDiscarded() async throws {
        let (dir, db) = await try demo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exported = try await Binary.run(["design", "export", "--tenant", "sms", "--db", db]).stdout
        let file = await try write(
            exported.replacingOccurrences(of: "scopes:\n- name: invoice-read", with: "scopes:\n- name: archive\n- name: invoice-read"),
            in: dir
        )
        let draft = try await Binary.run(["design", "apply", "-f", file, "--draft", "--tenant", "sms", "--db", db])
        #expect(
            draft.code == 0 && draft.stdout.contains("draft saved (based on version 1)") && draft.stdout.contains("scope archive added"),
            "\(draft.stdout)\(draft.stderr)"
        )
        let diff = try await Binary.run(["design", "diff", "--tenant", "sms", "--db", db])
        #expect(diff.stdout.contains("scope archive added"))
        let lint = try await Binary.run(["design", "lint", "--design", "draft", "--tenant", "sms", "--db", db])
        #expect(lint.code == 0 && lint.stdout.contains("info: [scope-maps-no-claim]"))
        let published = try await Binary.run(["design", "publish", "--note", "archive scope", "--tenant", "sms", "--db", db])
        #expect(published.code == 0 && published.stdout.contains("published as version 2"), "\(published.stderr)")
        let none = try await Binary.run(["design", "publish", "--note", "again", "--tenant", "sms", "--db", db])
        #expect(none.code == 1 && none.stderr.contains("no design draft"))
        #expect(try await Binary.run(["design", "apply", "-f", file, "--draft", "--tenant", "sms", "--db", db]).code == 0)
        #expect(try await Binary.run(["design", "discard", "--tenant", "sms", "--db", db]).stdout.contains("draft discarded"))
        let bad = try await Binary.run(["design", "diff", "--from", "0", "--tenant", "sms", "--db", db])
        #expect(bad.code == 2)
    }
}
