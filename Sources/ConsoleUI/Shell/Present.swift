import AuthEngine
import Foundation

/// How values are worded for people: here the console's (times, statuses as glyph + word, never
/// colour alone, counts, lists); the command line adds its JSON and text views to the same namespace
/// (ClaimdeckCLI's `Support/Output.swift`), so there is one `Present`.
public enum Present {
    nonisolated(unsafe) private static let timeFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return f
    }()
    nonisolated(unsafe) private static let clockFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss"
        return f
    }()

    /// UTC date and time; formatters are used on the UI thread only.
    public static func time(_ date: Date) -> String { timeFormatter.string(from: date) }
    public static func clock(_ date: Date) -> String { clockFormatter.string(from: date) }

    /// A token's state; a code redeemed or a refresh token rotated is "used"/"rotated", not the
    /// "revoked" of an incident.
    public static func tokenStatus(_ r: TokenRecord, now: Date) -> TableCell {
        if r.wasUsed { return TableCell(r.kind == .authorizationCode ? "✓ used" : "↻ rotated", role: .statusExpired) }
        return tokenStatus(r.status(at: now))
    }

    public static func tokenStatus(_ s: TokenRecord.Status) -> TableCell {
        switch s {
        case .active: return TableCell("● active", role: .statusActive)
        case .expired: return TableCell("○ expired", role: .statusExpired)
        case .revoked: return TableCell("✕ revoked", role: .statusRevoked)
        }
    }

    public static func enabled(_ disabled: Bool) -> TableCell {
        disabled ? TableCell("⊘ disabled", role: .statusDisabled) : TableCell("● enabled", role: .statusActive)
    }

    public static func keyState(_ s: SigningKeyRecord.State) -> TableCell {
        switch s {
        case .active: return TableCell("● active", role: .statusActive)
        case .next: return TableCell("◌ next", role: .statusPending)
        case .retired: return TableCell("○ retired", role: .statusExpired)
        }
    }

    public static func outcome(_ o: AuditOutcome) -> TableCell {
        o == .success ? TableCell("✓ ok", role: .statusActive) : TableCell("✕ fail", role: .statusRevoked)
    }

    /// "3 tokens", "1 token".
    public static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// "a, b, c and 4 more".
    public static func list(_ items: [String], max: Int = 4) -> String {
        if items.isEmpty { return "none" }
        if items.count <= max { return items.joined(separator: ", ") }
        return items.prefix(max).joined(separator: ", ") + " and \(items.count - max) more"
    }

    /// Relative duration, "in 4m 59s" / "2h 3m ago".
    public static func relative(_ date: Date, now: Date) -> String {
        let s = Int(date.timeIntervalSince(now).rounded())
        let a = abs(s)
        let text =
            a < 60
            ? "\(a)s" : a < 3600 ? "\(a / 60)m \(a % 60)s" : a < 86_400 ? "\(a / 3600)h \(a % 3600 / 60)m" : "\(a / 86_400)d \(a % 86_400 / 3600)h"
        return s >= 0 ? "in " + text : text + " ago"
    }
}
