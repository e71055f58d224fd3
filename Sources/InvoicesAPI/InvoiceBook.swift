import Foundation
import JOSE

/// The API's own data, standing in for its database: invoices by customer account, and what the API
/// knows of each account beyond what the token says (its extra claims).
struct InvoiceBook: Sendable {
    struct Invoice: Sendable {
        var id: String
        var account: String
        var amount: Double
        var currency: String
    }

    let invoices: [Invoice] = [
        Invoice(id: "INV-2026-0001", account: "1001-42", amount: 1250.00, currency: "SEK"),
        Invoice(id: "INV-2026-0002", account: "1001-42", amount: 310.50, currency: "SEK"),
        Invoice(id: "INV-2026-0003", account: "1002-17", amount: 99.00, currency: "SEK"),
        Invoice(id: "INV-2026-0004", account: "1003-08", amount: 45.25, currency: "SEK"),
    ]

    /// Credit limits by account: the "extra claim" this API computes once per token.
    let creditLimits: [String: Double] = ["1001-42": 50_000, "1002-17": 5_000, "1003-08": 5_000]

    /// The account a token speaks for: the `account-nbr` claim the tenant's design puts in
    /// invoice tokens for users; a service token (client credentials) has none and sees every account.
    static func account(of claims: [String: JSONValue]) -> String? {
        claims["account-nbr"]?.stringValue
    }

    /// The invoices the principal may read, as JSON.
    func visible(to account: String?) -> JSONValue {
        let rows = invoices.filter { account == nil || $0.account == account }.map { invoice -> JSONValue in
            .object([
                "id": .string(invoice.id), "account": .string(invoice.account),
                "amount": .number(invoice.amount), "currency": .string(invoice.currency),
            ])
        }
        return .array(rows)
    }
}
