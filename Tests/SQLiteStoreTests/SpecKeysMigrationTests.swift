import AuthEngine
import Foundation
import GRDB
import JOSE
import Testing

@testable import SQLiteStore

/// Rows written before `ClientSpec` and `TrustedIssuerSpec` became the one shape of those settings
/// (v1–v6: Swift property names, the subject mapping as Swift's enum coding) read the same after v7.
@Suite("Migration v7: settings rows under the spec keys")
struct SpecKeysMigrationTests {
    static let legacyClient = """
        {"tenantID":"t","id":"c","name":"C","type":"confidential","authMethod":"client_secret_post",
         "grantTypes":["authorization_code","refresh_token"],"scopes":["a"],"audiences":["https://api/x"],
         "redirectURIs":["https://app/cb"],"tokenFormat":"opaque","accessTokenLifetime":120,"signingAlgorithm":"RS256",
         "secretDigest":"AAECAw==","disabled":true,"createdAt":1000,"updatedAt":2000,"thirdParty":true,"requirePKCE":false,
         "refreshTokenLifetime":600,"refreshTokenAbsoluteLifetime":1200,"postLogoutRedirectURIs":["https://app/bye"],
         "revokeRefreshTokensOnLogout":true}
        """
    static func legacyIssuer(_ issuer: String, mapping: String) -> String {
        """
        {"tenantID":"t","issuer":"\(issuer)","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k1"}]},
         "algorithms":["EdDSA"],"subjectMapping":\(mapping),"scopes":["a"],"audiences":["https://api/x"],"clients":["c"],
         "maxAssertionLifetime":120,"createdAt":1000,"updatedAt":2000}
        """
    }

    @Test func legacyRowsReadTheSameAfterTheMigration() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-v7-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.db").path
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator().migrate(queue, upTo: "v6-token-status")
        let tenant = try JSONEncoder().encode(Tenant(id: "t", displayName: "T", createdAt: Date(timeIntervalSince1970: 0)))
        let mappings = [
            ("https://by-id", #"{"userID":{}}"#), ("https://by-name", #"{"username":{}}"#),
            ("https://by-attribute", #"{"userAttribute":{"path":"partner.id"}}"#),
            ("https://pass", #"{"passThrough":{"prefix":"p|"}}"#),
        ]
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO tenants (id, data) VALUES ('t', ?)", arguments: [tenant])
            try db.execute(sql: "INSERT INTO clients (tenant_id, id, data) VALUES ('t', 'c', ?)", arguments: [Data(Self.legacyClient.utf8)])
            for (issuer, mapping) in mappings {
                try db.execute(
                    sql: "INSERT INTO trusted_issuers (tenant_id, issuer, data) VALUES ('t', ?, ?)",
                    arguments: [issuer, Data(Self.legacyIssuer(issuer, mapping: mapping).utf8)]
                )
            }
        }
        try queue.close()

        let store = try SQLiteStore(path: path, durable: false)
        defer { store.close() }
        let snapshot = try await store.loadSnapshot()
        let client = try #require(snapshot.client("t", "c"))
        #expect(
            client.spec
                == ClientSpec(
                    name: "C",
                    type: .confidential,
                    authMethod: .clientSecretPost,
                    grantTypes: [.authorizationCode, .refreshToken],
                    scopes: ["a"],
                    audiences: ["https://api/x"],
                    redirectURIs: ["https://app/cb"],
                    tokenFormat: .opaque,
                    accessTokenLifetime: 120,
                    signingAlgorithm: .rs256,
                    thirdParty: true,
                    requirePKCE: false,
                    refreshTokenLifetime: 600,
                    refreshTokenAbsoluteLifetime: 1200,
                    postLogoutRedirectURIs: ["https://app/bye"],
                    revokeRefreshTokensOnLogout: true
                )
        )
        #expect(client.secretDigest == Data([0, 1, 2, 3]) && client.disabled)
        #expect(client.createdAt == Date(timeIntervalSinceReferenceDate: 1000) && client.updatedAt == Date(timeIntervalSinceReferenceDate: 2000))
        let issuers = try #require(snapshot.trustedIssuers["t"])
        #expect(issuers["https://by-id"]?.subjectMapping == .userID)
        #expect(issuers["https://by-name"]?.subjectMapping == .username)
        #expect(issuers["https://by-attribute"]?.subjectMapping == .userAttribute(path: "partner.id"))
        let pass = try #require(issuers["https://pass"])
        #expect(pass.subjectMapping == .passThrough(prefix: "p|"))
        #expect(pass.maxAssertionLifetime == 120 && pass.algorithms == [.edDSA] && pass.clients == ["c"] && pass.jwks.keys.first?.kid == "k1")
    }

    @Test func aClientRoundTripsThroughTheStoredShape() throws {
        let spec = ClientSpec(
            name: "Round trip",
            grantTypes: [.clientCredentials],
            scopes: ["a"],
            audiences: ["https://api/x"],
            accessTokenLifetime: 60,
            signingAlgorithm: .edDSA
        )
        let client = Client(
            tenantID: "t",
            id: "c",
            spec: spec,
            secretDigest: Data([9]),
            createdAt: Date(timeIntervalSince1970: 5),
            updatedAt: Date(timeIntervalSince1970: 6)
        )
        let data = try JSONEncoder().encode(client)
        #expect(try JSONDecoder().decode(Client.self, from: data) == client)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["grant_types"] != nil && object?["grantTypes"] == nil, "one set of snake_case keys")
    }
}
