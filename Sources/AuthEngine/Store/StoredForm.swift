import Foundation
import JOSE

/// How both stores write the values they keep in text columns, so the SQLite and PostgreSQL stores
/// read each other's rows (`claimdeck store copy`) and cannot drift.
public enum StoredForm {
    /// Scopes, audiences and `amr` values never contain spaces (validated where they enter), so a
    /// space-joined list is unambiguous.
    public static func list(_ values: [String]) -> String { values.joined(separator: " ") }

    public static func list(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    /// A token's stored claims as JSON text; nil when there are none.
    public static func claims(_ claims: [String: JSONValue]) -> String? {
        claims.isEmpty ? nil : String(decoding: JSONValue.object(claims).serialized(), as: UTF8.self)
    }

    public static func claims(_ text: String?) -> [String: JSONValue] {
        guard let text, case .object(let o)? = try? JSONValue(parsing: Data(text.utf8)) else { return [:] }
        return o
    }

    /// An audit event's details as a JSON object with sorted keys.
    public static func details(_ details: [String: String]) -> String {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        for (k, v) in details.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public static func details(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// An audit event's time as stored: whole milliseconds since 1970 (what the hash chain covers).
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// Token times are whole seconds.
    public static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970) }

    public static func date(seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}

extension AuditChain {
    /// Walks a chain event by event, oldest first, as `verifyChain` reads it from either store.
    public struct Verifier: Sendable {
        private var previous = AuditChain.genesis
        private var expected: Int64 = 1
        public private(set) var checked: Int64 = 0

        public init() {}

        /// Checks the next event; false at the first one whose number or hash is wrong (a gap in the
        /// numbering is a deleted event).
        public mutating func check(_ event: AuditEvent) -> Bool {
            checked += 1
            guard event.sequence == expected, AuditChain.hash(previous: previous, sequence: event.sequence, event: event.event) == event.hash
            else { return false }
            previous = event.hash
            expected += 1
            return true
        }
    }
}
