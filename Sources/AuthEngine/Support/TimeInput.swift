import Foundation

/// A time as an operator types it, in the console's filters and the command line's options: an ISO
/// 8601 time (`2026-11-22T10:00:00Z`) or an age back from now (`90s`, `30m`, `2h`, `7d`).
public enum TimeInput {
    private static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// The time `text` names, or nil if it names none.
    public static func parse(_ text: String, now: Date) -> Date? {
        if let age = age(text) { return now.addingTimeInterval(-age) }
        return ISO8601DateFormatter().date(from: text)
    }

    /// A length of time (`90s`, `30m`, `2h`, `7d`, or a bare number of seconds) in seconds, or nil.
    public static func seconds(_ text: String) -> Int? {
        if let n = Int(text), n >= 0 { return n }
        return age(text).flatMap { $0 <= Double(Int.max) ? Int($0) : nil }
    }

    /// `seconds` as the largest unit that divides it exactly (`604800` -> `7d`; `0` -> `0s`).
    public static func describe(seconds: Int) -> String {
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds > 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    private static func age(_ text: String) -> Double? {
        guard let last = text.last, let unit = units[last], let n = Double(text.dropLast()), n >= 0, n.isFinite else { return nil }
        return n * unit
    }
}
