import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the peer address (for audit and throttling).
public struct ClaimdeckRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?
    /// The connection, whose pipeline holds the client certificate on the mutual-TLS listener.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies of OAuth requests are small; anything larger is refused before it is read.
    public var maxUploadSize: Int { FormBody.maxBytes }
}
