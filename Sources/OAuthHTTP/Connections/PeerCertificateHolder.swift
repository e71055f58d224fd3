import AuthEngine
import NIOCore
import NIOSSL
import Synchronization

/// In the pipeline of a connection of the mutual-TLS listener: the client certificate its handshake
/// presented, read (and its chain verified) once per connection, before the handshake completes, so
/// every request on the connection finds it here. Passes every byte through untouched.
final class PeerCertificateHolder: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let stored = Mutex<ClientCertificate?>(nil)

    /// The connection's client certificate; nil when the client sent none.
    var certificate: ClientCertificate? { stored.withLock { $0 } }

    /// The TLS handler's verification: any certificate is accepted at the TLS level (a client without
    /// one, a self-signed one), since what it proves is decided per client by the engine (RFC 8705
    /// §2); it is read and kept before the handshake goes on.
    func verificationCallback(reader: ClientCertificateReader) -> NIOSSLCustomVerificationCallback {
        { [self] chain, promise in
            let der = chain.compactMap { try? $0.toDERBytes() }
            Task {
                let certificate = await reader.read(derChain: der)
                stored.withLock { $0 = certificate }
                promise.succeed(.certificateVerified)
            }
        }
    }
}
