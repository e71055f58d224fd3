import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: ThrottleStore {
    /// One upsert a key (`ThrottleCount.next` in SQL); the change is announced to every node.
    public func recordThrottleFailures(keys: [String], at now: Date, forgetAfter: TimeInterval) async throws -> [ThrottleCount] {
        let (t, forgotten) = (now.timeIntervalSince1970, now.timeIntervalSince1970 - forgetAfter)
        return try await writer.submit { write in
            try await write.rows("DELETE FROM throttle_failures WHERE changed_at <= \(forgotten)")
            var counts: [ThrottleCount] = []
            for key in keys {
                let failures =
                    try await write.rows(
                        """
                        INSERT INTO throttle_failures (key, failures, changed_at) VALUES (\(key), 1, \(t))
                        ON CONFLICT (key) DO UPDATE SET changed_at = EXCLUDED.changed_at,
                            failures = CASE WHEN throttle_failures.changed_at > \(forgotten) THEN throttle_failures.failures + 1 ELSE 1 END
                        RETURNING failures
                        """
                    ).first?.decode(Int.self) ?? 1
                counts.append(ThrottleCount(key: key, failures: failures, changedAt: now))
            }
            write.notify(.throttle)
            return counts
        }
    }

    public func clearThrottleFailures(keys: [String], at now: Date) async throws {
        try await writer.submit { write in
            for key in keys {
                try await write.rows(
                    """
                    INSERT INTO throttle_failures (key, failures, changed_at) VALUES (\(key), 0, \(now.timeIntervalSince1970))
                    ON CONFLICT (key) DO UPDATE SET failures = 0, changed_at = EXCLUDED.changed_at
                    """
                )
            }
            write.notify(.throttle)
        }
    }

    public func throttleCounts(changedSince since: Date) async throws -> [ThrottleCount] {
        try await rows("SELECT key, failures, changed_at FROM throttle_failures WHERE changed_at >= \(since.timeIntervalSince1970) ORDER BY key")
            .map { row in
                let (key, failures, changedAt) = try row.decode((String, Int, Double).self)
                return ThrottleCount(key: key, failures: failures, changedAt: Date(timeIntervalSince1970: changedAt))
            }
    }
}
