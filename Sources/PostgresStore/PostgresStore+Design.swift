import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: DesignStore {
    public func designVersions(tenantID: String) async throws -> [DesignVersion] {
        try await rows("SELECT data FROM design_versions WHERE tenant_id = \(tenantID) ORDER BY number").decoded(DesignVersion.self)
    }

    public func designVersion(tenantID: String, number: Int) async throws -> DesignVersion? {
        try await rows("SELECT data FROM design_versions WHERE tenant_id = \(tenantID) AND number = \(number)").decoded(DesignVersion.self).first
    }

    public func designDraft(tenantID: String) async throws -> DesignDraft? {
        try await rows("SELECT data FROM design_drafts WHERE tenant_id = \(tenantID)").decoded(DesignDraft.self).first
    }
}
