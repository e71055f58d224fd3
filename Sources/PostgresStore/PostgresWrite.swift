import AuthEngine
import Logging
import PostgresNIO

/// One write transaction of the group-commit writer, as a job sees it: statements on the
/// transaction's connection, and audit events collected to be appended once, before the commit.
///
/// Every write transaction starts by taking the audit chain's transaction-scoped advisory lock
/// (`PostgresWriter`), so writers on all nodes append to one chain in order, and always take the
/// lock before any row lock: two nodes cannot deadlock over a token row and the chain.
final class PostgresWrite {
    let connection: PostgresConnection
    let logger: Logger
    private(set) var audit: [AuditEventDraft] = []
    /// Changes to announce at commit (PostgreSQL delivers a notification only once its transaction commits).
    private(set) var notifications: Set<StoreChange> = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Token rows queued by `insert`, not yet sent.
    private var queuedTokens: [TokenRecord] = []
    /// The transaction's opening statements (BEGIN, the chain lock), sent ahead of its first round trip:
    /// they need no answer of their own, so a client_credentials batch commits in two round trips
    /// (its rows with the chain's head, then the audit rows with COMMIT) instead of four.
    private var queuedOpening: [PostgresQuery] = []
    /// Whether anything of the transaction has reached the server (a ROLLBACK is then needed).
    private var sentAny = false

    /// Opens the transaction with `statements`, sent with the first round trip.
    func begin(_ statements: [PostgresQuery]) { queuedOpening = statements }

    /// Runs a statement and returns its rows; the queued token rows go first (in the same round
    /// trip), so it sees them.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await pipelined([query])[0]
    }

    @discardableResult
    func rows(_ sql: SQL) async throws -> [PostgresRow] { try await rows(sql.query) }

    /// Runs an UPDATE/DELETE/INSERT written with `RETURNING 1` and says how many rows it touched.
    func changed(_ query: PostgresQuery) async throws -> Int { try await rows(query).count }

    /// Queues token rows for this transaction: the rows of consecutive jobs (a batch of
    /// client_credentials issuances) become one multi-row INSERT, sent before the next statement or
    /// at `flush`. A duplicate id then fails the whole batch, which the writer replays job by job.
    func insert(_ tokens: [TokenRecord]) { queuedTokens += tokens }

    /// Sends `queries` back to back and waits for them all, in order: one round trip's wait for
    /// statements that do not depend on each other's answer (BEGIN and the chain lock; the
    /// notifications and COMMIT). They are written to the connection in order before the first
    /// answer is awaited (the future API writes at once), so PostgreSQL runs them in order; any
    /// failure throws, and the transaction is then rolled back.
    @discardableResult
    func pipelined(_ queries: [PostgresQuery]) async throws -> [[PostgresRow]] {
        let all = queuedOpening + TokenColumns.inserts(queuedTokens).map(\.query) + queries
        queuedOpening = []
        queuedTokens = []
        sentAny = true
        let sent = all.map { query -> EventLoopFuture<PostgresQueryResult> in connection.query(query, logger: logger) }
        var results: [[PostgresRow]] = []
        for answer in sent { results.append(Array(try await answer.get().rows)) }
        return Array(results.suffix(queries.count))
    }

    /// Rolls the transaction back, dropping the rows still queued.
    func rollback() async {
        queuedTokens = []
        queuedOpening = []
        guard sentAny else { return }
        _ = try? await connection.query("ROLLBACK", logger: logger)
    }

    /// Queues events for the chain, appended in this transaction before it commits.
    func append(_ events: [AuditEventDraft]) {
        audit += events
        if !events.isEmpty { notify(.audit) }
    }

    func notify(_ change: StoreChange) { notifications.insert(change) }

    /// The statements that append the queued events to the chain: its head is read first (with
    /// everything queued, in one round trip), the inserts are sent with the commit.
    private func auditInserts() async throws -> [PostgresQuery] {
        guard !audit.isEmpty else { return [] }
        let head = try await pipelined(["SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"])[0].first
        var seq: Int64 = 0
        var previous = AuditChain.genesis
        if let head { (seq, previous) = try head.decode((Int64, String).self) }
        var inserts: [PostgresQuery] = []
        // At most 65,535 bound values a statement: 12 a row.
        for chunk in stride(from: 0, to: audit.count, by: 4000) {
            var sql = SQL(
                "INSERT INTO audit_events (seq, time, type, outcome, tenant_id, client_id, subject, token_id, reason, actor, details, hash) VALUES "
            )
            var values: [String] = []
            for e in audit[chunk..<min(chunk + 4000, audit.count)] {
                seq += 1
                let hash = AuditChain.hash(previous: previous, sequence: seq, event: e)
                values.append(
                    sql.row([
                        seq, StoredForm.millis(e.time), e.type.rawValue, e.outcome.rawValue, e.tenantID, e.clientID, e.subject,
                        e.tokenID, e.reason, e.actor, StoredForm.details(e.details), hash,
                    ])
                )
                previous = hash
            }
            sql.text += values.joined(separator: ", ")
            inserts.append(sql.query)
        }
        return inserts
    }

    /// The audit rows, the notifications and COMMIT in one round trip (PostgreSQL delivers the
    /// notifications at the commit; a failed insert fails the COMMIT, which then rolls back).
    func commit() async throws {
        let inserts = try await auditInserts()
        let notify = notifications.map(\.rawValue).sorted().map { change -> PostgresQuery in
            "SELECT pg_notify(\(PostgresChannels.changes), \(change))"
        }
        try await pipelined(inserts + notify + ["COMMIT"])
    }
}

/// The LISTEN/NOTIFY channel nodes tell each other of changes on; the payload is a `StoreChange`.
enum PostgresChannels {
    static let changes = "claimdeck_changes"
}
