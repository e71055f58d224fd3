import Testing

@testable import OAuthHTTP

/// `--trusted-proxy`: whose X-Forwarded-For is believed, read from the right.
@Suite struct TrustedProxiesTests {
    let proxies = try! TrustedProxies(["10.0.0.0/8", "192.0.2.7", "fd00::/8"])

    @Test func aTrustedPeerNamesTheClientAndAnyOtherPeerIsItself() {
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: "198.51.100.9") == "198.51.100.9")
        #expect(proxies.clientAddress(peer: "192.0.2.7", forwardedFor: "198.51.100.9") == "198.51.100.9")
        #expect(proxies.clientAddress(peer: "fd12::1", forwardedFor: "2001:db8::5") == "2001:db8::5")
        // Not a proxy of ours: its header is whatever the client wrote.
        #expect(proxies.clientAddress(peer: "203.0.113.4", forwardedFor: "198.51.100.9") == "203.0.113.4")
        #expect(proxies.clientAddress(peer: "192.0.2.8", forwardedFor: "198.51.100.9") == "192.0.2.8")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: nil) == "10.1.2.3")
        #expect(TrustedProxies().clientAddress(peer: "10.1.2.3", forwardedFor: "198.51.100.9") == "10.1.2.3")
    }

    @Test func theRightmostUntrustedHopWinsSoAClientCannotPrependAnAddress() {
        // The client sent "1.1.1.1" itself; the proxy appended what it saw.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "1.1.1.1, 198.51.100.9") == "198.51.100.9")
        // Two proxies of ours in a row.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "198.51.100.9, 10.0.0.2") == "198.51.100.9")
        // Only trusted hops: the leftmost of them.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "10.0.0.3, 10.0.0.2") == "10.0.0.3")
        // Garbage stops the walk at the last address a trusted hop vouched for.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "198.51.100.9, not-an-ip") == "10.0.0.1")
    }

    @Test func entriesThatAreNeitherAnAddressNorANetworkAreRefusedByName() {
        for bad in ["", "example.com", "10.0.0.0/33", "10.0.0.0/x", "fd00::/129", "10.0.0.1/"] {
            #expect(throws: TrustedProxyError.self) { try TrustedProxies([bad]) }
        }
        let error = #expect(throws: TrustedProxyError.self) { try TrustedProxies(["10.0.0.1", "proxy.internal"]) }
        #expect(error?.description.contains("'proxy.internal' is neither an IP address nor a network") == true)
        #expect(throws: Never.self) { try TrustedProxies(["0.0.0.0/0", "::/0", "127.0.0.1", "::1"]) }
    }
}
