import AuthEngine
import Foundation
import JOSE
import Testing

/// RFC 9126 pushed requests on every store: what the engine pushes comes back as pushed, is used
/// once across concurrent callers (nodes), never after it expired, and is gone with its tenant.
@Suite("Store conformance: pushed authorization requests")
struct StoreConformancePushedRequestTests {
    let T = ConformanceFixture.tenant
    static let redirect = "https://app.example/cb"

    @Test(arguments: StoreKind.allCases)
    func aPushedRequestIsKeptBoundToItsClientAndUsedOnce(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        _ = try await f.engine.registerClient(
            tenantID: T,
            id: "app",
            ClientSpec(name: "App", type: .public, grantTypes: [.authorizationCode], scopes: ["openid"], redirectURIs: [Self.redirect]),
            actor: "test"
        )
        let challenge = Base64URL.encode(Array(repeating: UInt8(7), count: 32))
        // A value that needs escaping survives the store's form encoding.
        let form = [
            ("client_id", "app"), ("response_type", "code"), ("redirect_uri", Self.redirect), ("scope", "openid"),
            ("state", "a b&c=d é"), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        func push() async throws -> String {
            let answer = try await f.engine.pushAuthorizationRequest(
                TokenEndpointRequest(tenantID: T, form: FormParameters(pairs: form), authorization: nil)
            )
            #expect(answer.expiresIn == 60)
            return try #require(PushedAuthorizationRequest.id(fromRequestURI: answer.requestURI))
        }
        let id = try await push()
        let stored = try #require(try await f.store.pushedRequest(tenantID: T, id: id))
        #expect(stored.clientID == "app")
        #expect(stored.parameters == FormParameters(pairs: form))
        #expect(stored.usedAt == nil)
        #expect(stored.expiresAt.timeIntervalSince(stored.createdAt) == 60)
        #expect(try await f.store.pushedRequest(tenantID: "other", id: id) == nil, "a tenant sees only its own")

        // Of concurrent uses (two nodes, two tabs) exactly one wins.
        let now = f.clock.now()
        let wins = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { (try? await f.store.usePushedRequest(tenantID: T, id: id, at: now)) ?? false } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(try await f.store.pushedRequest(tenantID: T, id: id)?.usedAt != nil)

        // An expired one cannot be used, and the tenant's next push deletes it.
        let late = try await push()
        f.clock.advance(by: 61)
        #expect(try await f.store.usePushedRequest(tenantID: T, id: late, at: f.clock.now()) == false)
        let fresh = try await push()
        #expect(try await f.store.pushedRequest(tenantID: T, id: late) == nil)
        #expect(try await f.store.pushedRequest(tenantID: T, id: fresh) != nil)

        _ = try await f.engine.deleteTenant(T, force: true, actor: "test")
        #expect(try await f.store.pushedRequest(tenantID: T, id: fresh) == nil)
    }
}
