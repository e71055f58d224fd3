import ClaimdeckResourceServer
import Hummingbird
import JOSE

/// The routes of the invoices API: GET /invoices needs `invoice-read`, POST /invoices `invoice-write`
/// (the scopes of the demo tenant's `invoices` API in data/demo-sms.yaml); GET /health is open;
/// POST /ssf/events receives Claimdeck's security events (RFC 8935 push).
enum InvoicesRoutes {
    static func router(validator: TokenValidator, book: InvoiceBook, eventsAuthorization: String?) -> Router<InvoicesContext> {
        let router = Router(context: InvoicesContext.self)
        router.get("health") { _, _ in "ok" }
        SecurityEventReceiver(validator: validator, authorization: eventsAuthorization).mount(on: router, at: "ssf/events")
        router.group("invoices")
            .add(middleware: BearerAuthMiddleware(validator: validator, requiredScopes: ["invoice-read"]))
            .get { _, context in
                json(invoices(for: context, book: book))
            }
        router.group("invoices")
            .add(middleware: BearerAuthMiddleware(validator: validator, requiredScopes: ["invoice-write"]))
            .post { _, _ in
                // Writing is not the example's point: the scope check in front of it is.
                Response(status: .accepted)
            }
        return router
    }

    /// What GET /invoices answers: who asked, the extra claim, and the invoices they may see.
    static func invoices(for context: InvoicesContext, book: InvoiceBook) -> JSONValue {
        guard let principal = context.principal else { return .null }
        let account = InvoiceBook.account(of: principal.claims)
        return .object([
            "subject": .string(principal.subject),
            "client_id": .string(principal.clientID),
            "credit_limit": principal.extraClaims["credit_limit"] ?? .null,
            "invoices": book.visible(to: account),
        ])
    }

    static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized(sortedKeys: true)))
        )
    }
}
