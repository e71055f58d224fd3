import ClaimdeckResourceServer
import Hummingbird

/// The invoices API's request context: Hummingbird's core storage plus the principal the
/// resource-server middleware validated.
struct InvoicesContext: ResourceServerRequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
