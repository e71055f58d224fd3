import AuthEngine
import Foundation

/// What the designer's keys start beyond a cursor move: removals (confirmed), the claim and API
/// forms, the prompts, publishing and rolling back through `DesignGateFlow`, and discarding the draft.
extension DesignerScreen {
    func confirmRemove(_ what: String, _ candidate: TokenDesign, _ ctx: ConsoleContext) {
        // Checked before asking: a removal an API's contract forbids is refused with the field named.
        do {
            try candidate.owned(by: ctx.tenantID).validate()
        } catch {
            ctx.fail(error)
            return
        }
        ctx.present(
            Dialog(
                confirm: "Remove from the draft",
                lines: [
                    Dialog.Line("Remove \(what) from the draft?"),
                    Dialog.Line("Nothing changes for tokens until the draft is published; the diff shows what breaks.", role: .flashWarn),
                ],
                action: "Remove"
            ) { [weak self] in
                self?.apply(candidate, ctx, "Removed \(what)")
            }
        )
    }

    // MARK: - Forms

    /// Validates the form as the engine would; marks the field at fault. The error names the
    /// design field ("claims.account-nbr.type") or, for what the form itself cannot read, the form field.
    func validateClaim(_ form: inout Form, original: String?, _ ctx: ConsoleContext) -> Result<TokenDesign, AdminError> {
        validate(
            &form,
            ClaimForm.claim(form, tenantID: ctx.tenantID),
            ctx,
            edit: { DesignEdit.replaceClaim(draft, original: original, with: $0) },
            fieldKey: { ClaimForm.field($0, claim: $1.name) }
        )
    }

    /// One path for both forms: what the form reads, put into the draft, validated by the engine;
    /// the field at fault marked (a design field mapped back to the form's, else the form's own).
    private func validate<Item>(
        _ form: inout Form,
        _ parsed: Result<Item, AdminError>,
        _ ctx: ConsoleContext,
        edit: (Item) -> TokenDesign,
        fieldKey: (String?, Item) -> String?
    ) -> Result<TokenDesign, AdminError> {
        switch parsed {
        case .failure(let e):
            form.setError(field: e.field, e.message)
            return .failure(e)
        case .success(let item):
            let candidate = edit(item).owned(by: ctx.tenantID)
            do {
                try candidate.validate()
                form.setError(field: nil, nil)
                return .success(candidate)
            } catch {
                let key = fieldKey(error.field, item)
                form.setError(field: key, key == nil ? error.description : error.message)
                return .failure(error)
            }
        }
    }

    func submitClaim(_ form: Form, original: String?, _ ctx: ConsoleContext) {
        var form = form
        switch validateClaim(&form, original: original, ctx) {
        case .failure(let e):
            mode = .claimForm(form, original: original)
            ctx.flash(e.description + " (the draft is unchanged)", .error)
        case .success(let candidate):
            mode = .browse
            let name = form.value("name").trimmingCharacters(in: .whitespaces)
            apply(candidate, ctx, original == nil ? "Added claim \(name)" : "Saved claim \(name)")
            if let i = shownClaims.firstIndex(where: { $0.name == name }) { matrix.select(i) }
        }
    }

    func validateAPI(_ form: inout Form, original: String?, _ ctx: ConsoleContext) -> Result<TokenDesign, AdminError> {
        validate(
            &form,
            APIForm.api(form, tenantID: ctx.tenantID),
            ctx,
            edit: { DesignEdit.replaceAPI(draft, original: original, with: $0) },
            fieldKey: { APIForm.field($0, api: $1.name) }
        )
    }

    func submitAPI(_ form: Form, original: String?, _ ctx: ConsoleContext) {
        var form = form
        switch validateAPI(&form, original: original, ctx) {
        case .failure(let e):
            mode = .apiForm(form, original: original)
            ctx.flash(e.description + " (the draft is unchanged)", .error)
        case .success(let candidate):
            mode = .browse
            let name = form.value("name").trimmingCharacters(in: .whitespaces)
            apply(candidate, ctx, original == nil ? "Added API \(name)" : "Saved API \(name)")
            if let i = shownAPIs.firstIndex(where: { $0.name == name }) { apiList.select(i) }
        }
    }

    // MARK: - Prompts, publish, discard

    func answer(_ prompt: Prompt, _ text: String, _ ctx: ConsoleContext) {
        let text = text.trimmingCharacters(in: .whitespaces)
        switch prompt {
        case .previewScopes:
            mode = .browse
            previewScopes = text
            refreshPreview(ctx)
        case .previewAudience:
            mode = .browse
            previewAudience = text
            refreshPreview(ctx)
        case .note:
            guard !text.isEmpty else {
                ctx.flash("note: say in a few words what this version changes", .error)
                return
            }
            mode = .browse
            dryRun(note: text, ctx)
        case .forceReason(let note):
            guard !text.isEmpty else {
                ctx.flash("reason: give the reason for overriding the gate; it is audited", .error)
                return
            }
            mode = .browse
            DesignGateFlow.publish(.draft(note: note), forceReason: text, ctx) { [weak self] _ in self?.published(ctx) }
        case .rollbackReason(let version):
            guard !text.isEmpty else {
                ctx.flash("reason: give the reason for overriding the gate; it is audited", .error)
                return
            }
            mode = .versions
            DesignGateFlow.publish(.rollback(version: version), forceReason: text, ctx) { [weak self] _ in self?.published(ctx) }
        }
    }

    func startPublish(_ ctx: ConsoleContext) {
        guard loaded, !saving else {
            ctx.flash("The draft is still being saved; try again.", .warn)
            return
        }
        guard savedDraft != nil else {
            ctx.flash("No draft to publish: edit the matrix, a claim or an API first.", .warn)
            return
        }
        guard !diff.isEmpty else {
            ctx.flash("Nothing to publish: the draft is the live design (X discards it).", .warn)
            return
        }
        mode = .prompt(.note, TextField())
    }

    /// The gate's verdict on publishing the draft (a dry run), then publish or force with a reason.
    private func dryRun(note: String, _ ctx: ConsoleContext) {
        DesignGateFlow.start(
            .draft(note: note),
            liveVersion: { [weak self] in self?.liveVersion ?? 0 },
            ctx,
            askReason: { [weak self] in self?.mode = .prompt(.forceReason(note: note), TextField()) },
            done: { [weak self] _ in self?.published(ctx) }
        )
    }

    /// After a publish or a rollback: the design as it now is.
    private func published(_ ctx: ConsoleContext) {
        load(ctx)
        if case .versions = mode { loadVersions(ctx) }
    }

    // MARK: - Versions and rollback

    /// The history and the live design it is compared with, both read again: another console or the
    /// CLI may have published since.
    func openVersions(_ ctx: ConsoleContext) {
        load(ctx)
        loadVersions(ctx)
    }

    func loadVersions(_ ctx: ConsoleContext) {
        let tid = ctx.tenantID
        ctx.run("design versions", { e throws(AdminError) in try await e.designVersions(tenantID: tid) }) { [weak self] r in
            guard let self, ctx.tenantID == tid else { return }
            switch r {
            case .failure(let e): self.versionsError = e.description
            case .success(let v):
                self.versionsError = nil
                self.versions = v.reversed()
                self.versionList.setCount(v.count)
            }
        }
    }

    private var selectedVersion: DesignVersion? {
        guard let versions, versions.indices.contains(versionList.selected) else { return nil }
        return versions[versionList.selected]
    }

    /// The gate's verdict on rolling back (a dry run), then roll back or force with a reason.
    func startRollback(_ ctx: ConsoleContext) {
        guard let v = selectedVersion else { return }
        guard v.number != liveVersion else {
            ctx.flash("Version \(v.number) is the live version: nothing to roll back to.", .warn)
            return
        }
        let number = v.number
        DesignGateFlow.start(
            .rollback(version: number),
            liveVersion: { [weak self] in self?.liveVersion ?? 0 },
            ctx,
            askReason: { [weak self] in self?.mode = .prompt(.rollbackReason(version: number), TextField()) },
            done: { [weak self] _ in self?.published(ctx) }
        )
    }

    func discard(_ ctx: ConsoleContext) {
        guard let saved = savedDraft, !saving else {
            ctx.flash(saving ? "The draft is still being saved; try again." : "No draft to discard: this is live version \(liveVersion).", .warn)
            return
        }
        let tid = ctx.tenantID
        let actor = ctx.actor
        ctx.present(
            Dialog(
                confirm: "Discard the draft",
                lines: [
                    Dialog.Line("Discard the draft started from version \(saved.baseVersion)?"),
                    Dialog.Line(
                        "Its changes are lost: \(Present.count(diff.claimChanges.count + diff.otherChanges.count, "change")).",
                        role: .flashWarn
                    ),
                ],
                action: "Discard draft"
            ) { [weak self] in
                ctx.run("discard design draft", { e throws(AdminError) in try await e.discardDesignDraft(tenantID: tid, actor: actor) }) { r in
                    switch r {
                    case .failure(let e): ctx.fail(e)
                    case .success: ctx.flash("Draft discarded; showing live version \(self?.liveVersion ?? 0).")
                    }
                    self?.load(ctx)
                }
            }
        )
    }
}
