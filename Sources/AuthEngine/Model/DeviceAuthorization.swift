import Foundation

/// An RFC 8628 device authorization: a device shows `userCode`, a person approves it in a browser, the
/// device polls with the device code (kept as a SHA-256 only).
public struct DeviceAuthorization: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case pending, approved, denied, consumed
    }

    public var id: String
    public var tenantID: String
    public var clientID: String
    public var deviceDigest: Data
    /// Eight letters without vowels or look-alikes, stored without the dash.
    public var userCode: String
    public var scopes: [String]
    public var audiences: [String]
    /// Seconds the device must wait between polls.
    public var interval: Int
    public var createdAt: Date
    public var expiresAt: Date
    public var lastPolledAt: Date?
    public var status: Status
    public var userID: String?
    public var sessionID: String?
    public var authTime: Date?

    public init(
        id: String,
        tenantID: String,
        clientID: String,
        deviceDigest: Data,
        userCode: String,
        scopes: [String],
        audiences: [String],
        interval: Int,
        createdAt: Date,
        expiresAt: Date,
        lastPolledAt: Date? = nil,
        status: Status = .pending,
        userID: String? = nil,
        sessionID: String? = nil,
        authTime: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.clientID = clientID
        self.deviceDigest = deviceDigest
        self.userCode = userCode
        self.scopes = scopes
        self.audiences = audiences
        self.interval = interval
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastPolledAt = lastPolledAt
        self.status = status
        self.userID = userID
        self.sessionID = sessionID
        self.authTime = authTime
    }

    /// "BCDF-GHJK": how the code is shown.
    public var displayUserCode: String { UserCode.display(userCode) }
}

/// RFC 8628 §6.1 user codes: 8 characters from 20 consonants (no vowels, so no words; no 0/O, 1/I/L
/// look-alikes), about 34.5 bits; typed in any case, with or without the dash.
public enum UserCode {
    static let alphabet = Array("BCDFGHJKMNPQRSTVWXZ".utf8) + [UInt8(ascii: "L")]

    static func generate(_ random: (Int) -> [UInt8]) -> String {
        // Rejection sampling keeps every character equally likely.
        var out: [UInt8] = []
        while out.count < 8 {
            for b in random(16) where b < 240 && out.count < 8 { out.append(alphabet[Int(b) % alphabet.count]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What the user typed, in canonical form; nil if it cannot be a user code.
    public static func normalize(_ typed: String) -> String? {
        let letters = typed.uppercased().unicodeScalars.filter { $0 != "-" && $0 != " " }
        guard letters.count == 8, letters.allSatisfy({ $0.isASCII && alphabet.contains(UInt8($0.value)) }) else { return nil }
        return String(String.UnicodeScalarView(letters))
    }

    public static func display(_ code: String) -> String {
        code.count == 8 ? String(code.prefix(4)) + "-" + String(code.suffix(4)) : code
    }
}
