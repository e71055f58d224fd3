import AuthEngine
import Foundation

/// How SQLite's columns round values: what a read gives back is what the memory store keeps.
enum StoredValues {
    /// Token times are INTEGER columns written with `Int64(seconds)`, which truncates.
    static func wholeSeconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970) }

    static func truncatedToSeconds(_ date: Date) -> Date { Date(timeIntervalSince1970: TimeInterval(wholeSeconds(date))) }

    /// Audit times are INTEGER milliseconds, rounded.
    static func roundedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
    }

    /// Lists stored space-joined and read back with `split(separator: " ")`.
    static func spaceJoined(_ list: [String]) -> [String] {
        list.joined(separator: " ").split(separator: " ").map(String.init)
    }

    /// A token as `SQLiteStore.token(id:)` returns it after `record`.
    static func token(_ t: TokenRecord) -> TokenRecord {
        var t = t
        t.scopes = spaceJoined(t.scopes)
        t.audiences = spaceJoined(t.audiences)
        t.issuedAt = truncatedToSeconds(t.issuedAt)
        t.expiresAt = truncatedToSeconds(t.expiresAt)
        return t
    }

    /// SQLite compares TEXT byte by byte (BINARY collation); Swift's `<` compares Unicode canonical
    /// forms, which differs outside ASCII.
    static func binaryLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
