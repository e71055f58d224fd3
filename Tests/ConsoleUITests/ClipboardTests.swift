import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// Records what the console sends the terminal beside its cells.
final class RecordingTerminal: TerminalControl {
    var sent: [[UInt8]] = []
    func send(_ sequence: [UInt8]) { sent.append(sequence) }
}

/// The rotate-secret dialog shows the secret once; `c` puts it on the terminal clipboard with OSC 52
/// through the terminal layer, never through the cell grid or the flash line.
@Suite("Clients screen: copy the secret")
struct ClipboardTests {
    /// The secret as the dialog shows it.
    func shownSecret(_ h: Harness) throws -> String {
        let line = try #require(h.screen.split(separator: "\n").first { $0.contains("client_secret: ") })
        return String(try #require(line.split(separator: " ").last { !$0.contains("│") && !$0.isEmpty }))
    }

    @Test func copyWritesOSC52WithTheSecretAndSaysSo() async throws {
        let h = try await Harness(start: .clients)
        let terminal = RecordingTerminal()
        h.app.attach(terminal: terminal)
        await h.press(.down, .char("x"), .tab, .enter)
        var text = h.screen
        #expect(text.contains("New secret for billing-service") && text.contains("Copy secret (c)"), "\(text)")
        #expect(h.line(22).hasPrefix("c copy secret  Tab switch button"), "\(h.line(22))")
        let secret = try shownSecret(h)
        #expect(secret.count == 43, "\(secret)")
        #expect(terminal.sent.isEmpty)

        await h.press(.char("c"))
        let expected = [0x1B] + Array("]52;c;".utf8) + Array(Data(secret.utf8).base64EncodedString().utf8) + [0x07]
        #expect(terminal.sent == [expected])
        text = h.screen
        #expect(h.line(23).contains("ℹ Secret of billing-service copied to the terminal clipboard (OSC 52)"), "\(h.line(23))")
        #expect(text.contains("client_secret: "), "the dialog stays open after copying")
        #expect(!(h.app.context.flash.message ?? "").contains(secret))

        // The button does the same; Close closes.
        await h.press(.tab, .enter)
        #expect(terminal.sent.count == 2 && terminal.sent[1] == expected)
        await h.press(.tab, .enter)
        #expect(!h.screen.contains("client_secret: "))
        // The copied secret is the one that works.
        _ = try await h.issue("billing-service", secret: secret)
    }

    @Test func withoutATerminalTheCopyIsRefusedWithAWarning() async throws {
        let h = try await Harness(start: .clients)
        await h.press(.down, .char("x"), .tab, .enter, .char("c"))
        #expect(h.app.context.flash.level == .warn)
        #expect(h.message.contains("Secret of billing-service not copied: no terminal"), "\(h.message)")
    }

    @Test func confirmDialogsIgnoreTheCopyKey() async throws {
        let h = try await Harness(start: .clients)
        let terminal = RecordingTerminal()
        h.app.attach(terminal: terminal)
        await h.press(.down, .char("x"), .char("c"))
        #expect(h.screen.contains("Give client billing-service a new secret?"))
        #expect(terminal.sent.isEmpty)
    }

    @Test func osc52EncodesUTF8AsBase64() {
        #expect(OSC52.copy("hé") == [0x1B, 0x5D, 0x35, 0x32, 0x3B, 0x63, 0x3B] + Array("aMOp".utf8) + [0x07])
        #expect(OSC52.copy("") == [0x1B] + Array("]52;c;".utf8) + [0x07])
    }
}
