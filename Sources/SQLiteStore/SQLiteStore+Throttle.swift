import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: ThrottleStore {
    public func recordThrottleFailures(keys: [String], at now: Date, forgetAfter: TimeInterval) async throws -> [ThrottleCount] {
        try await writer.submit { db in
            try db.execute(sql: "DELETE FROM throttle_failures WHERE changed_at <= ?", arguments: [now.timeIntervalSince1970 - forgetAfter])
            return try keys.map { key in
                let stored = try Row.fetchOne(db, sql: "SELECT * FROM throttle_failures WHERE key = ?", arguments: [key]).map(Self.throttleCount)
                let next = ThrottleCount.next(after: stored, key: key, at: now, forgetAfter: forgetAfter)
                try db.execute(
                    sql: "INSERT OR REPLACE INTO throttle_failures (key, failures, changed_at) VALUES (?, ?, ?)",
                    arguments: [key, next.failures, now.timeIntervalSince1970]
                )
                return next
            }
        }
    }

    public func clearThrottleFailures(keys: [String], at now: Date) async throws {
        try await writer.submit { db in
            for key in keys {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO throttle_failures (key, failures, changed_at) VALUES (?, 0, ?)",
                    arguments: [key, now.timeIntervalSince1970]
                )
            }
        }
    }

    public func throttleCounts(changedSince since: Date) async throws -> [ThrottleCount] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM throttle_failures WHERE changed_at >= ? ORDER BY key",
                arguments: [since.timeIntervalSince1970]
            ).map(Self.throttleCount)
        }
    }

    private static func throttleCount(_ row: Row) -> ThrottleCount {
        ThrottleCount(key: row["key"], failures: row["failures"], changedAt: Date(timeIntervalSince1970: row["changed_at"]))
    }
}
