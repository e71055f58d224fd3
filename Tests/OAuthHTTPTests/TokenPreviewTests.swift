import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The preview runs the issuance code: for every demo client, what it shows is what a real token
/// carries (times, ids and hashes aside).
@Suite struct TokenPreviewTests {
    func stable(_ o: [String: JSONValue]?) -> [String: JSONValue] {
        (o ?? [:]).filter { !TokenPreview.volatileClaims.contains($0.key) }
    }

    @Test func previewEqualsRealIssuanceForEveryServiceClient() async throws {
        try await TestServer.with { server in
            for client in [DemoClient.billing, .partnerPortal, .apiGateway, .statusMonitor] {
                let preview = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: client.id))
                let token = try await server.accessToken(client)
                let introspected = try await server.introspect(token).json()
                #expect(stable(preview.introspection) == stable(introspected), "\(client.id)")
                if let jws = JWS.parse(token) {
                    #expect(stable(preview.accessToken) == stable(jws.payload), "\(client.id)")
                    #expect(preview.accessTokenBytes == token.utf8.count, "\(client.id): same size")
                } else {
                    #expect(preview.accessToken == nil && preview.accessTokenFormat == .opaque)
                }
            }
        }
    }

    /// A DPoP-bound client's preview shows `cnf` as its real tokens carry it (a stand-in thumbprint of
    /// the same length), and says how the token is bound.
    @Test func theBindingOfABoundClientIsPreviewed() async throws {
        try await TestServer.with { server in
            let client = DemoClient.billing
            #expect(try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: client.id)).binding == "bearer")
            _ = try await server.engine.updateClient(tenantID: "sms", clientID: client.id, actor: "test") { $0.dpopBoundAccessTokens = true }
            let preview = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: client.id))
            #expect(preview.binding == "dpop")
            #expect(preview.accessToken?["cnf"] == .object(["jkt": .string(TokenPreview.thumbprintStandIn)]))
            #expect(preview.introspection["cnf"] == .object(["jkt": .string(TokenPreview.thumbprintStandIn)]))
            let key = try DPoPKey()
            let real = try await server.tokenRequest(
                [("grant_type", "client_credentials")],
                basic: client,
                headers: [("DPoP", try key.proof(htu: server.tokenEndpoint))]
            )
            let token = try #require(try real.json()["access_token"]?.stringValue)
            #expect(JWS.parse(token)?.payload["cnf"] == .object(["jkt": .string(key.thumbprint)]))
            #expect(preview.accessTokenBytes == token.utf8.count, "the stand-in is as long as a real thumbprint")
            #expect(preview.json().objectValue?["binding"] == .string("dpop"))
        }
    }

    @Test func previewEqualsRealIssuanceForTheCodeFlowClients() async throws {
        try await TestServer.with { server in
            for (client, scope) in [
                (CodeFlowClient.portal, "openid profile email invoice-read sms"), (CodeFlowClient.budget, "openid profile invoice-read"),
            ] {
                let browser = Browser(server)
                defer { Task { await browser.close() } }
                let (verifier, challenge) = CodeFlowClient.pkce()
                let code = try browser.code(from: try await browser.authorize(client, scope: scope, challenge: challenge), client)
                let real = try await client.exchange(server, code: code, verifier: verifier).json()
                let access = try #require(real["access_token"]?.stringValue)
                let preview = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: client.id, user: "alice", scope: scope))
                if let jws = JWS.parse(access) {
                    #expect(stable(preview.accessToken) == stable(jws.payload), "\(client.id)")
                }
                let introspected = try await server.introspect(access).json()
                #expect(stable(preview.introspection) == stable(introspected), "\(client.id)")
                let idString = try #require(real["id_token"]?.stringValue)
                let idToken = try #require(JWS.parse(idString))
                #expect(stable(preview.idToken) == stable(idToken.payload), "\(client.id)")
                let info = try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer " + access)]).json()
                #expect(preview.userinfo == info, "\(client.id)")
            }
        }
    }

    @Test func previewEqualsRealIssuanceForTheDeviceClient() async throws {
        try await TestServer.with { server in
            let flow = DeviceFlowTests()
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let started = try await flow.start(server, scope: "openid sms status")
            _ = try await flow.approve(browser, server, userCode: try #require(started["user_code"]?.stringValue))
            let real = try await flow.poll(server, try #require(started["device_code"]?.stringValue)).json()
            let access = try #require(real["access_token"]?.stringValue)
            let preview = try await server.engine.previewTokens(
                PreviewRequest(
                    tenantID: "sms",
                    clientID: "shop-terminal",
                    user: "alice",
                    scope: "openid sms status"
                )
            )
            #expect(preview.grantType == .deviceCode)
            #expect(stable(preview.accessToken) == stable(try #require(JWS.parse(access)).payload))
            #expect(stable(preview.introspection) == stable(try await server.introspect(access).json()))
            let idString = try #require(real["id_token"]?.stringValue)
            #expect(stable(preview.idToken) == stable(try #require(JWS.parse(idString)).payload))
            #expect(preview.accessTokenBytes == access.utf8.count)
        }
    }

    @Test func previewShowsProvenanceAndWarnsAboutMissingRequiredClaims() async throws {
        try await TestServer.with { server in
            let p = try await server.engine.previewTokens(
                PreviewRequest(
                    tenantID: "sms",
                    clientID: "customer-portal",
                    user: "carol",
                    scope: "openid invoice-read"
                )
            )
            let nbr = try #require(p.provenance[.accessToken]?.first { $0.name == "account-nbr" })
            #expect(nbr.source == "user attribute account.number")
            #expect(nbr.scopes == ["invoice-read"])
            #expect(p.accessToken?["account-nbr"]?.stringValue == "1003-08")
            #expect(p.warnings.isEmpty, "\(p.warnings)")

            // A service token has no user: the invoices API's required claim is missing, and the preview says so.
            let service = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "billing-service", scope: "invoice-read"))
            #expect(service.warnings.contains { $0.contains("requires claim 'account-nbr'") }, "\(service.warnings)")
            // The budget app is third party with opaque tokens: no JWT warning.
            let budget = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "budget-app", user: "bob"))
            #expect(!budget.warnings.contains { $0.contains("readable JWT") })
        }
    }

    @Test func previewRefusesWhatIssuanceWouldRefuse() async throws {
        try await TestServer.with { server in
            await #expect(throws: AdminError.self) {
                try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "billing-service", scope: "sms"))
            }
            await #expect(throws: AdminError.self) {
                try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "nobody"))
            }
            await #expect(throws: AdminError.self) {
                try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "customer-portal", user: "mallory"))
            }
            // Nothing was stored.
            let stored = try await server.engine.tokens(TokenQuery(tenantID: "sms"))
            #expect(stored.isEmpty)
        }
    }
}
