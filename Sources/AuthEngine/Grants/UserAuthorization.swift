import Foundation
import JOSE

/// What a person granted a client in one authorization (a code, a device approval), carried unchanged
/// through every refresh of its family: the granted scopes, audiences, the session and how the user
/// authenticated. Kept in the internal claims of the code and refresh-token records.
struct UserAuthorization: Sendable, Hashable {
    var userID: String
    var scopes: [String]
    var audiences: [String]
    var familyID: String
    /// No refresh token of the family lives past this (the client's absolute lifetime).
    var familyExpiresAt: Date
    var sessionID: String?
    var authTime: Date
    var amr: [String]

    /// The internal claims of a record that carries this authorization.
    var internalClaims: [String: JSONValue] {
        var c: [String: JSONValue] = [
            "auth_time": .number(authTime.timeIntervalSince1970.rounded(.down)),
            "amr": .array(amr.map(JSONValue.string)),
            "family_exp": .number(familyExpiresAt.timeIntervalSince1970.rounded(.down)),
        ]
        if let sessionID { c["sid"] = .string(sessionID) }
        return c
    }

    /// How the user signed in, for claims whose source is the authentication context.
    var context: AuthContext { AuthContext(authTime: authTime, amr: amr, acr: nil) }

    /// Reads the authorization back from a code or refresh-token record.
    init?(record: TokenRecord) {
        guard let familyID = record.familyID, let authTime = record.internalValue("auth_time")?.doubleValue,
            let familyExp = record.internalValue("family_exp")?.doubleValue
        else { return nil }
        self.userID = record.subject
        self.scopes = record.scopes
        self.audiences = record.audiences
        self.familyID = familyID
        self.familyExpiresAt = Date(timeIntervalSince1970: familyExp)
        self.sessionID = record.internalValue("sid")?.stringValue
        self.authTime = Date(timeIntervalSince1970: authTime)
        self.amr = record.internalValue("amr")?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    init(
        userID: String,
        scopes: [String],
        audiences: [String],
        familyID: String,
        familyExpiresAt: Date,
        sessionID: String?,
        authTime: Date,
        amr: [String]
    ) {
        self.userID = userID
        self.scopes = scopes
        self.audiences = audiences
        self.familyID = familyID
        self.familyExpiresAt = familyExpiresAt
        self.sessionID = sessionID
        self.authTime = authTime
        self.amr = amr
    }
}
