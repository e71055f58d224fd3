import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import SQLiteStore
import TenantYAML
import Testing

/// One shape per client: updates compare before and after, tenant files decode through `ClientSpec`,
/// and the tenant loader goes through the engine's user use cases.
@Suite("Client shape: updates, tenant files, the loader")
struct ClientShapeTests {
    func updates(_ f: Fixture) async throws -> [AuditEvent] {
        try await f.store.events(after: 0, limit: 10_000, filter: AuditFilter(clientID: "billing-service", type: .clientUpdated))
    }

    @Test func anUpdateAuditsTheSettingsThatReallyChangedAndANoOpWritesNothing() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let before = try f.engine.client(tenantID: "sms", clientID: "billing-service")
        f.clock.advance(by: 60)
        let updated = try await f.engine.updateClient(tenantID: "sms", clientID: "billing-service", actor: "test") {
            $0.name = $0.name  // the same value: not a change
            $0.scopes = ["invoice-read"]
            $0.accessTokenLifetime = 120
        }
        #expect(updated.scopes == ["invoice-read"] && updated.accessTokenLifetime == 120 && updated.updatedAt > before.updatedAt)
        #expect(try await updates(f).map { $0.event.details["fields"] } == ["scopes access_token_lifetime"])
        let again = try await f.engine.updateClient(tenantID: "sms", clientID: "billing-service", actor: "test") { $0.scopes = ["invoice-read"] }
        #expect(again == updated)
        #expect(try await updates(f).count == 1, "nothing changed, nothing written")
    }

    @Test func anUpdateCannotChangeTypeOrAuthenticationAndABadValueChangesNothing() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let before = try f.engine.client(tenantID: "sms", clientID: "billing-service")
        for (edit, field) in [
            ({ (s: inout ClientSpec) in s.type = .public }, "type"),
            ({ (s: inout ClientSpec) in s.authMethod = .clientSecretPost }, "auth_method"),
            ({ (s: inout ClientSpec) in s.scopes = ["no-such-scope"] }, "scopes"),
        ] {
            await #expect { try await f.engine.updateClient(tenantID: "sms", clientID: "billing-service", actor: "test", edit) } throws: {
                ($0 as? AdminError)?.field == field
            }
        }
        #expect(try f.engine.client(tenantID: "sms", clientID: "billing-service") == before)
        #expect(try await updates(f).isEmpty)
    }

    @Test func aTenantFileTakesDefaultsAndNamesTheChoicesOfABadValue() throws {
        let minimal = """
            tenant: {id: acme}
            clients:
              - id: job
                name: Job
                scopes: [a]
            """
        let def = try TenantLoader.parse(minimal, source: "acme.yaml")
        #expect(def.clients?.first?.spec == ClientSpec(name: "Job", scopes: ["a"]))
        let bad = minimal + "\n    token_format: jwe\n"
        #expect { try TenantLoader.parse(bad, source: "acme.yaml") } throws: { error in
            guard let error = error as? AdminError else { return false }
            return error.field?.hasPrefix("acme.yaml") == true && error.message.contains("'jwe' is not one of jwt, opaque")
        }
    }

    @Test func theLoaderCreatesUsersThroughTheUseCaseWithTheConfiguredCost() async throws {
        let f = try await Fixture.make(demo: false)
        defer { f.cleanup() }
        _ = try await TenantLoader.load(file: RepoPaths.demoTenantFile, into: f.engine, actor: "loader")
        let created = try await f.store.events(after: 0, limit: 10_000, filter: AuditFilter(tenantID: "sms", type: .userCreated))
        #expect(created.map { $0.event.details["username"] } == ["alice", "bob", "carol"])
        #expect(created.allSatisfy { $0.event.actor == "loader" })
        #expect(try await f.store.events(after: 0, limit: 10_000, filter: AuditFilter(type: .configLoaded)).isEmpty)
        let alice = try await f.engine.user(tenantID: "sms", "alice")
        let cost = f.engine.configuration.passwordCost
        #expect(alice.passwordHash?.hasPrefix("scrypt$\(cost.n)$\(cost.r)$\(cost.p)$") == true)
    }

    @Test func aBadUserInATenantFileCreatesNothing() async throws {
        let f = try await Fixture.make(demo: false)
        defer { f.cleanup() }
        let yaml = """
            tenant: {id: acme}
            users:
              - {id: u-1, username: ann, password: short}
            """
        await #expect { try await TenantLoader.apply(try TenantLoader.parse(yaml), to: f.engine, actor: "test") } throws: {
            ($0 as? AdminError)?.field == "users.u-1.password"
        }
        #expect(f.engine.config.snapshot.tenants["acme"] == nil)
    }
}
