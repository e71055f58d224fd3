import Foundation
import JOSE
import Testing

@testable import AuthEngine

@Suite("Support: ids, JSON writer, audit chain, validation")
struct SupportTests {
    @Test func timeOrderedIDsSortByTime() {
        let ids = Identifiers(random: SeededRandomSource(seed: 7))
        let a = ids.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000))
        let b = ids.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000.002))
        let c = ids.timeOrdered(at: Date(timeIntervalSince1970: 1_900_000_000))
        #expect(a.count == 26 && b.count == 26)
        #expect(a < b && b < c)
        #expect(a.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
    }

    @Test func seededRandomnessMakesIDsExact() {
        let a = Identifiers(random: SeededRandomSource(seed: 1)).timeOrdered(at: Date(timeIntervalSince1970: 0))
        let b = Identifiers(random: SeededRandomSource(seed: 1)).timeOrdered(at: Date(timeIntervalSince1970: 0))
        #expect(a == b)
        #expect(a.hasPrefix("000000000"))
    }

    @Test func secretsHave256Bits() {
        let s = Identifiers(random: SystemRandomSource()).secret(bytes: 32)
        #expect(Base64URL.decode(s)?.count == 32)
    }

    @Test func jsonWriterEscapesAndParsesBack() throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("s", "quote\" back\\ nl\n tab\t ctl\u{01} ü 認")
        w.field("n", Int64(-42))
        w.field("b", true)
        w.field("list", strings: ["a", "b"])
        w.key("nested")
        w.beginObject()
        w.field("x", Int64(1))
        w.endObject()
        w.endObject()
        let parsed = try JSONValue(parsing: Data(w.bytes))
        #expect(parsed["s"]?.stringValue == "quote\" back\\ nl\n tab\t ctl\u{01} ü 認")
        #expect(parsed["n"]?.intValue == -42)
        #expect(parsed["b"] == .bool(true))
        #expect(parsed["list"] == .array([.string("a"), .string("b")]))
        #expect(parsed["nested"]?["x"]?.intValue == 1)
    }

    @Test func auditChainDetectsAnEdit() {
        let e1 = AuditEventDraft(time: Date(timeIntervalSince1970: 1), type: .tokenIssued, tenantID: "t", clientID: "c", tokenID: "1")
        var e2 = AuditEventDraft(time: Date(timeIntervalSince1970: 2), type: .tokenRevoked, tenantID: "t", details: ["k": "v|w"])
        let h1 = AuditChain.hash(previous: AuditChain.genesis, sequence: 1, event: e1)
        let h2 = AuditChain.hash(previous: h1, sequence: 2, event: e2)
        #expect(h1.count == 64 && h1 != h2)
        e2.details["k"] = "v"
        #expect(AuditChain.hash(previous: h1, sequence: 2, event: e2) != h2)
        // A field separator inside a value cannot forge another field layout.
        let a = AuditEventDraft(time: Date(timeIntervalSince1970: 1), type: .tokenIssued, tenantID: "a|b")
        let b = AuditEventDraft(time: Date(timeIntervalSince1970: 1), type: .tokenIssued, tenantID: "a", clientID: "b")
        #expect(
            AuditChain.hash(previous: AuditChain.genesis, sequence: 1, event: a)
                != AuditChain.hash(previous: AuditChain.genesis, sequence: 1, event: b)
        )
    }

    @Test(arguments: ["sms", "a", "tenant-1", String(repeating: "a", count: 63)])
    func validSlugs(id: String) throws {
        try Tenant.validateID(id)
    }

    @Test(arguments: ["", "-a", "a-", "A", "a b", "a/b", "ü", String(repeating: "a", count: 64), "healthz", "metrics", ".well-known"])
    func invalidSlugsNameTheField(id: String) {
        do {
            try Tenant.validateID(id)
            Issue.record("expected an error for \(id)")
        } catch {
            #expect(error.code == .invalid)
            #expect(error.field == "tenant id")
        }
    }

    @Test func redirectURIRules() throws {
        try Validation.redirectURI("https://app.example/cb")
        try Validation.redirectURI("http://127.0.0.1:9000/cb")
        try Validation.redirectURI("com.example.app:/oauth")
        for bad in ["http://app.example/cb", "https://app.example/cb#x", "/relative", "not a uri"] {
            #expect(throws: AdminError.self) { try Validation.redirectURI(bad) }
        }
    }

    @Test func textThatWasNotUTF8IsRefused() {
        let repaired = String(decoding: [0x61, 0xFF, 0x62], as: UTF8.self)
        #expect(throws: AdminError.self) { try Validation.name(repaired, field: "name") }
        #expect(throws: AdminError.self) { try Validation.utf8Text(repaired, field: "x") }
        #expect((try? Validation.name("Ünïcode 認可", field: "name")) != nil)
    }

    @Test func printableStripsControlCharactersAndTruncates() {
        #expect(Validation.printable("a\u{1B}[31mb") == "a?[31mb")
        #expect(Validation.printable(String(repeating: "x", count: 100), limit: 10) == "xxxxxxxxxx…")
    }

    @Test func tokenStatus() {
        let now = Date(timeIntervalSince1970: 1000)
        var t = TokenRecord(
            id: "1",
            tenantID: "t",
            kind: .access,
            format: .jwt,
            clientID: "c",
            subject: "c",
            scopes: [],
            audiences: [],
            issuedAt: now,
            expiresAt: now.addingTimeInterval(10),
            digest: Data(),
            keyID: nil,
            grantType: .clientCredentials
        )
        #expect(t.status(at: now) == .active)
        #expect(t.status(at: now.addingTimeInterval(10)) == .expired)
        t.revokedAt = now
        #expect(t.status(at: now) == .revoked)
    }

    @Test func manualClockMoves() {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 100))
        clock.advance(by: 5)
        #expect(clock.now() == Date(timeIntervalSince1970: 105))
    }
}
