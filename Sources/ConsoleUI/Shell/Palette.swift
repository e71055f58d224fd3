import Foundation

/// The `:` command palette: what can be typed, and completion for it.
public enum PaletteCommand: Sendable, Hashable {
    case screen(ScreenKind)
    /// A screen opened with its `/` filter (`:tokens client:partner-portal`).
    case filtered(ScreenKind, filter: String)
    case tenant(String)
    case theme(String)
    /// `:theme` alone: the themes there are.
    case themes
    /// `:readonly`: every write refused, or allowed again.
    case readOnly
    case quit

    /// Commands without an argument, and the prefixes of those with one.
    static let words: [String] = ScreenKind.allCases.map(\.rawValue) + ["tenant ", "theme ", "readonly", "q", "quit"]

    /// Parses what was typed ("tokens", "tokens client:x", "tenant sms", "q"); a unique prefix of a
    /// screen name is enough.
    public static func parse(_ input: String) -> PaletteCommand? {
        let parts = input.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
        guard let head = parts.first else { return nil }
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch head {
        case "q", "quit", "q!": return .quit
        case "tenant", "ctx": return arg.isEmpty ? .screen(.tenants) : .tenant(arg)
        case "theme": return arg.isEmpty ? .themes : .theme(arg)
        case "readonly", "ro": return arg.isEmpty ? .readOnly : nil
        default:
            guard let kind = screenKind(head) else { return nil }
            return arg.isEmpty ? .screen(kind) : .filtered(kind, filter: arg)
        }
    }

    /// The screen a word names: its name, its singular, or a unique prefix.
    static func screenKind(_ word: String) -> ScreenKind? {
        let matches = ScreenKind.allCases.filter { $0.rawValue.hasPrefix(word) || $0.rawValue == word + "s" }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Completions of `input`, best first: screen names, then tenant or theme names after "tenant " /
    /// "theme " (or "theme" alone: the themes are the choices), then a screen's filter after its
    /// name and a space (`filter` completes that, given the screen and the text after the space).
    public static func completions(
        _ input: String,
        tenants: [String],
        themes: [String],
        filter: (ScreenKind, String) -> [Completion] = { _, _ in [] }
    ) -> [Completion] {
        let lower = input.lowercased()
        if lower == "theme" { return themes.map { Completion(text: "theme " + $0, label: $0) } }
        for (prefix, values) in [("tenant ", tenants), ("theme ", themes)] where lower.hasPrefix(prefix) {
            let arg = lower.dropFirst(prefix.count)
            return values.filter { $0.lowercased().hasPrefix(arg) }.map { Completion(text: prefix + $0, label: $0) }
        }
        if let space = input.firstIndex(of: " "), let kind = screenKind(String(input[..<space])) {
            let head = String(input[...space])
            return filter(kind, String(input[input.index(after: space)...])).map { Completion(text: head + $0.text, label: $0.label) }
        }
        let matches = lower.isEmpty ? words : words.filter { $0.hasPrefix(lower) && $0 != lower }
        return matches.map { Completion(text: $0, label: $0) }
    }
}
