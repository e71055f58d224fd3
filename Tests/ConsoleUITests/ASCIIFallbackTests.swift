import AuthEngine
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

/// In a locale that is not UTF-8 the console draws its frames, status glyphs, sparkline, arrows and
/// ellipses as ASCII stand-ins, in the same columns; only data values keep their own characters.
@Suite("ASCII fallback")
struct ASCIIFallbackTests {
    /// A data value with characters no stand-in replaces.
    static let dataName = "Zoë 認可"

    /// Renders the current state in both glyph sets; every cell of the ASCII frame must be ASCII
    /// (or part of the data value) and be the stand-in of the Unicode frame's cell in the same column.
    func check(_ h: Harness, _ label: String) {
        h.app.setGlyphs(.unicode)
        let unicode = h.screen
        let unicodeGrid = h.grid
        h.app.setGlyphs(.ascii)
        let ascii = h.screen
        let allowed = Set(Self.dataName)
        var strays: [String] = []
        for y in 0..<h.grid.height {
            for x in 0..<h.grid.width {
                let a = h.grid[x, y]
                let u = unicodeGrid[x, y]
                #expect(a.continuation == u.continuation && a.character == GlyphSet.ascii.draw(u.character), "\(label): (\(x),\(y)) moved")
                if !a.character.isASCII && !allowed.contains(a.character) { strays.append("\(a.character)@\(x),\(y)") }
            }
        }
        #expect(strays.isEmpty, "\(label): non-ASCII cells \(strays)\n\(ascii)")
        #expect(unicode != ascii || !unicode.contains(where: { !$0.isASCII }), "\(label): nothing was replaced")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func everyScreenDrawsInASCII(size: (Int, Int)) async throws {
        let h = try await Harness(width: size.0, height: size.1, start: .audit)
        _ = try await h.engine.createUser(tenantID: "sms", username: "zoe", attributes: ["name": .string(Self.dataName)], actor: "test")
        let jwt = try await h.issue().accessToken
        for _ in 0..<12 { await h.failedAuth() }
        await h.closeRefusalWindows()
        await h.tick()
        #expect(h.screen.contains("ALERT: 12 failed client authentications"))
        check(h, "audit live with an alert and a sparkline")
        await h.press(.char(" "))
        _ = try await h.issue()
        await h.tick()
        check(h, "audit paused")
        await h.press(.char(" "), .char("?"))
        check(h, "help")
        await h.press(.escape, .char("1"))
        check(h, "tenants")
        await h.press(.char("2"))
        check(h, "clients")
        await h.press(.down, .char("x"))
        check(h, "confirm dialog")
        await h.press(.tab, .enter)
        check(h, "secret dialog")
        await h.press(.escape, .enter)
        check(h, "client detail")
        await h.press(.char("3"), .ctrl("r"))
        check(h, "users")
        await h.press(.char("/"))
        await h.type("zoe")
        await h.press(.enter, .enter)
        check(h, "user detail with a non-ASCII name")
        await h.press(.char("p"))
        await h.type("secret-password")
        check(h, "password form, masked")
        await h.press(.escape, .escape, .char("4"), .ctrl("r"))
        check(h, "tokens")
        await h.press(.enter)
        check(h, "token detail")
        await h.press(.escape, .char("p"))
        await h.type(jwt)
        await h.press(.enter)
        check(h, "pasted token")
        await h.press(.escape, .char("6"))
        check(h, "keys")
        await h.press(.char("7"))
        check(h, "designer matrix")
        await h.press(.char(" "), .tab, .tab)
        check(h, "designer preview")
        await h.press(.tab)
        check(h, "designer diff with breaking changes")
        await h.press(.tab)
        check(h, "designer lint")
        // Publish the draft past the gate, then roll back: the history shows both markers.
        _ = try await h.engine.publishDesign(PublishRequest(tenantID: "sms", note: "drop", forceReason: "test"), actor: "test")
        _ = try await h.engine.rollbackDesign(tenantID: "sms", to: 1, note: nil, forceReason: nil, actor: "test")
        await h.press(.char("v"))
        check(h, "designer version history")
        await h.press(.escape)
        await h.press(.char(":"))
        await h.type("th")
        check(h, "palette")
        await h.press(.escape)
        await h.resize(width: 30, height: 8)
        check(h, "too small")
    }

    @Test func theStandInsAreASCIIAndOneColumnLikeWhatTheyReplace() {
        for (glyph, standIn) in GlyphSet.asciiStandIns {
            #expect(standIn.isASCII && DisplayWidth.of(standIn) == 1 && DisplayWidth.of(glyph) == 1, "\(glyph) -> \(standIn)")
        }
        var grid = CellGrid(width: 20, height: 1)
        grid.glyphs = .ascii
        grid.put("● active ✕ Zoë…", x: 0, y: 0)
        #expect(grid.row(0) == "* active x Zoë~")
    }
}
