import Foundation
import JOSE
import Testing

/// `claimdeck issuer ...` and `claimdeck client exchange-policy ...` against the real binary.
@Suite("claimdeck issuer and client exchange-policy, run as a real binary")
struct PartnerGrantCommandTests {
    /// A partner's Ed25519 public key, as a partner would send it.
    static let ed25519PEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAvrbioUapoPqOdk7csYulAHwsrJewHXmiJ+m/zt/bT10=
        -----END PUBLIC KEY-----
        """

    /// A small tenant: what these commands need, without the demo's password hashing and RSA key, so the
    /// suite stays light beside the tests that time a server's start.
    static let tenantYAML = """
        tenant: {id: sms}
        scopes: [{name: sms}, {name: invoice-read}]
        clients:
          - {id: billing-service, name: Billing service, scopes: [invoice-read], audiences: ["https://api.sms.example/invoices"]}
        """

    /// A fresh database holding `tenantYAML`.
    static func database() async throws -> (dir: URL, db: String) {
        let (dir, db) = try Binary.tempDB()
        let file = await try write(tenantYAML, in: dir, name: "tenant.yaml")
        let loaded = try await Binary.run(["demo", "load", "--file", file, "--db", db])
        #expect(loaded.code == 0, "\(loaded.stderr)")
        return (dir, db)
    }

    static func write(_ text: String, in dir: URL, name: String) async throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func trustedIssuerLifecycle() async throws {
        let (dir, db) = await try Self.database()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = try await Binary.run([
            "client", "register", "--tenant", "sms", "--id", "partner-gateway", "--name", "Partner gateway",
            "--grant", "urn:ietf:params:oauth:grant-type:jwt-bearer", "--scope", "sms",
            "--audience", "https://api.sms.example/sms", "--db", db, "--json",
        ])
        #expect(gateway.code == 0, "\(gateway.stderr)")

        let pem = await try Self.write(Self.ed25519PEM, in: dir, name: "partner.pem")
        let added = try await Binary.run([
            "issuer", "add", "https://idp.partner.example", "--tenant", "sms", "--key", pem, "--kid", "p1",
            "--subject", "attribute:email", "--scope", "sms", "--client", "partner-gateway", "--db", db, "--json",
        ])
        #expect(added.code == 0, "\(added.stderr)")
        #expect(added.json?["algorithms"] == .array([.string("EdDSA")]))
        #expect(added.json?["subject"]?["mapping"]?.stringValue == "attribute:email")
        #expect(added.json?["keys"]?[0]?["kid"]?.stringValue == "p1")

        let key = try SigningKeyPair.generate(.es256)
        let jwks = String(decoding: try JSONEncoder().encode(JWKSet(keys: [key.publicKey.jwk(kid: "k1")])), as: UTF8.self)
        let jwksFile = await try Self.write(jwks, in: dir, name: "second.jwks")
        let second = try await Binary.run([
            "issuer", "add", "second-idp", "--tenant", "sms", "--jwks", jwksFile, "--subject", "pass-through",
            "--subject-prefix", "second|", "--scope", "sms", "--db", db,
        ])
        #expect(second.code == 0, "\(second.stderr)")
        #expect(second.stdout.contains("prefix 'second|'"))

        let list = try await Binary.run(["issuer", "list", "--tenant", "sms", "--db", db, "--json"])
        #expect(list.json?.arrayValue?.count == 2)
        let shown = try await Binary.run(["issuer", "show", "https://idp.partner.example", "--tenant", "sms", "--db", db])
        #expect(shown.code == 0 && shown.stdout.contains("attribute:email") && shown.stdout.contains("partner-gateway"))

        // Errors name the field and exit 2 for bad input, 1 for a conflict.
        let duplicate = try await Binary.run([
            "issuer", "add", "second-idp", "--tenant", "sms", "--jwks", jwksFile, "--subject", "username",
            "--scope", "sms", "--db", db,
        ])
        #expect(duplicate.code == 1 && duplicate.stderr.contains("issuer") && duplicate.stderr.contains("already trusted"), "\(duplicate.stderr)")
        let badJWK = await try Self.write(#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#, in: dir, name: "bad.jwk")
        let bad = try await Binary.run([
            "issuer", "add", "third-idp", "--tenant", "sms", "--key", badJWK, "--subject", "username", "--scope", "sms", "--db", db,
        ])
        #expect(bad.code == 2 && bad.stderr.contains("jwks"), "\(bad.stderr)")
        let notAKey = await try Self.write("hello", in: dir, name: "junk.txt")
        let junk = try await Binary.run([
            "issuer", "add", "third-idp", "--tenant", "sms", "--key", notAKey, "--subject", "username", "--scope", "sms", "--db", db,
        ])
        #expect(junk.code == 2 && junk.stderr.contains("--key"), "\(junk.stderr)")
        let noKey = try await Binary.run(["issuer", "add", "third-idp", "--tenant", "sms", "--subject", "username", "--scope", "sms", "--db", db])
        #expect(noKey.code == 2 && noKey.stderr.contains("--jwks"))
        let badMapping = try await Binary.run([
            "issuer", "add", "third-idp", "--tenant", "sms", "--key", pem, "--subject", "email", "--scope", "sms", "--db", db,
        ])
        #expect(badMapping.code == 2 && badMapping.stderr.contains("subject mapping"))
        let badScope = try await Binary.run([
            "issuer", "add", "third-idp", "--tenant", "sms", "--key", pem, "--subject", "username", "--scope", "nope", "--db", db,
        ])
        #expect(badScope.code == 2 && badScope.stderr.contains("scopes"))
        let badAlg = try await Binary.run([
            "issuer", "add", "third-idp", "--tenant", "sms", "--key", pem, "--subject", "username", "--scope", "sms",
            "--alg", "HS256", "--db", db,
        ])
        #expect(badAlg.code == 2 && badAlg.stderr.contains("--alg"))

        // Key rotation: the whole definition replaced in one step.
        let rotatedKey = try SigningKeyPair.generate(.es256)
        let rotatedFile = await try Self.write(
            String(decoding: try JSONEncoder().encode(JWKSet(keys: [rotatedKey.publicKey.jwk(kid: "k2")])), as: UTF8.self),
            in: dir,
            name: "rotated.jwks"
        )
        let replaced = try await Binary.run([
            "issuer", "add", "second-idp", "--tenant", "sms", "--jwks", rotatedFile, "--subject", "pass-through",
            "--subject-prefix", "second|", "--scope", "sms", "--replace", "--db", db, "--json",
        ])
        #expect(replaced.code == 0, "\(replaced.stderr)")
        #expect(replaced.json?["keys"]?[0]?["kid"]?.stringValue == "k2")

        #expect(try await Binary.run(["issuer", "remove", "second-idp", "--tenant", "sms", "--db", db]).code == 0)
        let gone = try await Binary.run(["issuer", "show", "second-idp", "--tenant", "sms", "--db", db])
        #expect(gone.code == 1 && gone.stderr.contains("no trusted issuer"))

        let audit = try await Binary.run(["audit", "tail", "--no-follow", "--last", "100", "--db", db, "--json"])
        #expect(audit.stdout.contains("issuer.added") && audit.stdout.contains("issuer.updated") && audit.stdout.contains("issuer.removed"))
    }

    @Test func exchangePolicyLifecycle() async throws {
        let (dir, db) = await try Self.database()
        defer { try? FileManager.default.removeItem(at: dir) }
        let withoutGrant = try await Binary.run([
            "client", "exchange-policy", "set", "billing-service", "--tenant", "sms",
            "--audience", "https://api.sms.example/ledger", "--db", db,
        ])
        #expect(withoutGrant.code == 2 && withoutGrant.stderr.contains("token-exchange"), "\(withoutGrant.stderr)")

        let api = try await Binary.run([
            "client", "register", "--tenant", "sms", "--id", "invoices-api", "--name", "Invoices API",
            "--grant", "urn:ietf:params:oauth:grant-type:token-exchange", "--scope", "invoice-read", "--db", db,
        ])
        #expect(api.code == 0, "\(api.stderr)")
        let none = try await Binary.run(["client", "exchange-policy", "show", "invoices-api", "--tenant", "sms", "--db", db])
        #expect(none.code == 1 && none.stderr.contains("exchange-policy set"))
        let noTarget = try await Binary.run(["client", "exchange-policy", "set", "invoices-api", "--tenant", "sms", "--db", db])
        #expect(noTarget.code == 2 && noTarget.stderr.contains("audience"))

        let set = try await Binary.run([
            "client", "exchange-policy", "set", "invoices-api", "--tenant", "sms",
            "--audience", "https://api.sms.example/ledger", "--subject-audience", "https://api.sms.example/invoices",
            "--subject-client", "billing-service", "--db", db, "--json",
        ])
        #expect(set.code == 0, "\(set.stderr)")
        #expect(set.json?["target_audiences"] == .array([.string("https://api.sms.example/ledger")]))
        #expect(set.json?["subject_audiences"] == .array([.string("invoices-api"), .string("https://api.sms.example/invoices")]))
        let shown = try await Binary.run(["client", "exchange-policy", "show", "invoices-api", "--tenant", "sms", "--db", db])
        #expect(shown.code == 0 && shown.stdout.contains("https://api.sms.example/ledger") && shown.stdout.contains("billing-service"))

        #expect(try await Binary.run(["client", "exchange-policy", "clear", "invoices-api", "--tenant", "sms", "--db", db]).code == 0)
        #expect(try await Binary.run(["client", "exchange-policy", "show", "invoices-api", "--tenant", "sms", "--db", db]).code == 1)
        let audit = try await Binary.run(["audit", "tail", "--no-follow", "--last", "100", "--db", db, "--json"])
        #expect(audit.stdout.contains("client.exchange_policy_set") && audit.stdout.contains("client.exchange_policy_cleared"))
    }
}
