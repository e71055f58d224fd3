import Foundation
import Testing

@testable import ConsoleUI

/// `?`: the overlay covers the whole width of the screen it is drawn over, scrolls no further than
/// its last line, and wraps a description too long for the box instead of cutting it.
@Suite("Shell: help overlay")
struct HelpOverlayTests {
    static let sizes = [(80, 24), (160, 48), (80, 14)]

    @Test(arguments: sizes)
    func nothingUnderneathShowsThroughAtTheEdges(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        _ = try await h.issue()
        await h.press(.ctrl("r"), .char("?"))
        _ = h.screen
        for y in 2..<(height - 2) {
            let left = h.grid[0, y]
            let right = h.grid[width - 1, y]
            let edge: (Character, Character) = y == 2 ? ("┌", "┐") : y == height - 3 ? ("└", "┘") : ("│", "│")
            #expect(left.character == edge.0 && left.role == .dialog, "row \(y): \(h.line(y))")
            #expect(right.character == edge.1 && right.role == .dialog, "row \(y): \(h.line(y))")
        }
    }

    @Test(arguments: sizes)
    func scrollingStopsAtTheLastLine(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        await h.press(.char("?"))
        _ = h.screen  // a terminal draws before the next key, at its own size
        let overlay = h.app.helpOverlay(Rect(x: 0, y: 2, width: width, height: height - 4))
        let bottom = height - 3
        if overlay.maxScroll == 0 {
            for _ in 0..<30 { await h.press(.char("j")) }
            #expect(h.app.mode.helpScroll == 0)
            #expect(!h.line(bottom).contains("↓"), "\(h.screen)")
            return
        }
        #expect(h.line(bottom).contains("↓") && !h.line(bottom).contains("↑"), "\(h.line(bottom))")
        for _ in 0..<(overlay.maxScroll + 30) { await h.press(.char("j")) }
        #expect(h.app.mode.helpScroll == overlay.maxScroll)
        let total = overlay.rows.count
        #expect(h.line(bottom).contains("/\(total) ↑ ") && !h.line(bottom).contains("↓"), "\(h.line(bottom))")
        #expect(h.line(bottom - 1).contains("WORD") && h.line(bottom - 1).contains("a token id"), "the last line is the last row: \(h.screen)")
        let atEnd = h.line(3)
        // One k moves at once, however often j was pressed past the end.
        await h.press(.char("k"))
        #expect(h.app.mode.helpScroll == overlay.maxScroll - 1)
        #expect(h.line(3) != atEnd)
        await h.press(.char("g"))
        #expect(h.app.mode.helpScroll == 0)
        await h.press(.char("G"))
        // PgUp goes back ten rows at a time, and stops at the top.
        for _ in 0...(overlay.maxScroll / 10) { await h.press(.pageUp) }
        #expect(h.app.mode.helpScroll == 0)
    }

    @Test func aLongDescriptionWrapsUnderItself() async throws {
        let h = try await Harness(width: 80, height: 60, start: .tokens)
        _ = try await h.issue()
        await h.press(.ctrl("r"), .enter, .char("?"))
        // The family key's description does not fit beside its key at 80 columns: it goes on under
        // the text, every word on the screen.
        let full = "List its refresh family: the code, refresh and access tokens of one sign-in"
        let rows = h.app.helpOverlay(Rect(x: 0, y: 2, width: 80, height: 56)).rows
        let start = try #require(rows.firstIndex { $0.text.hasPrefix("List its refresh family") })
        #expect(rows[start + 1] == .entry(keys: "", text: rows[start + 1].text) && !rows[start + 1].text.isEmpty)
        #expect(rows[start].text + " " + rows[start + 1].text == full)
        let text = h.screen
        #expect(text.contains(rows[start].text) && text.contains(rows[start + 1].text), "\(text)")
    }
}

extension ConsoleApp.Mode {
    var helpScroll: Int? {
        if case .help(let s) = self { return s }
        return nil
    }
}

extension HelpOverlay.Row {
    var text: String {
        if case .entry(_, let t) = self { return t }
        return ""
    }
}
