import Foundation

/// A published token design: numbered per tenant from 1, with who published it, why, and (when the
/// gate was overridden) the reason given. Versions are never changed; a rollback publishes an old
/// version's content as a new one.
public struct DesignVersion: Sendable, Hashable, Codable {
    public var tenantID: String
    public var number: Int
    public var design: TokenDesign
    public var author: String
    public var note: String
    public var createdAt: Date
    /// Set when breaking changes were published with `--force`: the reason, also audited.
    public var forcedReason: String?
    /// Set by a rollback: the version whose content this one repeats.
    public var rolledBackFrom: Int?

    public init(
        tenantID: String,
        number: Int,
        design: TokenDesign,
        author: String,
        note: String,
        createdAt: Date,
        forcedReason: String? = nil,
        rolledBackFrom: Int? = nil
    ) {
        self.tenantID = tenantID
        self.number = number
        self.design = design
        self.author = author
        self.note = note
        self.createdAt = createdAt
        self.forcedReason = forcedReason
        self.rolledBackFrom = rolledBackFrom
    }
}

/// The design being edited: one per tenant, started from the live version and published or discarded.
public struct DesignDraft: Sendable, Hashable, Codable {
    public var tenantID: String
    public var design: TokenDesign
    /// The live version the draft started from; publishing refuses if another version went live since.
    public var baseVersion: Int
    public var author: String
    public var updatedAt: Date

    public init(tenantID: String, design: TokenDesign, baseVersion: Int, author: String, updatedAt: Date) {
        self.tenantID = tenantID
        self.design = design
        self.baseVersion = baseVersion
        self.author = author
        self.updatedAt = updatedAt
    }
}
