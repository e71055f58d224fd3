import Foundation

/// What the console asks of the terminal besides cells: escape sequences ncurses has no call for,
/// written straight to the terminal between frames. The ncurses backend implements it; tests record it.
public protocol TerminalControl: AnyObject {
    /// Writes `sequence` to the terminal as is.
    func send(_ sequence: [UInt8])
}

/// OSC 52, "set the clipboard": `ESC ] 52 ; c ; <base64 of the text> BEL`. Terminals that support it
/// (xterm, kitty, iTerm2, WezTerm, tmux with set-clipboard) put the text on the system clipboard,
/// also over SSH; the others ignore it.
public enum OSC52 {
    public static func copy(_ text: String) -> [UInt8] {
        [0x1B] + Array("]52;c;".utf8) + Array(Data(text.utf8).base64EncodedString().utf8) + [0x07]
    }
}
