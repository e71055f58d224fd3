import Foundation

/// A time as an operator types it, in the console's filters and the command line's options: an ISO
/// 8601 time (`2026-11-22T10:00:00Z`) or an age back from now (`90s`, `30m`, `2h`, `7d`).
public enum TimeInput {
    /// The time `text` names, or nil if it names none.
    public static func parse(_ text: String, now: Date) -> Date? {
        if let last = text.last, let unit: Double = ["s": 1, "m": 60, "h": 3600, "d": 86_400][String(last)],
            let n = Double(text.dropLast()), n >= 0, n.isFinite
        {
            return now.addingTimeInterval(-n * unit)
        }
        return ISO8601DateFormatter().date(from: text)
    }
}
