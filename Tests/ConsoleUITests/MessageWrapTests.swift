import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// Nothing the console says is cut at the screen's edge: flashes, form errors, dialogs, the audit
/// header and "Terminal too small" wrap, at 80x24 as at 160x48.
@Suite("Shell: messages are read whole")
struct MessageWrapTests {
    static let sizes = [(80, 24), (160, 48)]

    @Test(arguments: sizes)
    func aLongPaletteErrorWrapsAboveTheBottomLine(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height)
        let typo = "frobnicate " + String(repeating: "every token of the tenant ", count: 3)
        h.app.run(typo)
        let message = try #require(h.app.context.flash.message)
        #expect(message.hasSuffix(":theme NAME :readonly :q"))
        #expect(h.message == "✕ error: " + message, "\(h.screen)")
        for y in 0..<height { #expect(DisplayWidth.of(h.line(y)) <= width) }
    }

    @Test(arguments: sizes)
    func aFormErrorIsShownWholeUnderItsField(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .clients)
        await h.press(.char("n"))
        await h.type("Reports")
        await h.press(.tab, .tab, .tab)
        await h.type("no-such-scope")
        await h.press(.enter)
        let error = try #require(formError(h))
        #expect(error.contains("invoice-read"), "\(error)")
        #expect(h.flowed.contains(error), "\(h.screen)")
    }

    @Test(arguments: sizes)
    func theRotateDialogWrapsItsLines(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .keys)
        await h.press(.char("o"))
        let dialog = try #require(h.app.context.dialog)
        let flowed = h.flowed
        for line in dialog.lines where !line.text.isEmpty {
            #expect(flowed.contains(line.text.trimmingCharacters(in: .whitespaces)), "\(line.text)\n\(h.screen)")
        }
    }

    @Test func thePausedHeaderKeepsItsResumeKeyAt80Columns() async throws {
        let h = try await Harness()
        await h.press(.char(" "))
        for _ in 0..<12 { _ = try await h.issue() }
        await h.tick()
        #expect(h.line(2).hasPrefix("⏸ PAUSED · 12 new events held (space resumes) · ") && h.line(2).contains(" ev/s"), "\(h.line(2))")
        #expect(h.line(2).hasSuffix(" shown") && DisplayWidth.of(h.line(2)) <= 80, "\(h.line(2))")
        await h.resize(width: 160, height: 48)
        #expect(h.line(2).contains("(space resumes) · ") && h.line(2).contains("/s · "), "\(h.line(2))")
    }

    @Test func tooSmallSaysAllOfIt() async throws {
        let h = try await Harness()
        await h.resize(width: 30, height: 8)
        #expect(h.flowed == "Terminal too small (30x8); Claimdeck needs 40x10.", "\(h.screen)")
    }

    /// The error the open form shows (under a field or for the whole form).
    func formError(_ h: Harness) -> String? {
        guard case .form(let form, _)? = (h.app.screen(.clients) as? ClientsScreen)?.mode else { return nil }
        return form.formError ?? form.fields.compactMap(\.error).first
    }
}

extension Harness {
    /// The screen's text as one flow: each row without the frame and indentation around it, joined
    /// by spaces, so a message reads the same however it was wrapped.
    var flowed: String {
        screen.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " │")) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
