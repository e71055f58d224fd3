import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import TenantYAML
import Testing

/// The shared demo template (ClaimdeckTestSupport): a copy holds what `TenantLoader` leaves in a fresh
/// database, stamped at the load time the fixture asked for, with the demo passwords at the test cost.
@Suite("the demo template")
struct DemoTemplateTests {
    @Test("a copy holds what a fresh TenantLoader load does, its times at the fixture clock's")
    func sameAsAFreshLoad() async throws {
        // The manual clock's default start: the template every Fixture shares.
        let start = ManualWallClock().now()
        let copy = try await Fixture.make(clock: ManualWallClock(start))
        defer { copy.cleanup() }
        let fresh = try await Fixture.make(demo: false, clock: ManualWallClock(start))
        defer { fresh.cleanup() }
        _ = try await TenantLoader.load(file: RepoPaths.demoTenantFile, into: fresh.engine, actor: "test")

        let (a, b) = (copy.engine.config.snapshot, fresh.engine.config.snapshot)
        #expect(a.version == b.version)
        #expect(Set(a.tenants.keys) == Set(b.tenants.keys))
        #expect(Set(a.clients["sms"]?.keys ?? [:].keys) == Set(b.clients["sms"]?.keys ?? [:].keys))
        #expect(a.clients["sms"]?.count == 7)
        #expect(Set(a.scopes["sms"]?.keys ?? [:].keys) == Set(b.scopes["sms"]?.keys ?? [:].keys))
        #expect(Set(a.claims["sms"]?.keys ?? [:].keys) == Set(b.claims["sms"]?.keys ?? [:].keys))
        #expect(a.keys["sms"]?.count == b.keys["sms"]?.count)

        let copied = try await copy.store.users(tenantID: "sms")
        let loaded = try await fresh.store.users(tenantID: "sms")
        #expect(copied.map(\.id) == loaded.map(\.id))
        #expect(copied.map(\.attributes) == loaded.map(\.attributes))
        #expect(copied.allSatisfy { $0.createdAt == start })
        #expect(copied.map { $0.passwordHash != nil } == loaded.map { $0.passwordHash != nil })

        let events = { (f: Fixture) in try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms")).map(\.event) }
        let (copiedEvents, loadedEvents) = (try await events(copy), try await events(fresh))
        #expect(copiedEvents.map(\.type) == loadedEvents.map(\.type))
        #expect(copiedEvents.allSatisfy { $0.time == start })
        #expect(try await copy.store.verifyChain().isIntact)
    }

    @Test("the demo passwords are stored at the test cost and still sign in")
    func passwordsAtTheTestCost() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        for demo in DemoUser.all {
            let user = try #require(try await f.store.user(tenantID: "sms", id: demo.id))
            let hash = try #require(user.passwordHash)
            #expect(PasswordHasher.cost(of: hash) == .testing)
            #expect(PasswordHasher.verify(demo.password, against: hash))
            let login = try await f.engine.login(tenantID: "sms", username: demo.username, password: demo.password, remoteAddress: nil)
            #expect(login.user.id == demo.id)
        }
    }

    @Test("every copy is its own database")
    func copiesAreIndependent() async throws {
        let (one, two) = (try await Fixture.make(), try await Fixture.make())
        defer {
            one.cleanup()
            two.cleanup()
        }
        #expect(one.path != two.path)
        _ = try await one.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
        #expect(one.engine.config.snapshot.client("sms", "billing-service")?.disabled == true)
        #expect(two.engine.config.snapshot.client("sms", "billing-service")?.disabled == false)
    }
}
