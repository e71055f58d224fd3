import Foundation
import JOSE
import Testing

@Suite("claimdeck user, run as a real binary")
struct UserCommandTests {
    @Test func userLifecycle() throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Binary.run(["tenant", "create", "acme", "--db", db]).code == 0)
        let created = try Binary.run(["user", "create", "dana", "--tenant", "acme", "--attributes", #"{"name":"Dana","roles":["ops"]}"#,
                                      "--password-stdin", "--db", db, "--json"], stdin: "correct horse battery\n")
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(created.json?["password"]?.stringValue == "set")
        #expect(created.json?["attributes"]?["roles"] == .array(["ops"]))
        #expect(!created.stdout.contains("correct horse"))

        let dup = try Binary.run(["user", "create", "dana", "--tenant", "acme", "--db", db])
        #expect(dup.code == 1 && dup.stderr.contains("already exists"))
        let notUTF8 = try Binary.run(["user", "create", String(decoding: [0xFF, 0xFE], as: UTF8.self), "--tenant", "acme", "--db", db])
        #expect(notUTF8.code == 2 && notUTF8.stderr.contains("UTF-8"))
        let badJSON = try Binary.run(["user", "create", "eve", "--tenant", "acme", "--attributes", "[1,2]", "--db", db])
        #expect(badJSON.code == 2 && badJSON.stderr.contains("--attributes"))
        let shortPassword = try Binary.run(["user", "create", "eve", "--tenant", "acme", "--password-stdin", "--db", db], stdin: "short\n")
        #expect(shortPassword.code == 2 && shortPassword.stderr.contains("at least 8"))
        let noPassword = try Binary.run(["user", "set-password", "dana", "--tenant", "acme", "--db", db])
        #expect(noPassword.code == 2 && noPassword.stderr.contains("--password-stdin"))
        #expect(try Binary.run(["user", "list", "--tenant", "acme", "--db", db, "--json"]).json?.arrayValue?.count == 1)

        let updated = try Binary.run(["user", "update", "dana", "--tenant", "acme", "--username", "dana.k", "--db", db, "--json"])
        #expect(updated.json?["username"]?.stringValue == "dana.k" && updated.json?["id"]?.stringValue == id)
        #expect(try Binary.run(["user", "set-password", id, "--tenant", "acme", "--password-stdin", "--db", db], stdin: "another long one\n").code == 0)
        let dry = try Binary.run(["user", "disable", id, "--tenant", "acme", "--dry-run", "--db", db, "--json"])
        #expect(dry.json?["dry_run"] == .bool(true))
        #expect(try Binary.run(["user", "show", id, "--tenant", "acme", "--db", db, "--json"]).json?["status"]?.stringValue == "enabled")
        #expect(try Binary.run(["user", "disable", id, "--tenant", "acme", "--db", db]).code == 0)
        #expect(try Binary.run(["user", "show", "dana.k", "--tenant", "acme", "--db", db, "--json"]).json?["status"]?.stringValue == "disabled")
        #expect(try Binary.run(["user", "delete", id, "--tenant", "acme", "--db", db]).code == 0)
        #expect(try Binary.run(["user", "show", id, "--tenant", "acme", "--db", db]).code == 1)

        // Passwords never reach the audit log.
        let audit = try Binary.run(["audit", "tail", "--no-follow", "--last", "100", "--db", db, "--json"])
        #expect(audit.stdout.contains("user.password_set") && audit.stdout.contains("user.disabled"))
        #expect(!audit.stdout.contains("horse") && !audit.stdout.contains("another long"))
    }
}
