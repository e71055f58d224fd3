import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The refresh-token retry grace (issue 15 item 6): within the client's window, a rotated refresh
/// token presented again answers the same new tokens instead of revoking the family; outside it, or
/// once the new refresh token was used, reuse still revokes the family. Off by default.
@Suite("refresh retry grace")
struct RefreshRetryTests {
    /// customer-portal with a retry grace of `seconds`.
    static func grant(_ server: TestServer, seconds: Int) async throws {
        _ = try await server.engine.updateClient(tenantID: "sms", clientID: CodeFlowClient.portal.id, actor: "test") {
            $0.refreshTokenRetryGrace = seconds
        }
    }

    @Test func aRetryWithinTheGraceAnswersTheSameTokensAndTheFamilyLives() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            try await Self.grant(server, seconds: 30)
            let refresh1 = try #require(try await CodeExchangeAndRefreshTests().tokens(server)["refresh_token"]?.stringValue)
            let first = try await CodeFlowClient.portal.refresh(server, refresh1)
            #expect(first.status == 200, "\(first)")
            clock.advance(by: 20)
            // The answer was lost: the client presents the old refresh token again.
            let retry = try await CodeFlowClient.portal.refresh(server, refresh1)
            #expect(retry.status == 200, "\(retry)")
            let (a, b) = (try first.json(), try retry.json())
            for field in ["access_token", "refresh_token", "id_token", "token_type", "scope"] {
                #expect(a[field] == b[field], "\(field) differs")
            }
            let refresh2 = try #require(b["refresh_token"]?.stringValue)
            #expect(try await server.isActive(try #require(b["access_token"]?.stringValue)))
            // Nothing was revoked; the family goes on with the new refresh token.
            let reuse = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenReuseDetected))
            #expect(reuse.isEmpty)
            let retried = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenRefreshed))
            #expect(retried.contains { $0.event.details["retried"] == "true" })
            #expect(try await CodeFlowClient.portal.refresh(server, refresh2).status == 200)
        }
    }

    @Test func outsideTheGraceOrAfterTheNewTokenWasUsedReuseRevokesTheFamily() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            try await Self.grant(server, seconds: 30)
            // Past the window.
            let refresh1 = try #require(try await CodeExchangeAndRefreshTests().tokens(server)["refresh_token"]?.stringValue)
            let access2 = try #require(try await CodeFlowClient.portal.refresh(server, refresh1).json()["access_token"]?.stringValue)
            clock.advance(by: 31)
            expectOAuthError(
                try await CodeFlowClient.portal.refresh(server, refresh1),
                status: 400,
                code: "invalid_grant",
                mentioning: "already used"
            )
            #expect(try await server.isActive(access2) == false)
        }
        try await TestServer.with(clock: clock) { server in
            try await Self.grant(server, seconds: 30)
            // Within the window, but the new refresh token was used already: a copy is being replayed.
            let refresh1 = try #require(try await CodeExchangeAndRefreshTests().tokens(server)["refresh_token"]?.stringValue)
            let refresh2 = try #require(try await CodeFlowClient.portal.refresh(server, refresh1).json()["refresh_token"]?.stringValue)
            let third = try await CodeFlowClient.portal.refresh(server, refresh2)
            #expect(third.status == 200)
            expectOAuthError(try await CodeFlowClient.portal.refresh(server, refresh1), status: 400, code: "invalid_grant")
            #expect(try await server.isActive(try #require(try third.json()["access_token"]?.stringValue)) == false)
        }
    }

    @Test func twoInstancesRefreshingAtOnceBothGetTheSameAnswer() async throws {
        try await TestServer.with { server in
            try await Self.grant(server, seconds: 30)
            let refresh1 = try #require(try await CodeExchangeAndRefreshTests().tokens(server)["refresh_token"]?.stringValue)
            let answers = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<4 { group.addTask { try await CodeFlowClient.portal.refresh(server, refresh1) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers)")
            let refreshTokens = Set(try answers.map { try $0.json()["refresh_token"]?.stringValue ?? "" })
            #expect(refreshTokens.count == 1, "every instance holds the one new refresh token")
            #expect(try await CodeFlowClient.portal.refresh(server, try #require(refreshTokens.first)).status == 200)
        }
    }

    @Test func offByDefaultAndRefusedOutOfRange() async throws {
        try await TestServer.with { server in
            let refresh1 = try #require(try await CodeExchangeAndRefreshTests().tokens(server)["refresh_token"]?.stringValue)
            #expect(try await CodeFlowClient.portal.refresh(server, refresh1).status == 200)
            expectOAuthError(
                try await CodeFlowClient.portal.refresh(server, refresh1),
                status: 400,
                code: "invalid_grant",
                mentioning: "already used"
            )
            for bad in [-1, ClientSpec.maxRefreshTokenRetryGrace + 1] {
                await #expect(throws: AdminError.self) { try await Self.grant(server, seconds: bad) }
            }
            #expect(server.engine.config.snapshot.client("sms", CodeFlowClient.portal.id)?.spec.refreshTokenRetryGrace == 0)
        }
    }
}
