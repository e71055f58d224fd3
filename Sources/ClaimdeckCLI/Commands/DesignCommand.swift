import ArgumentParser
import AuthEngine
import Foundation
import JOSE
import TenantYAML

/// The token design of a tenant: what each token and answer contains, as versioned contracts.
struct DesignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "design",
        abstract: "Design, review and publish a tenant's token contents.",
        discussion: """
            The design (scopes, claims, where each goes, the APIs and the claims they require) is published as
            numbered versions; tokens record the version they were issued under. Publishing diffs against the
            live version and refuses changes that break an API's contract unless forced with a reason.
            """,
        subcommands: [
            Preview.self, Export.self, Apply.self, Diff.self, Lint.self, Publish.self, Versions.self, Rollback.self,
            Discard.self,
        ]
    )

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a client's tokens would contain, produced by the issuance code itself, with where every claim comes from.",
            discussion: "Without --user: a client_credentials token. Nothing is stored and no token string is printed."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "client_id.") var client: String
        @Option(help: "User id or username (a user-facing grant).") var user: String?
        @Option(help: "Scopes, space-separated (default: the client's).") var scope: String?
        @Option(name: .customLong("audience"), help: "Audience (repeat; default: what the client would get).") var audiences: [String] = []
        @Option(help: "Which design: live (default), draft or a version number.") var design: DesignRef = .live

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let previewed: TokenDesign? = design == .live ? nil : try await engine.design(tenantID: options.tenant, design)
            let p = try await engine.previewTokens(
                PreviewRequest(
                    tenantID: options.tenant,
                    clientID: client,
                    user: user,
                    scope: scope,
                    audiences: audiences
                ),
                design: previewed
            )
            Output(json: options.json).emit(p.json(), human: Self.text(p))
        }

        static func text(_ p: TokenPreview) -> String {
            func claims(_ o: [String: JSONValue]?) -> String {
                guard let o else { return "  (none)" }
                return o.keys.sorted().map { "  \($0): \(String(decoding: o[$0]!.serialized(), as: UTF8.self))" }.joined(separator: "\n")
            }
            var lines = [
                "client \(p.clientID), subject \(p.subject), \(p.grantType.rawValue)",
                "scopes: \(p.scopes.joined(separator: " "))", "audiences: \(p.audiences.joined(separator: " "))", "",
            ]
            lines.append(
                "binding: "
                    + (p.binding == "bearer"
                        ? "bearer (a request with a DPoP proof would bind it: cnf.jkt)"
                        : "\(p.binding) (cnf: the thumbprint is the real request's key or certificate)")
            )
            lines.append("access token (\(p.accessTokenFormat.rawValue), \(p.accessTokenBytes) bytes):")
            lines.append(p.accessToken == nil ? "  opaque: APIs see the introspection answer below" : claims(p.accessToken))
            if let id = p.idToken { lines += ["", "ID token (\(p.idTokenBytes ?? 0) bytes):", claims(id)] }
            if let info = p.userinfo { lines += ["", "userinfo:", claims(info)] }
            lines += ["", "introspection:", claims(p.introspection), "", "where the design's claims come from:"]
            for destination in ClaimDestination.allCases {
                for c in p.provenance[destination] ?? [] {
                    lines.append(
                        "  \(destination.rawValue) \(c.name) <- \(c.source) via \(c.scopes.joined(separator: ","))"
                            + (c.overrode.map { " (overrides \($0))" } ?? "")
                    )
                }
            }
            lines.append("")
            lines.append(p.warnings.isEmpty ? "no warnings" : p.warnings.map { "warning: \($0)" }.joined(separator: "\n"))
            return lines.joined(separator: "\n")
        }
    }
}
