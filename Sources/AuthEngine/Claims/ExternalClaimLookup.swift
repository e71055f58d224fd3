import Foundation
import JOSE
import Synchronization

/// Runs the external lookups of the claims a token will carry, before the (synchronous) issuance
/// code resolves them: fills the URL, fetches it within the claim's timeout, reads the value at its
/// path and caches it for the claim's cache lifetime. All lookups of one issuance run concurrently.
public final class ExternalClaimLookup: Sendable {
    private let fetcher: (any ClaimLookupFetcher)?
    private let clock: any WallClock
    /// What a lookup's timeout is measured on.
    private let timer: any Clock<Duration>
    private let cache = Mutex<[String: (value: JSONValue, expires: Date)]>([:])
    /// Bounds memory: past this many answers, expired ones are dropped, then everything.
    static let cacheLimit = 10_000

    /// Set while the lint measures token sizes: a publish must not call other systems once per client
    /// and user, so lookups are skipped (their claims left out of the measurement).
    @TaskLocal static var skipped = false

    /// - Parameters:
    ///   - clock: the dates cached answers expire at.
    ///   - timer: the clock each lookup's timeout runs on.
    public init(fetcher: (any ClaimLookupFetcher)?, clock: any WallClock, timer: any Clock<Duration> = ContinuousClock()) {
        self.fetcher = fetcher
        self.clock = clock
        self.timer = timer
    }

    /// One result per definition: the value, or why there is none.
    func values(
        for definitions: [ClaimDefinition],
        tenantID: String,
        user: User?,
        client: Client
    ) async
        -> [String: Result<JSONValue, ClaimLookupError>]
    {
        await withTaskGroup(of: (String, Result<JSONValue, ClaimLookupError>).self) { group in
            for definition in definitions {
                guard case .externalLookup(let lookup) = definition.source else { continue }
                group.addTask { (definition.name, await self.value(lookup, claim: definition.name, tenantID: tenantID, user: user, client: client)) }
            }
            var results: [String: Result<JSONValue, ClaimLookupError>] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }

    private func value(
        _ lookup: ExternalLookup,
        claim: String,
        tenantID: String,
        user: User?,
        client: Client
    ) async -> Result<JSONValue, ClaimLookupError> {
        guard let url = Self.fill(lookup.url, tenantID: tenantID, user: user, client: client) else {
            return .failure(
                ClaimLookupError(
                    user == nil ? "the URL names the user, and this token has none" : "the URL names a user attribute this user does not have"
                )
            )
        }
        let key = "\(tenantID)\u{0}\(claim)\u{0}\(url)"
        let now = clock.now()
        if let hit = cache.withLock({ $0[key] }), hit.expires > now { return .success(hit.value) }
        guard let fetcher else { return .failure(ClaimLookupError("no HTTP client is configured for external lookups")) }
        let body: Data
        do {
            body = try await fetch(url, with: fetcher, timeout: .milliseconds(lookup.timeoutMilliseconds))
        } catch {
            return .failure(ClaimLookupError("\(error)"))
        }
        guard let json = try? JSONValue(parsing: body) else { return .failure(ClaimLookupError("the answer is not JSON")) }
        let value: JSONValue?
        if let path = lookup.path {
            guard case .object(let o) = json else {
                return .failure(ClaimLookupError("the answer is not a JSON object, so path '\(path)' cannot be read"))
            }
            value = ClaimResolver.lookup(path, in: o)
        } else {
            value = json
        }
        guard let value, value != .null else { return .failure(ClaimLookupError("the answer has no value at '\(lookup.path ?? "")'")) }
        if lookup.cacheSeconds > 0 {
            let expires = now.addingTimeInterval(TimeInterval(lookup.cacheSeconds))
            cache.withLock { c in
                if c.count >= Self.cacheLimit { c = c.filter { $0.value.expires > now } }
                if c.count >= Self.cacheLimit { c.removeAll() }
                c[key] = (value, expires)
            }
        }
        return .success(value)
    }

    /// The fetcher's answer, or a "no answer within" failure once `timeout` has passed on the timer,
    /// whichever comes first; the loser is cancelled. The engine bounds every lookup here, whatever the
    /// fetcher does with the timeout it is told.
    private func fetch(_ url: String, with fetcher: any ClaimLookupFetcher, timeout: Duration) async throws -> Data {
        try await withThrowingTaskGroup(of: Data.self) { group in
            group.addTask { try await fetcher.fetch(url: url, timeout: timeout) }
            group.addTask { [timer] in
                try await timer.sleep(for: timeout)
                let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
                throw ClaimLookupError("no answer within \(milliseconds) ms")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw ClaimLookupError("no answer") }
            return first
        }
    }

    /// The URL with its placeholders filled in and percent-encoded; nil if a value is missing.
    public static func fill(_ template: String, tenantID: String, user: User?, client: Client) -> String? {
        Placeholders.fill(template) { name in
            let value: String?
            switch name {
            case "sub": value = user?.id
            case "client_id": value = client.id
            case "tenant": value = tenantID
            default:
                guard name.hasPrefix("user."), let user else { return nil }
                value = ClaimResolver.lookup(String(name.dropFirst(5)), in: user.attributes).map(Placeholders.text)
            }
            return value.map(FormEncoding.encode)
        }
    }
}
