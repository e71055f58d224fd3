import ArgumentParser
import AuthEngine
import Foundation
import JOSE
import TenantYAML

/// `claimdeck issuer`: partners whose signed assertions a tenant accepts (RFC 7523 JWT bearer grant).
struct IssuerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issuer",
        abstract: "Manage trusted assertion issuers (RFC 7523 JWT bearer grant).",
        discussion: """
            A client allowed the \(GrantType.jwtBearer.rawValue) grant trades a partner's signed assertion for an access \
            token when the assertion's iss is a trusted issuer of the tenant and its keys verify it. The assertion's sub \
            becomes the token's subject through --subject: user-id, username or attribute:<path> (a local user, who must \
            exist and be enabled) or pass-through (with an optional --subject-prefix).
            """,
        subcommands: [Add.self, List.self, Show.self, Remove.self]
    )

    static func present(_ i: TrustedIssuer) -> JSONValue {
        var subject: [String: JSONValue] = ["mapping": .string(i.subjectMapping.description)]
        if case .passThrough(let prefix) = i.subjectMapping { subject["prefix"] = .string(prefix) }
        return .object([
            "tenant": .string(i.tenantID), "issuer": .string(i.issuer),
            "keys": .array(i.jwks.keys.map { .object(["kid": $0.kid.map(JSONValue.string) ?? .null, "kty": .string($0.kty)]) }),
            "algorithms": .array(i.algorithms.map { .string($0.rawValue) }), "subject": .object(subject),
            "scopes": .array(i.scopes.map(JSONValue.string)), "audiences": .array(i.audiences.map(JSONValue.string)),
            "clients": .array(i.clients.map(JSONValue.string)), "max_assertion_lifetime": .number(Double(i.maxAssertionLifetime)),
            "created_at": .string(Output.time(i.createdAt)),
        ])
    }

    static func text(_ i: TrustedIssuer) -> String {
        var subject = i.subjectMapping.description
        if case .passThrough(let prefix) = i.subjectMapping, !prefix.isEmpty { subject += " (prefix '\(prefix)')" }
        return """
            issuer:         \(i.issuer)
            tenant:         \(i.tenantID)
            keys:           \(i.jwks.keys.map { "\($0.kid ?? "-") (\($0.kty))" }.joined(separator: ", "))
            algorithms:     \(i.algorithms.map(\.rawValue).joined(separator: ", "))
            subject:        \(subject)
            scopes:         \(i.scopes.joined(separator: " "))
            audiences:      \(i.audiences.isEmpty ? "the client's" : i.audiences.joined(separator: " "))
            clients:        \(i.clients.isEmpty ? "any client allowed the grant" : i.clients.joined(separator: " "))
            max assertion:  \(i.maxAssertionLifetime) s
            """
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a partner's assertions (--replace: change an issuer already trusted).")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "The exact iss of the partner's assertions.") var issuer: String
        @Option(help: "File with the partner's JWK Set.") var jwks: String?
        @Option(help: "File with one public key: a JWK or a PEM 'PUBLIC KEY'.") var key: String?
        @Option(help: "Key id for --key (default: the JWK's kid, or the key's RFC 7638 thumbprint).") var kid: String?
        @Option(help: "Subject mapping: user-id, username, attribute:<path> or pass-through.") var subject: String
        @Option(name: .customLong("subject-prefix"), help: "Prefix of pass-through subjects.") var subjectPrefix: String?
        @Option(name: .customLong("scope"), help: "Scope its assertions may obtain (repeat; at least one).") var scopes: [String] = []
        @Option(name: .customLong("audience"), help: "Audience its tokens may be for (repeat; default: the client's).") var audiences: [String] = []
        @Option(name: .customLong("client"), help: "Client that may present its assertions (repeat; default: any).") var clients: [String] = []
        @Option(name: .customLong("alg"), help: "Accepted algorithm: ES256, RS256 or EdDSA (repeat; default: the keys').") var algorithms: [String] =
            []
        @Option(name: .customLong("max-lifetime"), help: "Longest accepted assertion lifetime in seconds (default 300).") var maxLifetime: Int?
        @Flag(help: "Replace an issuer that is already trusted, in one step (key rotation).") var replace = false

        func run() async throws {
            let keys: JWKSet
            switch (jwks, key) {
            case (let path?, nil):
                keys = try TrustedIssuerSpec.keySet(from: try IssuerCommand.read(path, option: "--jwks"), field: "--jwks", kid: kid)
            case (nil, let path?):
                keys = try TrustedIssuerSpec.keySet(from: try IssuerCommand.read(path, option: "--key"), field: "--key", kid: kid)
            default:
                throw AdminError.invalid(field: "--jwks", "give exactly one of --jwks (a JWK Set file) or --key (a JWK or PEM file)")
            }
            let spec = TrustedIssuerSpec(
                issuer: issuer,
                jwks: keys,
                algorithms: try algorithms.compactMap { try parseAlgorithm($0) },
                subjectMapping: try SubjectMapping.parse(subject, prefix: subjectPrefix),
                scopes: scopes,
                audiences: audiences,
                clients: clients,
                maxAssertionLifetime: maxLifetime
            )
            let (engine, _) = try await EngineFactory.open(options.store)
            let added = try await engine.addTrustedIssuer(tenantID: options.tenant, spec, replace: replace, actor: "cli")
            Output(json: options.json).emit(
                IssuerCommand.present(added),
                human: "Trusted issuer \(replace ? "replaced" : "added").\n" + IssuerCommand.text(added)
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's trusted issuers.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let list = try engine.trustedIssuers(tenantID: options.tenant)
            Output(json: options.json).emit(
                .array(list.map(IssuerCommand.present)),
                human: list.isEmpty
                    ? "No trusted issuers in tenant '\(options.tenant)'."
                    : Output.table(
                        ["ISSUER", "SUBJECT", "SCOPES", "KEYS"],
                        list.map { [$0.issuer, $0.subjectMapping.description, $0.scopes.joined(separator: " "), "\($0.jwks.keys.count)"] }
                    )
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a trusted issuer.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "The issuer (iss).") var issuer: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let found = try engine.trustedIssuer(tenantID: options.tenant, issuer: issuer)
            Output(json: options.json).emit(IssuerCommand.present(found), human: IssuerCommand.text(found))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting an issuer; its assertions are refused from now on.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "The issuer (iss).") var issuer: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            try await engine.removeTrustedIssuer(tenantID: options.tenant, issuer: issuer, actor: "cli")
            Output(json: options.json).emit(
                .object(["issuer": .string(issuer), "removed": .bool(true)]),
                human: "Removed trusted issuer '\(issuer)'; tokens already issued from its assertions stay valid until they expire."
            )
        }
    }

    static func read(_ path: String, option: String) throws -> String {
        try TextFile.read(path, field: option)
    }
}
