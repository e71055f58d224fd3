import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: DesignStore {
    public func designVersions(tenantID: String) async throws -> [DesignVersion] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT data FROM design_versions WHERE tenant_id = ? ORDER BY number", arguments: [tenantID])
                .map { try JSONDecoder().decode(DesignVersion.self, from: $0) }
        }
    }

    public func designVersion(tenantID: String, number: Int) async throws -> DesignVersion? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM design_versions WHERE tenant_id = ? AND number = ?", arguments: [tenantID, number])
                .map { try JSONDecoder().decode(DesignVersion.self, from: $0) }
        }
    }

    public func designDraft(tenantID: String) async throws -> DesignDraft? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM design_drafts WHERE tenant_id = ?", arguments: [tenantID])
                .map { try JSONDecoder().decode(DesignDraft.self, from: $0) }
        }
    }
}
