import ArgumentParser
import AuthEngine
import Foundation
import OAuthHTTP

/// `serve`'s mutual TLS (RFC 8705) options: a listener that asks for client certificates, the CAs
/// `tls_client_auth` trusts, and the header a TLS-terminating proxy forwards certificates in.
struct MTLSOptions: ParsableArguments {
    @Option(
        name: .customLong("mtls-port"),
        help: "Also serve HTTPS on this port asking for (not requiring) a client certificate: the mtls_endpoint_aliases (0: any free port)."
    )
    var port: Int?
    @Option(
        name: .customLong("mtls-public-url"),
        help: "Base URL clients reach the --mtls-port listener at. Default: https://<host>:<mtls-port>."
    )
    var publicURL: String?
    @Option(name: .customLong("tls-client-ca"), help: "PEM file of the CA certificates a tls_client_auth client certificate must chain to.")
    var clientCA: String?
    @Option(
        name: .customLong("client-certificate-header"),
        help: ArgumentHelp(
            "Behind a TLS-terminating proxy: the header with the client's URL-encoded PEM certificate "
                + "(nginx: $ssl_client_escaped_cert), believed only from a --trusted-proxy."
        )
    )
    var header: String?

    func validate(hasTLS: Bool, hasTrustedProxy: Bool, mainPort: Int) throws {
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--mtls-port must be 0 to 65535") }
            guard hasTLS else { throw ValidationError("--mtls-port serves HTTPS: give --tls-cert and --tls-key too") }
            guard port == 0 || port != mainPort else { throw ValidationError("--mtls-port must differ from --port") }
        } else if publicURL != nil {
            throw ValidationError("--mtls-public-url names the --mtls-port listener: give --mtls-port too")
        }
        if let publicURL, !Validation.isAbsoluteURI(publicURL) || !publicURL.lowercased().hasPrefix("https://") {
            throw ValidationError("--mtls-public-url must be an absolute https URL such as https://mtls.auth.example.com")
        }
        if let header {
            guard ClientCertificateSource.isValidHeader(header) else {
                throw ValidationError("--client-certificate-header '\(header)' is not a valid header name")
            }
            guard hasTrustedProxy else {
                throw ValidationError("--client-certificate-header is believed only from a proxy: give --trusted-proxy with the proxy's address")
            }
        }
        if clientCA != nil && port == nil && header == nil {
            throw ValidationError("--tls-client-ca is for client certificates: give --mtls-port or --client-certificate-header too")
        }
    }

    /// Where the server reads client certificates from; exit 2 naming the CA file at fault.
    func source(clock: any WallClock) throws -> ClientCertificateSource {
        let now: @Sendable () -> Date = { clock.now() }
        var source = ClientCertificateSource(header: header)
        if let clientCA {
            do { source.reader = try ClientCertificateReader(trustAnchorFile: clientCA, now: now) } catch {
                throw CommandFailure(message: "--tls-client-ca: \(error)", exitCode: 2)
            }
        } else if port != nil || header != nil {
            source.reader = ClientCertificateReader(now: now)
        }
        return source
    }
}
