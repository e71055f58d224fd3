import Foundation
import JOSE

extension ClaimdeckEngine {
    /// Most SETs one poll answers when the receiver names no `maxEvents`, and the most it may name.
    static let pollDefaultEvents = 100
    static let pollMaximumEvents = 1000

    /// RFC 8936 §2.1-2.4: a receiver polls its poll stream. `ack` removes acknowledged SETs (and
    /// stamps the stream's last acknowledgement), `setErrs` removes refused ones (audited); then up
    /// to `maxEvents` waiting SETs are answered as `{"sets": {jti: SET}, "moreAvailable": bool}`.
    /// An answered SET stays until acknowledged, so a receiver that crashes gets it again. Without
    /// `returnImmediately: true`, a poll with nothing waiting is held until an event arrives or
    /// `longPollTimeout` passes (long polling). A paused stream answers no SETs.
    public func pollSecurityEvents(tenantID: String, authorization: String?, streamID: String, body: Data) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let stream = try await ownStream(streamID, of: client)
        guard stream.method == .poll else {
            throw .invalidRequest("stream '\(stream.id)' is delivered by push; set its delivery method to urn:ietf:rfc:8936 to poll it")
        }
        let request = try PollRequest(body.isEmpty ? [:] : try StreamConfigurationInput.object(body))
        let now = clock.now()
        try await streamStoreCall {
            try await store.finishSecurityEvents(streamID: stream.id, jtis: request.acknowledged, acknowledged: true, at: now)
            try await failSecurityEvents(
                request.errors.sorted { $0.key < $1.key }.map { jti, error in
                    SecurityEventFailure(jti: jti, reason: "refused by the receiver: \(Validation.printable(error))")
                },
                of: stream,
                at: now
            )
        }
        guard request.maxEvents > 0, stream.status == .enabled else {
            let more = try await streamStoreCall { try await store.pendingSecurityEvents(streamID: stream.id, limit: 0, at: now).more }
            return ["sets": [:], "moreAvailable": .bool(more && stream.status == .enabled)]
        }
        let policy = configuration.securityEvents
        // Waits are counted in scans on the engine's timer, so a test clock makes them exact.
        var waitsLeft = request.returnImmediately ? 0 : Int(policy.longPollTimeout / policy.scanInterval)
        while true {
            let (events, more) = try await streamStoreCall {
                try await store.pendingSecurityEvents(streamID: stream.id, limit: request.maxEvents, at: clock.now())
            }
            if !events.isEmpty || waitsLeft <= 0 {
                var sets: [String: JSONValue] = [:]
                for event in events { sets[event.jti] = .string(try securityEventToken(event, stream: stream)) }
                return ["sets": .object(sets), "moreAvailable": .bool(more)]
            }
            waitsLeft -= 1
            do { try await timer.sleep(for: policy.scanInterval) } catch { return ["sets": [:], "moreAvailable": false] }
        }
    }
}

/// The members of an RFC 8936 §2.1 poll request.
struct PollRequest {
    var acknowledged: [String] = []
    /// jti -> `err` code (RFC 8936 §2.3 `setErrs`).
    var errors: [String: String] = [:]
    var maxEvents = ClaimdeckEngine.pollDefaultEvents
    var returnImmediately = false

    init(_ object: [String: JSONValue]) throws(OAuthError) {
        if let ack = object["ack"] {
            guard let list = ack.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalidRequest("'ack' must be an array of SET jti strings")
            }
            acknowledged = list.compactMap(\.stringValue)
        }
        if let errs = object["setErrs"] {
            guard let map = errs.objectValue else { throw .invalidRequest("'setErrs' must be an object of jti -> {\"err\", \"description\"}") }
            for (jti, value) in map {
                guard let code = value["err"]?.stringValue else {
                    throw .invalidRequest("'setErrs.\(Validation.printable(jti))' must have an 'err' string")
                }
                errors[jti] = code
            }
        }
        if let max = object["maxEvents"] {
            guard let n = max.intValue, n >= 0, Double(n) == max.doubleValue else {
                throw .invalidRequest("'maxEvents' must be a non-negative integer")
            }
            maxEvents = min(n, ClaimdeckEngine.pollMaximumEvents)
        }
        if let immediately = object["returnImmediately"] {
            guard let b = immediately.boolValue else { throw .invalidRequest("'returnImmediately' must be true or false") }
            returnImmediately = b
        }
    }
}
