import Foundation

/// The `:` command palette: what can be typed, and completion for it.
public enum PaletteCommand: Sendable, Hashable {
    case screen(ScreenKind)
    case tenant(String)
    case theme(String)
    case quit

    /// Commands without an argument, and the prefixes of those with one.
    static let words: [String] = ScreenKind.allCases.map(\.rawValue) + ["tenant ", "theme ", "q", "quit"]

    /// Parses what was typed ("tokens", "tenant sms", "q"); a unique prefix of a screen name is enough.
    public static func parse(_ input: String) -> PaletteCommand? {
        let parts = input.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
        guard let head = parts.first else { return nil }
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch head {
        case "q", "quit", "q!": return .quit
        case "tenant", "ctx": return arg.isEmpty ? .screen(.tenants) : .tenant(arg)
        case "theme": return arg.isEmpty ? nil : .theme(arg)
        default:
            let matches = ScreenKind.allCases.filter { $0.rawValue.hasPrefix(head) || $0.rawValue == head + "s" }
            return matches.count == 1 ? .screen(matches[0]) : nil
        }
    }

    /// Completions of `input`, best first: screen names, then tenant or theme names after "tenant " / "theme ".
    public static func completions(_ input: String, tenants: [String], themes: [String]) -> [String] {
        let lower = input.lowercased()
        for (prefix, values) in [("tenant ", tenants), ("theme ", themes)] where lower.hasPrefix(prefix) {
            let arg = lower.dropFirst(prefix.count)
            return values.filter { $0.lowercased().hasPrefix(arg) }.map { prefix + $0 }
        }
        if lower.isEmpty { return words }
        return words.filter { $0.hasPrefix(lower) && $0 != lower }
    }
}
