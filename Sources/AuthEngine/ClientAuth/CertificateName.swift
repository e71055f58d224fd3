import Foundation

/// How a registered `tls_client_auth` name is compared with a certificate's (RFC 8705 §2.1.2).
enum CertificateName {
    /// An RFC 4514 DN in a form two equal DNs share: RDNs split at unescaped commas, attribute types
    /// upper-cased, spaces around `=` and `,` dropped, values compared case-insensitively (the
    /// caseIgnoreMatch of the directory string attributes CN, O, OU, L, ST, C). nil: not a DN.
    static func canonicalDN(_ dn: String) -> String? {
        var rdns: [String] = []
        var current = ""
        var escaped = false
        for ch in dn {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == "," {
                rdns.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        rdns.append(current)
        var parts: [String] = []
        for rdn in rdns {
            guard let eq = rdn.firstIndex(of: "=") else { return nil }
            let type = rdn[..<eq].trimmingCharacters(in: .whitespaces).uppercased()
            let value = rdn[rdn.index(after: eq)...].trimmingCharacters(in: .whitespaces).lowercased()
            guard !type.isEmpty, !value.isEmpty else { return nil }
            parts.append("\(type)=\(value)")
        }
        return parts.joined(separator: ",")
    }

    /// An IP address in one textual form (so `::1` and `0:0::1` match); nil: not an address.
    static func canonicalIP(_ text: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { $0.map(String.init).joined(separator: ".") } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in
                stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            }
            .joined(separator: ":")
        }
        return nil
    }

    /// Whether `certificate` carries the name a `tls_client_auth` client registered under `key`.
    static func matches(key: String, registered: String, certificate: ClientCertificate) -> Bool {
        switch ClientSpec.CodingKeys(rawValue: key) {
        case .tlsClientAuthSubjectDN:
            guard let want = canonicalDN(registered) else { return false }
            return canonicalDN(certificate.subjectDN) == want
        case .tlsClientAuthSANDNS:
            // DNS names are case-insensitive (RFC 4343).
            return certificate.dnsNames.contains { $0.lowercased() == registered.lowercased() }
        case .tlsClientAuthSANURI:
            return certificate.uris.contains(registered)
        case .tlsClientAuthSANIP:
            guard let want = canonicalIP(registered) else { return false }
            return certificate.ipAddresses.contains { canonicalIP($0) == want }
        case .tlsClientAuthSANEmail:
            return certificate.emails.contains(registered)
        default:
            return false
        }
    }
}
