import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Many token requests at once: every one succeeds, and every token handed out is in the store
/// (group commit returns a token only once its row is committed).
@Suite("concurrency")
struct ConcurrencyTests {
    @Test("200 concurrent token requests all succeed and every token id is stored")
    func twoHundredConcurrentRequests() async throws {
        try await TestServer.with { server in
            let tokens = try await withThrowingTaskGroup(of: (DemoClient, String).self) { group in
                for i in 0..<200 {
                    let client: DemoClient = i % 2 == 0 ? .billing : .partnerPortal
                    group.addTask { (client, try await server.accessToken(client)) }
                }
                var all: [(DemoClient, String)] = []
                for try await token in group { all.append(token) }
                return all
            }
            #expect(tokens.count == 200)
            #expect(Set(tokens.map(\.1)).count == 200, "every token is distinct")
            var ids: Set<String> = []
            for (client, token) in tokens {
                let id: String
                if let jws = JWS.parse(token) {
                    id = try #require(jws.string("jti"))
                } else {
                    // Opaque: cdo_ + the 26-character id + the secret.
                    #expect(token.hasPrefix("cdo_"))
                    id = String(token.dropFirst(4).prefix(26))
                }
                ids.insert(id)
                let record = try #require(try await server.store.token(id: id), "token \(id) is not in the store")
                #expect(record.clientID == client.id)
            }
            #expect(ids.count == 200)
            let issued = try await server.store.events(after: 0, limit: 1000, filter: .init(tenantID: "sms", type: .tokenIssued))
            #expect(Set(issued.compactMap(\.event.tokenID)) == ids)
            #expect(try await server.store.verifyChain().isIntact)
        }
    }
}
