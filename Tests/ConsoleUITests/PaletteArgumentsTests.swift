import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

/// The palette takes arguments and lists its choices; fixed-choice form fields toggle with space.
@Suite("Palette arguments and fixed-choice fields")
struct PaletteArgumentsTests {
    static let sizes = [(80, 24), (160, 48)]

    @Test(arguments: sizes)
    func tSuggestsTheCommandsThatStartWithIt(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height)
        await h.press(.char(":"), .char("t"))
        let bottom = h.line(height - 1)
        #expect(bottom.hasPrefix(":t enants"), "\(bottom)")
        #expect(bottom.contains("matches: tenants, tokens, tenant , theme "), "\(bottom)")
        await h.press(.down, .tab, .enter)
        #expect(h.app.current == .tokens)
    }

    @Test(arguments: sizes)
    func themeListsTheThemesAndTakesOne(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height)
        await h.press(.char(":"))
        await h.type("theme")
        #expect(h.line(height - 1).contains("4 matches: default, high-contrast, light, mono"), "\(h.line(height - 1))")
        await h.press(.enter)
        #expect(h.message == "ℹ themes: default, high-contrast, light, mono; :theme NAME uses one", "\(h.message)")
        await h.press(.char(":"))
        await h.type("theme")
        await h.press(.down, .down, .tab)
        #expect(h.line(height - 1).hasPrefix(":theme light"), "\(h.line(height - 1))")
        await h.press(.enter)
        #expect(h.app.theme.name == "light")
    }

    @Test(arguments: sizes)
    func aScreenCommandTakesItsFilter(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height)
        _ = try await h.issue()
        _ = try await h.issue("partner-portal", secret: "partner-demo-secret")
        await h.press(.char(":"))
        await h.type("tokens client:par")
        #expect(h.line(height - 1).hasPrefix(":tokens client:par tner-portal"), "\(h.line(height - 1))")
        await h.press(.tab, .enter)
        #expect(h.app.current == .tokens)
        let text = h.screen
        #expect(h.line(1).contains("[4 Tokens]") && h.line(1).contains("› /client:partner-portal"), "\(h.line(1))")
        #expect(text.contains("1 token") && text.contains("partner-portal") && !text.contains("billing-service"), "\(text)")
        // A bad filter is refused as the filter line refuses it.
        await h.press(.char(":"))
        await h.type("tokens status:bogus")
        await h.press(.enter)
        #expect(h.message.contains("status: use active, expired or revoked"), "\(h.message)")
    }

    @Test(arguments: sizes)
    func theTokenFormatAndTypeOfANewClientToggleWithSpace(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .clients)
        await h.press(.char("n"))
        await h.type("Toggled")
        await h.press(.tab)
        #expect(h.screen.contains("‹ confidential ›  space: confidential | public"), "\(h.screen)")
        let api = try #require(h.engine.config.snapshot.apis["sms"]?.values.first { $0.scopes.contains("invoice-read") })
        await h.press(.tab, .tab)
        await h.type("invoice-read")
        await h.press(.tab)
        await h.type(api.audience)
        // Then redirects, then the format.
        await h.press(.tab, .tab)
        #expect(h.screen.contains("‹ jwt ›  space: jwt | opaque"), "\(h.screen)")
        await h.type("xyz")
        #expect(h.screen.contains("‹ jwt ›"), "typing does not change a choice")
        await h.press(.char(" "))
        #expect(h.screen.contains("‹ opaque ›"), "\(h.screen)")
        await h.press(.enter)
        let created = try #require(try h.engine.clients(tenantID: "sms").first { $0.name == "Toggled" }, "\(h.screen)")
        #expect(created.tokenFormat == .opaque && created.type == .confidential)
    }
}
