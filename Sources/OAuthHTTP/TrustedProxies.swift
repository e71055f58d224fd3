import Foundation
import HTTPTypes
import Hummingbird

/// The load balancers and reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`):
/// behind one, every request comes from the proxy's address, and the throttles and the audit need
/// the client's. The header is read from the right: each hop appends the address it saw, so the
/// rightmost address that is not one of ours is the client (anything left of it the client could
/// have written itself). A request from an address not listed keeps its own address, whatever its
/// headers say.
public struct TrustedProxies: Sendable, Hashable {
    /// An address or a network: the address in 16 bytes (IPv4 as IPv4-mapped IPv6) and how many
    /// leading bits must match.
    struct Network: Sendable, Hashable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            var bits = prefix
            for i in 0..<16 where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
                if address[i] & mask != bytes[i] & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let networks: [Network]

    /// No proxy is trusted: every request's address is its peer's.
    public init() { networks = [] }

    /// - Parameter specs: addresses (`10.0.0.5`, `::1`) or networks in CIDR form (`10.0.0.0/8`, `fd00::/8`).
    /// - Throws: `TrustedProxyError` naming the first entry that is neither.
    public init(_ specs: [String]) throws(TrustedProxyError) {
        networks = try specs.map { spec throws(TrustedProxyError) in
            let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let first = parts.first, let bytes = Self.parse(first) else { throw TrustedProxyError(entry: spec) }
            let isV4 = !first.contains(":")
            let maxPrefix = isV4 ? 32 : 128
            var prefix = maxPrefix
            if parts.count == 2 {
                guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { throw TrustedProxyError(entry: spec) }
                prefix = p
            }
            return Network(bytes: bytes, prefix: isV4 ? prefix + 96 : prefix)
        }
    }

    public var isEmpty: Bool { networks.isEmpty }

    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.parse(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer's, unless the peer is trusted and forwarded one.
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, trusts(peer), let forwardedFor else { return peer }
        var nearest = peer
        for hop in forwardedFor.split(separator: ",").reversed() {
            let address = hop.trimmingCharacters(in: .whitespaces)
            // Garbage from a hop: stop at the last address a trusted hop vouched for.
            guard Self.parse(address) != nil else { return nearest }
            if !trusts(address) { return address }
            nearest = address
        }
        return nearest
    }

    /// An IPv4 or IPv6 address in 16 bytes (IPv4 mapped), or nil.
    static func parse(_ text: String) -> [UInt8]? {
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        return nil
    }
}

/// A `--trusted-proxy` entry that is neither an address nor a network.
public struct TrustedProxyError: Error, CustomStringConvertible, Sendable {
    public let entry: String
    public var description: String {
        "'\(entry)' is neither an IP address nor a network in CIDR form (like 10.0.0.5, 10.0.0.0/8 or fd00::/8)"
    }
}

extension TrustedProxies {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The client's address for a request (audit, throttles). Several `X-Forwarded-For` fields
    /// are one list, in order (RFC 9110 5.3).
    func clientAddress(_ request: Request, _ context: ClaimdeckRequestContext) -> String? {
        guard !isEmpty else { return context.remoteAddress }
        let fields = request.headers[values: Self.forwardedFor]
        return clientAddress(peer: context.remoteAddress, forwardedFor: fields.isEmpty ? nil : fields.joined(separator: ","))
    }
}
