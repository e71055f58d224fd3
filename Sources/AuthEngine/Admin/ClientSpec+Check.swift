extension ClaimdeckEngine {
    /// Runs the checks `registerClient` and `updateClient` run, changing nothing: for forms that
    /// validate as the admin types. The error names the field at fault.
    public func checkClientSpec(tenantID: String, _ spec: ClientSpec) throws(AdminError) {
        guard config.snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        try spec.validate(tenantID: tenantID, snapshot: config.snapshot, configuration: configuration)
    }
}
