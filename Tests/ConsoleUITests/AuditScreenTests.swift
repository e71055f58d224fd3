import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

@Suite("Audit screen")
struct AuditScreenTests {
    @Test func showsTheShellAndTheDemoEventsAt80x24() async throws {
        let h = try await Harness()
        let text = h.screen
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 24)
        #expect(lines[0] == " Claimdeck │ tenant sms │ serving http://127.0.0.1:8080 │ db /tmp/c.db")
        #expect(lines[1] == " 1 Tenants  2 Clients  3 Users  4 Tokens [5 Audit] 6 Keys  7 Designer")
        #expect(lines[2].hasPrefix("● live · 0 ev/s "))
        #expect(lines[3] == "TIME     TYPE                 RESULT CLIENT           TOKEN")
        #expect(text.contains("tenant.created"))
        #expect(text.contains("client.registered"))
        #expect(lines[22] == "<Enter> open  <space> pause  <r> revoke  <:> command  </> filter  <?> help")
        // Newest at the bottom, selected.
        let newest = try #require(try await h.store.events(after: 0, limit: 1000, filter: AuditFilter()).last)
        let row = try #require(lines.lastIndex { $0.contains(newest.event.type.rawValue) })
        #expect(h.grid[0, row].role == .selection)
    }

    @Test func anIssuedTokenAppearsLiveAndIsRevokedFromItsEvent() async throws {
        let h = try await Harness()
        let token = try await h.issue()
        await h.tick()
        let id = try #require(try await h.introspect(token.accessToken).record?.id)
        var text = h.screen
        let last = text.split(separator: "\n").last { $0.contains(id) }.map(String.init) ?? ""
        #expect(last.contains("token.issued") && last.contains("billing-service") && last.contains(id), "\(text)")
        #expect(h.grid.role(of: id) == .selection)

        // r asks first: a dry run, with Cancel focused.
        await h.press(.char("r"))
        text = h.screen
        #expect(text.contains("Revoke token \(id) of tenant sms?"), "\(text)")
        #expect(text.contains("Dies:     1 active token (1 JWT, 0 opaque)"))
        #expect(text.contains("Clients:  billing-service"))
        #expect(text.contains("JWTs stay usable until 2027-01-15 08:05:00Z (in 5m 0s)"))
        #expect(text.contains("[ Cancel ]") && text.contains("Revoke 1 token"))
        #expect(h.grid.role(of: "[ Cancel ]") == .buttonFocus)
        // Enter on Cancel changes nothing.
        await h.press(.enter)
        #expect(try await h.introspect(token.accessToken).active)
        #expect(!h.screen.contains("[ Cancel ]"))

        await h.press(.char("r"), .tab)
        #expect(h.screen.contains("[ Revoke 1 token ]"))
        await h.press(.enter)
        #expect(try await h.introspect(token.accessToken).active == false)
        #expect(h.line(23) == "ℹ Revoked 1 token: introspection answers active:false now.")
        // The revocation is itself on the tail, by the console.
        await h.tick()
        #expect(h.screen.contains("token.revoked"))
        let events = try await h.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenRevoked))
        #expect(events.last?.event.actor == "console" && events.last?.event.tokenID == id)
    }

    @Test func pauseHoldsNewEventsBackAndCountsThem() async throws {
        let h = try await Harness()
        await h.press(.char(" "))
        for _ in 0..<3 { _ = try await h.issue() }
        await h.tick()
        var text = h.screen
        #expect(text.contains("⏸ PAUSED · 3 new events held (space resumes)"), "\(text)")
        #expect(!text.contains("token.issued"))
        await h.press(.char(" "))
        text = h.screen
        #expect(text.contains("● live"))
        #expect(text.components(separatedBy: "token.issued").count - 1 == 3)
    }

    @Test func filterNarrowsTheTailAndEnterOpensTheToken() async throws {
        let h = try await Harness()
        _ = try await h.issue()
        _ = try await h.issue("partner-portal", secret: "partner-demo-secret")
        await h.tick()
        await h.press(.char("/"))
        await h.type("client:partner-portal")
        #expect(h.line(23).hasPrefix("/client:partner-portal"))
        await h.press(.enter)
        var text = h.screen
        #expect(!text.contains("billing-service") && text.contains("partner-portal"))
        // At 80 columns the seventh tab leaves the breadcrumb ten columns; the bottom line spells the filter out.
        #expect(h.line(1) == " 1 Ten  2 Cli  3 Use  4 Tok [5 Audit] 6 Key  7 Des  › /client:partner-portal")
        #expect(h.line(23).hasPrefix("filter: client:partner-portal"))
        await h.press(.char("/"), .escape)
        #expect(h.screen.contains("billing-service"))

        // Enter on the newest event (the token) opens the token's detail on the tokens screen.
        await h.press(.end, .enter)
        text = h.screen
        #expect(h.app.current == .tokens)
        #expect(text.contains("JWT header") == false && text.contains("kind") && text.contains("access, opaque"), "\(text)")
        #expect(text.contains("Audit trail (1)"))
        await h.press(.escape)
        #expect(h.screen.contains("ID ") && h.screen.contains("partner-portal"))
        await h.press(.escape)
        #expect(h.app.current == .audit)
    }

    @Test func ratesSparklineAndTheFailedAuthenticationAlarm() async throws {
        let h = try await Harness(width: 120, height: 30)
        // The first five are written at once; the client is then throttled and the other seven come as
        // one event that carries their count: the alarm counts all twelve.
        for _ in 0..<12 { await h.failedAuth() }
        await h.closeRefusalWindows()
        await h.tick()
        let text = h.screen
        #expect(text.contains("⚠ ALERT: 12 failed client authentications in the last 10 s"), "\(text)")
        #expect(text.contains("peak 12/s") || text.contains("peak"))
        #expect(h.line(2).contains("█"))
        #expect(h.line(29).contains("failed client authentications spiking"))
        // At 120 columns the subject and reason columns show too.
        #expect(text.contains("SUBJECT") && text.contains("invalid_client"))
    }

    @Test func feedStaysBoundedAndCountsEverything() {
        var feed = AuditFeed()
        let now = Date()
        var events: [AuditEvent] = []
        for i in 1...7000 {
            events.append(AuditEvent(sequence: Int64(i), event: AuditEventDraft(time: now, type: .tokenIssued, tenantID: "sms"), hash: ""))
        }
        feed.receive(events, now: now)
        #expect(feed.shown.count == AuditFeed.limit)
        #expect(feed.shown.first?.sequence == 2001)
        #expect(feed.received == 7000)
    }
}

extension AuditScreenTests {
    @Test("a typo in the audit filter is refused, naming the key or the type and what would do, never an empty tail")
    func filterTyposAreRefused() async throws {
        let h = try await Harness(width: 120, height: 30)
        _ = try await h.issue()
        await h.tick()
        await h.press(.char("/"))
        await h.type("type:token.isued")
        await h.press(.enter)
        let typo = h.app.context.flash.message ?? ""
        #expect(typo.contains("'token.isued' is not an event type; use one of token.issued"), "\(typo)")
        await h.press(.char("/"), .ctrl("u"))
        await h.type("tpye:token.issued")
        await h.press(.enter)
        let key = h.app.context.flash.message ?? ""
        #expect(key.contains("tpye") && key.contains("unknown filter; use client:ID"), "\(key)")
        // Real types and plain text (a URL with its colon too) still filter.
        let good = try AuditViewFilter.parse("type:token.issued https://x").get()
        #expect(good.fields.type == .tokenIssued && good.words == ["https://x"])
    }

    @Test("every event type the engine declares is in AuditEventType.all, which the filters check against")
    func everyEventTypeIsKnown() throws {
        let folder = RepoPaths.root.appendingPathComponent("Sources/AuthEngine/Audit")
        let source = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        let declared = source.matches(of: /public static let \w+ = Self\(rawValue: "([^"]+)"\)/).map { String($0.1) }
        #expect(declared.count > 30)
        #expect(Set(declared) == Set(AuditEventType.all.map(\.rawValue)))
        #expect(declared.count == AuditEventType.all.count)
    }
}
