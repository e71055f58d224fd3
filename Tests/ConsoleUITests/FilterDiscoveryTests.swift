import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// The `/` filter can be learnt from the console itself: `?` lists the keys of the current list,
/// the filter line shows them all (wrapped, never cut), and Tab completes keys and their values.
@Suite("Shell: the filter language is discoverable")
struct FilterDiscoveryTests {
    static let sizes = [(80, 24), (160, 48)]

    @Test(arguments: sizes)
    func helpListsTheKeysOfTheCurrentList(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        await h.press(.char("?"), .char("G"))
        var text = h.screen
        for key in [
            "client:ID", "sub:SUBJECT", "status:active|expired|revoked", "kind:access|refresh|code", "id:TOKEN", "family:ID", "since:1h", "until:",
        ] {
            #expect(text.contains(key), "\(key)\n\(text)")
        }
        #expect(text.contains("Filter (/)"))
        await h.press(.escape, .char("5"), .char("?"), .char("G"))
        text = h.screen
        for key in [
            "client:ID", "sub:SUBJECT", "type:token.issued", "outcome:success|failure", "tenant:ID", "token:ID", "text anywhere in the event",
        ] {
            #expect(text.contains(key), "\(key)\n\(text)")
        }
        await h.press(.escape, .char("2"), .char("?"), .char("G"))
        #expect(h.screen.contains("text in the id or name"), "\(h.screen)")
    }

    @Test(arguments: sizes)
    func theFilterLineShowsEveryKeyWhole(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        await h.press(.char("/"))
        #expect(h.flowed.contains("Filter keys: " + TokenFilter.hint), "\(h.screen)")
        #expect(TokenFilter.hint.hasSuffix("until:2026-11-22T10:00:00Z; a bare word: a token id"))
        for y in 0..<height { #expect(DisplayWidth.of(h.line(y)) <= width) }
        #expect(h.line(height - 2).hasPrefix("<Tab> complete"), "\(h.line(height - 2))")
        await h.press(.escape, .char("5"), .char("/"))
        #expect(h.flowed.contains("Filter keys: " + AuditViewFilter.hint), "\(h.screen)")
    }

    @Test func tabCompletesKeysAndValues() async throws {
        let h = try await Harness(start: .tokens)
        _ = try await h.issue()
        await h.press(.char("/"))
        await h.type("st")
        #expect(h.line(23) == "/st atus:", "\(h.line(23))")
        await h.press(.tab)
        await h.type("a")
        #expect(h.line(23) == "/status:a ctive", "\(h.line(23))")
        await h.press(.tab)
        #expect(h.app.screen(.tokens).filter == "status:active ")
        await h.type("cl")
        await h.press(.tab)
        // Every client of the tenant is offered, by id.
        #expect(h.line(23).contains("matches: ") && h.line(23).contains("billing-service"), "\(h.line(23))")
        await h.type("bi")
        await h.press(.tab, .enter)
        #expect(h.app.screen(.tokens).filter == "status:active client:billing-service ")
        #expect(h.screen.contains("1 token"), "\(h.screen)")
        // ↓ chooses among the values before Tab takes one.
        await h.press(.char("/"), .ctrl("u"))
        await h.type("kind:")
        await h.press(.down, .tab)
        #expect(h.app.screen(.tokens).filter == "kind:refresh ")
    }

    @Test func theAuditFilterCompletesEventTypesAndTenants() async throws {
        let h = try await Harness()
        await h.press(.char("/"))
        await h.type("type:token.iss")
        await h.press(.tab)
        #expect(h.app.screen(.audit).filter == "type:token.issued ")
        await h.type("ten")
        await h.press(.tab)
        await h.type("s")
        await h.press(.tab, .enter)
        #expect(h.app.screen(.audit).filter == "type:token.issued tenant:sms ")
        #expect(h.app.context.flash.level != .error || h.app.context.flash.message == nil)
    }

    @Test func completionOffersOnlyWhatTheParserTakes() {
        let language = TokenFilter.language
        for key in language.keys {
            let probe = key.name + ":" + key.placeholder
            guard case .fixed(let values) = key.values else {
                #expect((try? TokenFilter.parse(probe).get()) != nil, "\(probe)")
                continue
            }
            for v in values { #expect((try? TokenFilter.parse(key.name + ":" + v).get()) != nil, "\(key.name):\(v)") }
        }
        #expect(
            language.completions("status:re", resolve: { if case .fixed(let v) = $0 { return v } else { return [] } }).map(\.text) == [
                "status:revoked "
            ]
        )
        #expect(language.completions("client:x s", resolve: { _ in [] }).map(\.label) == ["sub:", "status:", "since:"])
    }
}
