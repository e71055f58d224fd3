import Foundation

/// What a prune of one tenant deleted, or in a dry run would delete.
public struct PruneReport: Sendable, Hashable {
    public var tenantID: String
    /// The tenant's retention, seconds.
    public var retention: Int
    /// Rows that expired, ended or were revoked before this went.
    public var before: Date
    public var counts: PruneCounts
}

extension ClaimdeckEngine {
    /// Deletes what is past each tenant's retention (`TenantPolicy.tokenRetention`): token rows, ended
    /// or expired sessions and device authorizations, used assertion ids that expired. In batches of
    /// `batchSize` rows, so that a janitor deleting millions of rows leaves the writer to the requests:
    /// a batch joins the group transaction of the tokens being issued, so its length is added to their
    /// latency. Between batches it waits `pause`, or longer so that it holds at most `writerShare` of
    /// the writer's time (a batch that took 5 ms is followed by 20 ms at 0.2); a zero `pause` runs the
    /// batches back to back. `dryRun` only counts. Audit events are kept; a prune that deleted
    /// anything is audited (`retention.pruned`, with the counts).
    public func prune(
        tenantID: String? = nil,
        dryRun: Bool,
        actor: String,
        batchSize: Int = 100,
        pause: Duration = .milliseconds(10),
        writerShare: Double = 0.2
    ) async throws(AdminError) -> [PruneReport] {
        let tenants: [Tenant]
        if let tenantID {
            tenants = [try tenantSummary(tenantID).tenant]
        } else {
            tenants = config.snapshot.tenants.values.sorted { $0.id < $1.id }
        }
        var reports: [PruneReport] = []
        for tenant in tenants {
            let now = clock.now()
            let cutoff = Self.retentionCutoff(tenant, at: now)
            var counts = PruneCounts()
            if dryRun {
                counts = try await storeCall { try await store.prune(cutoff, limit: batchSize, dryRun: true) }
            } else {
                while true {
                    // Real elapsed time, not the injected clock: it paces the deletion and is never stored.
                    let started = ContinuousClock.now
                    let batch = try await storeCall { try await store.prune(cutoff, limit: batchSize, dryRun: false) }
                    counts = counts + batch
                    guard batch.reached(batchSize) else { break }
                    guard pause > .zero else { continue }
                    let took = ContinuousClock.now - started
                    try? await timer.sleep(for: max(pause, took * ((1 - writerShare) / max(writerShare, 0.01))))
                }
                if counts.total > 0 { await audit([Self.pruneEvent(tenant, counts, cutoff: cutoff, at: clock.now(), actor: actor)]) }
            }
            reports.append(PruneReport(tenantID: tenant.id, retention: tenant.policy.tokenRetention, before: cutoff.before, counts: counts))
        }
        return reports
    }

    /// Prunes every tenant every `interval` until cancelled (`claimdeck serve` and the console's server
    /// run it). A failure is logged and tried again at the next interval.
    public func runJanitor(every interval: Duration = .seconds(60)) async {
        while !Task.isCancelled {
            do {
                _ = try await prune(dryRun: false, actor: "janitor")
            } catch {
                errorLog.error("the retention janitor could not prune", metadata: ["error": "\(error)"])
            }
            try? await timer.sleep(for: interval)
        }
    }

    /// What `tenant`'s retention selects at `now`.
    public static func retentionCutoff(_ tenant: Tenant, at now: Date) -> RetentionCutoff {
        let before = now.addingTimeInterval(-TimeInterval(tenant.policy.tokenRetention))
        return RetentionCutoff(
            tenantID: tenant.id,
            before: before,
            tokenIDsBelow: Identifiers.timeOrderedFloor(at: before),
            assertionsExpiredBefore: now,
            keepRevokedWithReason: rotatedReason
        )
    }

    private static func pruneEvent(_ tenant: Tenant, _ c: PruneCounts, cutoff: RetentionCutoff, at now: Date, actor: String) -> AuditEventDraft {
        AuditEventDraft(
            time: now,
            type: .retentionPruned,
            tenantID: tenant.id,
            actor: actor,
            details: [
                "before": ISO8601DateFormatter().string(from: cutoff.before),
                "access_tokens": "\(c.accessTokens)", "refresh_tokens": "\(c.refreshTokens)", "codes": "\(c.codes)",
                "sessions": "\(c.sessions)", "device_authorizations": "\(c.deviceAuthorizations)", "used_assertions": "\(c.usedAssertions)",
            ]
        )
    }
}
