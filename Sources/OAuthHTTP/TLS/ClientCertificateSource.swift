import AuthEngine
import HTTPTypes
import Hummingbird
import NIOCore
import NIOSSL

/// Where a request's client certificate (RFC 8705) comes from: the TLS handshake of the mutual-TLS
/// listener, or, behind a TLS-terminating proxy, a header that only a `--trusted-proxy` may set (from
/// anyone else it is ignored: a client could write any certificate there).
public struct ClientCertificateSource: Sendable {
    /// Whether this listener asks for client certificates in its handshakes (`--mtls-port`).
    var fromHandshake = false
    /// The header a trusted proxy puts the client's certificate in (`--client-certificate-header`).
    var header: HTTPField.Name?
    /// Parses and verifies the certificates; nil: none is read.
    public var reader: ClientCertificateReader?

    /// - Parameter header: the header name; an invalid one is dropped (check with `isValidHeader`).
    public init(header: String? = nil, reader: ClientCertificateReader? = nil) {
        self.header = header.flatMap { HTTPField.Name($0) }
        self.reader = reader
    }

    /// Whether `name` can be a header's name (RFC 9110 §5.1).
    public static func isValidHeader(_ name: String) -> Bool { HTTPField.Name(name) != nil }

    /// The request's client certificate, nil when it has none this source believes.
    func certificate(_ request: Request, _ context: ClaimdeckRequestContext, proxies: TrustedProxies) async -> ClientCertificate? {
        guard let reader else { return nil }
        if let header, let peer = context.remoteAddress, proxies.trusts(peer), let value = request.headers[header], !value.isEmpty {
            return await reader.read(forwardedPEM: value)
        }
        guard fromHandshake, let holder = try? await context.channel.pipeline.handler(type: PeerCertificateHolder.self).get() else {
            return nil
        }
        if let certificate = holder.certificate { return certificate }
        // A resumed TLS session skips the verification callback; the TLS handler still knows the leaf.
        let channel = context.channel
        let leaf = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate?.toDERBytes()
        }.get()
        guard let leaf else { return nil }
        return await reader.read(derChain: [leaf])
    }
}
