import Foundation

/// What security events revoked: single tokens by `jti`, and every token of a subject or a client
/// issued up to the event's time. Consulted on every validation, cached or not, so a revoked JWT is
/// refused from the event on even though its signature and `exp` are still good.
///
/// Entries are forgotten after `memory` (by then every token they could refuse has expired), and
/// each kind is bounded by `maximumEntries` (the oldest goes first), so a flood of events cannot
/// grow the API's memory without limit.
struct RevocationList: Sendable {
    let memory: TimeInterval
    let maximumEntries: Int
    private(set) var tokens: [String: Date] = [:]
    private(set) var subjects: [String: Date] = [:]
    private(set) var clients: [String: Date] = [:]
    /// Every token of the issuer issued up to then (a tenant-wide revocation).
    private(set) var everything: Date?

    init(memory: TimeInterval, maximumEntries: Int) {
        self.memory = memory
        self.maximumEntries = max(1, maximumEntries)
    }

    enum Target: Sendable, Hashable {
        case token(jti: String)
        case subject(String)
        case client(String)
        /// Every token of the issuer.
        case all
    }

    /// Records `target` as revoked at `time`; keeps the latest time when one is already recorded.
    mutating func revoke(_ target: Target, at time: Date, now: Date) {
        switch target {
        case .token(let jti): Self.insert(jti, time, into: &tokens, bound: maximumEntries)
        case .subject(let subject): Self.insert(subject, time, into: &subjects, bound: maximumEntries)
        case .client(let client): Self.insert(client, time, into: &clients, bound: maximumEntries)
        case .all: everything = max(everything ?? time, time)
        }
        forget(before: now.addingTimeInterval(-memory))
    }

    /// Why `principal` is refused, or nil. A token with no `iat` is refused by any subject or client event.
    func refusal(for principal: Principal) -> TokenValidationError? {
        if let jti = principal.tokenID, tokens[jti] != nil {
            return .invalidToken(reason: "the token has been revoked")
        }
        let issued = principal.issuedAt ?? .distantPast
        if let time = subjects[principal.subject], issued <= time {
            return .invalidToken(reason: "the token has been revoked (every token of its subject)")
        }
        if let time = clients[principal.clientID], issued <= time {
            return .invalidToken(reason: "the token has been revoked (every token of its client)")
        }
        if let time = everything, issued <= time {
            return .invalidToken(reason: "the token has been revoked (every token of its issuer)")
        }
        return nil
    }

    private mutating func forget(before cutoff: Date) {
        tokens = tokens.filter { $0.value >= cutoff }
        subjects = subjects.filter { $0.value >= cutoff }
        clients = clients.filter { $0.value >= cutoff }
        if let time = everything, time < cutoff { everything = nil }
    }

    private static func insert(_ key: String, _ time: Date, into map: inout [String: Date], bound: Int) {
        map[key] = max(map[key] ?? time, time)
        if map.count > bound, let oldest = map.min(by: { $0.value < $1.value })?.key {
            map[oldest] = nil
        }
    }
}
