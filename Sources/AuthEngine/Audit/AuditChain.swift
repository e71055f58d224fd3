import Crypto
import Foundation

/// The hash chain over audit events: every event's hash covers its predecessor's, so an edit or a
/// deletion anywhere breaks every hash after it.
public enum AuditChain {
    /// The hash before the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// Canonical bytes of an event: fields joined by '|' in a fixed order (absent ones as '-'), details
    /// sorted by key; '\\' and '|' inside values are escaped so no value can forge another layout.
    /// Written byte by byte: this runs for every audit event, on the writer thread.
    public static func canonicalBytes(sequence: Int64, event e: AuditEventDraft) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: String(sequence).utf8)
        out.append(bar)
        out.append(contentsOf: String(Int64((e.time.timeIntervalSince1970 * 1000).rounded())).utf8)
        out.append(bar)
        out.append(contentsOf: e.type.rawValue.utf8)
        out.append(bar)
        out.append(contentsOf: e.outcome.rawValue.utf8)
        for field in [e.tenantID, e.clientID, e.subject, e.tokenID, e.reason, e.actor] {
            out.append(bar)
            if let field { appendEscaped(field, to: &out) } else { out.append(UInt8(ascii: "-")) }
        }
        for (k, v) in e.details.sorted(by: { $0.key < $1.key }) {
            out.append(bar)
            appendEscaped(k, to: &out)
            out.append(UInt8(ascii: "="))
            appendEscaped(v, to: &out)
        }
        return out
    }

    private static let bar = UInt8(ascii: "|")
    private static let backslash = UInt8(ascii: "\\")

    private static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            if b == bar || b == backslash { out.append(backslash) }
            out.append(b)
        }
    }

    /// The hash of an event given the hash of its predecessor.
    public static func hash(previous: String, sequence: Int64, event: AuditEventDraft) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previous.utf8))
        hasher.update(data: canonicalBytes(sequence: sequence, event: event))
        return hex(hasher.finalize())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex; `String(format:)` per byte costs more than the hash itself.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Result of checking the whole chain.
public struct AuditChainReport: Sendable, Hashable, Codable {
    public var eventsChecked: Int64
    /// First sequence number whose hash does not match, if any.
    public var firstBrokenSequence: Int64?
    public var isIntact: Bool { firstBrokenSequence == nil }

    public init(eventsChecked: Int64, firstBrokenSequence: Int64?) {
        self.eventsChecked = eventsChecked
        self.firstBrokenSequence = firstBrokenSequence
    }
}

/// Which events to read.
public struct AuditFilter: Sendable, Hashable {
    public var tenantID: String?
    public var clientID: String?
    public var subject: String?
    public var tokenID: String?
    public var type: AuditEventType?
    public var outcome: AuditOutcome?

    public init(
        tenantID: String? = nil,
        clientID: String? = nil,
        subject: String? = nil,
        tokenID: String? = nil,
        type: AuditEventType? = nil,
        outcome: AuditOutcome? = nil
    ) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.subject = subject
        self.tokenID = tokenID
        self.type = type
        self.outcome = outcome
    }
}
