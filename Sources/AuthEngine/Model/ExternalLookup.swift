/// Where an external claim comes from: an HTTP GET at issuance, answered within a timeout, cached,
/// with a per-claim policy for when the other system does not answer.
public struct ExternalLookup: Sendable, Hashable, Codable {
    /// What to do when the lookup fails (timeout, non-2xx, unreadable JSON, missing path).
    public enum FailurePolicy: String, Sendable, Hashable, Codable, CaseIterable {
        /// Issue the token without the claim (and log that it was left out).
        case omit
        /// Refuse issuance: 503 `temporarily_unavailable`.
        case fail
    }

    /// An http(s) URL; `{sub}`, `{client_id}`, `{tenant}` and `{user.<path>}` are filled in, percent-encoded.
    public var url: String
    /// Dotted path into the JSON answer; nil: the whole answer is the value.
    public var path: String?
    public var timeoutMilliseconds: Int
    /// How long an answer is reused; 0: never cached.
    public var cacheSeconds: Int
    public var onFailure: FailurePolicy

    public init(
        url: String,
        path: String? = nil,
        timeoutMilliseconds: Int = 500,
        cacheSeconds: Int = 60,
        onFailure: FailurePolicy = .omit
    ) {
        self.url = url
        self.path = path
        self.timeoutMilliseconds = timeoutMilliseconds
        self.cacheSeconds = cacheSeconds
        self.onFailure = onFailure
    }

    /// The placeholders a URL may use besides `{user.<path>}`.
    public static let placeholders = ["sub", "client_id", "tenant"]

    /// Checks the URL, its placeholders, the timeout and the cache lifetime; errors name `field`.
    public func validate(field: String) throws(AdminError) {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw .invalid(field: field + ".url", "must be an http:// or https:// URL")
        }
        var unknown: String?
        let filled = Placeholders.fill(url) { name in
            if Self.placeholders.contains(name) || (name.hasPrefix("user.") && name.count > 5) { return "x" }
            unknown = name
            return nil
        }
        if let unknown {
            throw .invalid(field: field + ".url", "placeholder '{\(unknown)}' is not one of {sub}, {client_id}, {tenant}, {user.<attribute path>}")
        }
        guard filled != nil else { throw .invalid(field: field + ".url", "has a '{' without its '}'") }
        guard (1...10_000).contains(timeoutMilliseconds) else {
            throw .invalid(field: field + ".timeout_ms", "must be between 1 and 10000 milliseconds")
        }
        guard (0...86_400).contains(cacheSeconds) else {
            throw .invalid(field: field + ".cache_seconds", "must be between 0 and 86400 seconds")
        }
    }
}
