import AuthEngine

/// One `key:value` word of a list's `/` filter. A list's table of these is the one source of the
/// parser's "unknown filter" error, the hint over the filter line, the `?` help and completion, so
/// what is offered is what is accepted.
public struct FilterKey: Sendable {
    /// Where a key's values come from, for completion.
    public enum Values: Sendable, Hashable {
        /// Any text (an id, a subject, a time): nothing to complete.
        case free
        /// Only these are accepted.
        case fixed([String])
        /// The current tenant's client ids, the tenants, the audit event types.
        case clients, tenants, eventTypes
    }

    public var name: String
    /// Other spellings the parser accepts (`subject` for `sub`).
    public var aliases: [String]
    /// What the hint shows after the colon (`ID`, `1h`); a fixed key shows its values.
    public var placeholder: String
    public var help: String
    public var values: Values

    public init(_ name: String, _ help: String, placeholder: String? = nil, aliases: [String] = [], values: Values = .free) {
        self.name = name
        self.aliases = aliases
        if case .fixed(let v) = values, placeholder == nil {
            self.placeholder = v.joined(separator: "|")
        } else {
            self.placeholder = placeholder ?? "ID"
        }
        self.help = help
        self.values = values
    }

    /// True for the key's name or one of its aliases.
    func named(_ word: String) -> Bool { word == name || aliases.contains(word) }
}

/// A list's filter language: its keys, and what a word without a key means.
public struct FilterLanguage: Sendable {
    public var keys: [FilterKey]
    /// What a bare word does ("a token id", "any text in the event"); nil when only keys are taken.
    public var bare: String

    public init(_ keys: [FilterKey], bare: String) {
        self.keys = keys
        self.bare = bare
    }

    /// A list filtered by text alone (clients, keys, users): no keys.
    public static func text(_ what: String) -> FilterLanguage { FilterLanguage([], bare: what) }

    /// `client:ID status:active|expired|revoked …, or TEXT`: the hint and the parser's error.
    public var hint: String {
        let words = keys.map { "\($0.name):\($0.placeholder)" }.joined(separator: " ")
        return keys.isEmpty ? bare : words + "; a bare word: " + bare
    }

    public func key(_ word: String) -> FilterKey? { keys.first { $0.named(word) } }

    /// The `?` help section of the list's filter.
    public var helpEntries: [HelpEntry] {
        keys.map { HelpEntry(keys: "\($0.name):\($0.placeholder)", text: $0.help) } + [HelpEntry(keys: "WORD", text: bare)]
    }

    /// Completions of the last word of `text`, each the whole line with that word completed: key
    /// names while no colon is typed, then the key's values (`resolve` lists clients, tenants, types).
    func completions(_ text: String, resolve: (FilterKey.Values) -> [String]) -> [Completion] {
        let head =
            text.last == " " || text.isEmpty ? text : String(text[..<(text.lastIndex(of: " ").map { text.index(after: $0) } ?? text.startIndex)])
        let word = String(text.dropFirst(head.count))
        if let colon = word.firstIndex(of: ":") {
            let name = String(word[..<colon])
            let typed = word[word.index(after: colon)...].lowercased()
            guard let key = key(name) else { return [] }
            return resolve(key.values).filter { $0.lowercased().hasPrefix(typed) && $0.lowercased() != typed }
                .map { Completion(text: head + name + ":" + $0 + " ", label: $0) }
        }
        let lower = word.lowercased()
        return keys.filter { $0.name.hasPrefix(lower) }.map { Completion(text: head + $0.name + ":", label: $0.name + ":") }
    }
}

/// One completion: the whole line it makes, and the short label listed among the matches.
public struct Completion: Sendable, Hashable {
    public var text: String
    public var label: String
}
