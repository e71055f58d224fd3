/// What a cell means, not how it looks: themes map roles to colours and attributes.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case text
    case muted
    case accent
    case border
    case header
    case title
    case selection
    case key
    case flashInfo = "flash.info"
    case flashWarn = "flash.warn"
    case flashError = "flash.error"
    case statusActive = "status.active"
    case statusExpired = "status.expired"
    case statusRevoked = "status.revoked"
    case statusDisabled = "status.disabled"
    case statusPending = "status.pending"
    case dialog
    case button
    case buttonFocus = "button.focus"
    case input
    case columnHeader = "column.header"
    case sparkline
}
