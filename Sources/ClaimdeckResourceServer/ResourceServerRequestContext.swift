import Hummingbird

/// What an API's request context adopts so `BearerAuthMiddleware` can hand routes the validated
/// principal:
///
/// ```swift
/// struct APIContext: ResourceServerRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var principal: Principal?
///     init(source: ApplicationRequestContextSource) {
///         coreContext = .init(source: source)
///     }
/// }
/// ```
public protocol ResourceServerRequestContext: RequestContext {
    /// Set by the middleware before the route runs; nil outside protected routes.
    var principal: Principal? { get set }
}
