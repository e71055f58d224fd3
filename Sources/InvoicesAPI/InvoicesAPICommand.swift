import ArgumentParser
import ClaimdeckResourceServer
import Foundation
import Hummingbird
import JOSE
import NIOCore

/// `InvoicesAPI --issuer URL`: the demo's invoices API, protected by ClaimdeckResourceServer.
@main
struct InvoicesAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "InvoicesAPI",
        abstract: "The demo tenant's invoices API, accepting Claimdeck access tokens."
    )

    @Option(help: "The issuer exactly as tokens carry it in iss, e.g. http://127.0.0.1:8080/sms.")
    var issuer: String

    @Option(help: "This API's audience.")
    var audience = "https://api.sms.example/invoices"

    @Option(help: "The JWKS URL (default: jwks_uri of the issuer's discovery document).")
    var jwksURL: String?

    @Option(help: "The Authorization header value Claimdeck's transmitter sends with security events (default: none required).")
    var eventsAuthorization: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8090

    func validate() throws {
        guard issuer.hasPrefix("http://") || issuer.hasPrefix("https://") else {
            throw ValidationError("--issuer must be an http(s) URL, e.g. http://127.0.0.1:8080/sms")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    func run() async throws {
        let book = InvoiceBook()
        let validator = TokenValidator(
            configuration: ResourceServerConfiguration(issuer: issuer, audience: audience, jwksURL: jwksURL, realm: "invoices")
        ) { principal in
            // Computed once per token and cached with it until the token expires.
            guard let account = InvoiceBook.account(of: principal.claims), let limit = book.creditLimits[account] else { return [:] }
            return ["credit_limit": .number(limit)]
        }
        let app = Application(
            router: InvoicesRoutes.router(validator: validator, book: book, eventsAuthorization: eventsAuthorization),
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                // The test harness (and a person) read the bound port from this line.
                let line = "invoices API listening on http://\(host):\(channel.localAddress?.port ?? port)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        )
        try await app.runService()
    }
}
