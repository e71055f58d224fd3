import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// First in a connection's pipeline, on raw bytes: the connection's clock. Idle (no request in flight)
/// it may stay `idleTimeout`; from a request's first byte the whole request must arrive within
/// `requestTimeout`, else it gets 408 and is closed, so neither headers that never finish nor a body
/// shorter than its Content-Length hold the connection. `RequestPartWatcher`, after the HTTP codec,
/// tells it where requests and responses end.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case idle
        case receiving
        case processing
    }

    private let registry: ConnectionRegistry
    private var phase = Phase.idle
    /// Bytes of a next (pipelined) request arrived while one was being answered.
    private var nextRequestStarted = false
    /// The request being received was answered already (an error before its body was read): at its
    /// timeout the connection is closed without a second answer.
    private var answeredEarly = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        for channel in registry.opened(context.channel) { channel.close(promise: nil) }
        becomeIdle(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        registry.closed(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .idle:
            phase = .receiving
            registry.setIdle(context.channel, false)
            schedule(context, after: registry.limits.requestTimeout) { handler, context in handler.requestTimedOut(context) }
        case .processing:
            nextRequestStarted = true
        case .receiving:
            break
        }
        context.fireChannelRead(data)
    }

    /// The request's last part has been decoded: its answer is being made, which takes no client time.
    func requestEnded() {
        guard phase == .receiving else { return }
        phase = .processing
        if answeredEarly {
            // Its answer is out already: the connection goes back to waiting for the next request.
            answeredEarly = false
            phase = .processing
            responseEnded()
            return
        }
        timer?.cancel()
        timer = nil
    }

    /// The response's last part has been written.
    func responseEnded() {
        if phase == .receiving { answeredEarly = true }
        guard phase == .processing, let context else { return }
        if nextRequestStarted {
            nextRequestStarted = false
            phase = .receiving
            schedule(context, after: registry.limits.requestTimeout) { handler, context in handler.requestTimedOut(context) }
        } else {
            becomeIdle(context)
        }
    }

    private func becomeIdle(_ context: ChannelHandlerContext) {
        phase = .idle
        registry.setIdle(context.channel, true)
        schedule(context, after: registry.limits.idleTimeout) { _, context in context.close(promise: nil) }
    }

    private func schedule(
        _ context: ChannelHandlerContext,
        after seconds: TimeInterval,
        _ fire: @escaping (ConnectionGuardHandler, ChannelHandlerContext) -> Void
    ) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1_000_000_000))) {
            let (handler, context) = bound.value
            handler.timer = nil
            fire(handler, context)
        }
    }

    /// RFC 9110 section 15.5.9: 408 with `Connection: close`, written straight to the socket (no
    /// response has begun while a request is being received), then the connection is closed.
    private func requestTimedOut(_ context: ChannelHandlerContext) {
        registry.timedOut()
        if answeredEarly {
            context.close(promise: nil)
            return
        }
        let seconds = registry.limits.requestTimeout
        let body = #"{"error":"invalid_request","error_description":"the request did not arrive within \#(Self.format(seconds)) s"}"#
        let head =
            "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + body))).whenComplete { _ in context.close(promise: nil) }
    }

    private static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// After the HTTP codec: tells the connection's guard where each request and response ends.
final class RequestPartWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let guardHandler: ConnectionGuardHandler

    init(guardHandler: ConnectionGuardHandler) {
        self.guardHandler = guardHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { guardHandler.requestEnded() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd: Bool
        if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
        context.write(data, promise: promise)
        if isEnd { guardHandler.responseEnded() }
    }
}

/// Hummingbird's HTTP/1.1 child channel with a `ConnectionGuardHandler` in front and its
/// `RequestPartWatcher` after the codec; with `tls`, TLS in front of them all (the guard then counts
/// plaintext bytes, and its 408 is encrypted like any answer).
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let registry: ConnectionRegistry
    var tls: ServerTLS?
    /// On the mutual-TLS listener: TLS asks for a client certificate, which this reads into the
    /// connection's `PeerCertificateHolder`.
    var clientCertificates: ClientCertificateReader? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture { () -> NIOLoopBound<ConnectionGuardHandler> in
            let guardHandler = ConnectionGuardHandler(registry: registry)
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: .first)
            // The context of this moment: a reload later changes new connections only.
            if let tls, let clientCertificates {
                let holder = PeerCertificateHolder()
                try channel.pipeline.syncOperations.addHandler(holder, position: .first)
                let handler = NIOSSLServerHandler(
                    context: tls.mtlsContext,
                    customVerificationCallback: holder.verificationCallback(reader: clientCertificates)
                )
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            } else if let tls {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context), position: .first)
            }
            return NIOLoopBound(guardHandler, eventLoop: channel.eventLoop)
        }
        .flatMap { bound in
            let configuration = HTTP1Channel.Configuration(additionalChannelHandlers: [RequestPartWatcher(guardHandler: bound.value)])
            return HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // Not on the channel's event loop (a TaskExecutor preference was tried, issue 13): paired
        // release runs lost 8 % of client_credentials and 25 % of introspection; the cooperative pool
        // spreads the requests of busy connections over both cores, two event loops do not.
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}
