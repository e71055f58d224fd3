import AuthEngine
import Foundation

/// Every publish from the designer, of the draft or of an older version's design (a rollback), goes
/// through the contract gate the same way: the engine's dry run first, then a dialog with the verdict
/// and Cancel focused. When the gate passes, the dialog publishes; when it refuses, "Force with a
/// reason…" hands back to the screen to ask for the audited reason, and `publish(_:forceReason:)`
/// publishes past the gate.
enum DesignGateFlow {
    enum Change: Sendable, Equatable {
        /// The tenant's draft, with the note that says what it changes.
        case draft(note: String)
        /// A published version's design again, as a new version.
        case rollback(version: Int)
    }

    /// What the publish did, for the screen to show the design as it now is.
    typealias Done = (Result<PublishOutcome, AdminError>) -> Void

    /// Runs the gate's dry run of `change` and presents its verdict. `liveVersion` is read when the
    /// verdict arrives (the screen may have reloaded meanwhile); `askReason` opens the screen's prompt
    /// for the reason to force; `done` gets the outcome of a publish confirmed in the dialog.
    static func start(
        _ change: Change,
        liveVersion: @escaping () -> Int,
        _ ctx: ConsoleContext,
        askReason: @escaping () -> Void,
        done: @escaping Done
    ) {
        let tid = ctx.tenantID
        let actor = ctx.actor
        switch change {
        case .draft(let note):
            ctx.flash("Dry run of the publish…")
            ctx.run(
                "publish dry run",
                { e throws(AdminError) in
                    try await e.publishDesign(PublishRequest(tenantID: tid, note: note, dryRun: true), actor: actor)
                }
            ) { r in
                verdict(r, ctx) { outcome in
                    let live = liveVersion()
                    present(
                        outcome,
                        liveVersion: live,
                        refused: "Breaking changes: the gate refuses",
                        verb: "Publish",
                        confirm: ("Publish the design", "Publish version \(live + 1)"),
                        ctx,
                        askReason: askReason
                    ) {
                        publish(change, forceReason: nil, ctx, done: done)
                    }
                }
            }
        case .rollback(let number):
            let next = liveVersion() + 1
            ctx.flash("Dry run of the rollback to version \(number)…")
            ctx.run(
                "rollback dry run",
                { e throws(AdminError) in
                    try await e.rollbackDesign(tenantID: tid, to: number, note: nil, forceReason: nil, dryRun: true, actor: actor)
                }
            ) { r in
                verdict(r, ctx) { outcome in
                    guard outcome.changed else {
                        ctx.flash("Version \(number) is the live design: rolling back would change nothing.", .warn)
                        return
                    }
                    present(
                        outcome,
                        intro: [Dialog.Line("Publishes version \(number)'s design as version \(next); tokens issued from then on carry it.")],
                        liveVersion: liveVersion(),
                        refused: "Rolling back breaks API contracts",
                        verb: "Roll back",
                        confirm: ("Roll back to version \(number)", "Roll back as version \(next)"),
                        ctx,
                        askReason: askReason
                    ) {
                        publish(change, forceReason: nil, ctx, done: done)
                    }
                }
            }
        }
    }

    /// Publishes `change`; with `forceReason`, past a refusing gate (the reason is audited). The flash
    /// says the gate's verdict.
    static func publish(_ change: Change, forceReason: String?, _ ctx: ConsoleContext, done: @escaping Done) {
        let tid = ctx.tenantID
        let actor = ctx.actor
        let finish: (Result<PublishOutcome, AdminError>) -> Void = { r in
            report(r, forced: forceReason != nil, ctx)
            done(r)
        }
        switch change {
        case .draft(let note):
            ctx.run(
                "publish design",
                { e throws(AdminError) in
                    try await e.publishDesign(PublishRequest(tenantID: tid, note: note, forceReason: forceReason), actor: actor)
                },
                then: finish
            )
        case .rollback(let number):
            ctx.run(
                "roll back design",
                { e throws(AdminError) in
                    try await e.rollbackDesign(tenantID: tid, to: number, note: nil, forceReason: forceReason, actor: actor)
                },
                then: finish
            )
        }
    }

    private static func verdict(_ r: Result<PublishOutcome, AdminError>, _ ctx: ConsoleContext, then: (PublishOutcome) -> Void) {
        switch r {
        case .failure(let e): ctx.fail(e)
        case .success(let outcome): then(outcome)
        }
    }

    /// Says what a publish or a rollback did.
    private static func report(_ r: Result<PublishOutcome, AdminError>, forced: Bool, _ ctx: ConsoleContext) {
        switch r {
        case .failure(let e): ctx.fail(e)
        case .success(let outcome):
            if outcome.version != nil {
                ctx.flash("Gate: \(outcome.verdict)" + (forced && !outcome.diff.breaking.isEmpty ? " (breaking changes forced; reason audited)" : ""))
            } else {
                ctx.flash("Gate: \(outcome.verdict)", outcome.refused ? .error : .warn)
            }
        }
    }

    /// The dry-run verdict as a dialog (Cancel focused): when it refuses, "Force with a reason…" calls
    /// `askReason`; otherwise `confirm`'s action runs `onConfirm`.
    private static func present(
        _ outcome: PublishOutcome,
        intro: [Dialog.Line] = [],
        liveVersion: Int,
        refused title: String,
        verb: String,
        confirm: (title: String, action: String),
        _ ctx: ConsoleContext,
        askReason: @escaping () -> Void,
        onConfirm: @escaping () -> Void
    ) {
        let lines = intro + verdictLines(outcome, liveVersion: liveVersion)
        if outcome.refused {
            ctx.present(
                Dialog(
                    confirm: title,
                    lines: lines + [
                        Dialog.Line(""),
                        Dialog.Line("\(verb) anyway only once these APIs are ready; the reason is audited.", role: .flashWarn),
                    ],
                    action: "Force with a reason…",
                    onConfirm: askReason
                )
            )
        } else {
            ctx.present(Dialog(confirm: confirm.title, lines: lines, action: confirm.action, onConfirm: onConfirm))
        }
    }

    /// The dry run in dialog lines: the verdict, the changes, what breaks, the lint's errors.
    static func verdictLines(_ o: PublishOutcome, liveVersion: Int) -> [Dialog.Line] {
        let width = 72
        // The verdict without the command-line advice that ends a refusal ("publish with --force ...").
        let verdict = o.verdict.components(separatedBy: "; publish with --force").first ?? o.verdict
        var lines = DesignText.wrap("Gate: " + verdict, width: width, indent: "  ").map {
            Dialog.Line($0, role: o.refused ? .flashError : .statusActive)
        }
        lines += DesignText.wrap(
            "Changes from version \(liveVersion): \(Present.count(o.diff.claimChanges.count, "claim change")), "
                + "\(Present.count(o.diff.otherChanges.count, "other change")), \(o.diff.breaking.count) breaking",
            width: width
        )
        .map { Dialog.Line($0) }
        for b in o.diff.breaking.prefix(4) {
            lines += DesignText.wrap("! " + b.message, width: width, indent: "  ").map { Dialog.Line($0, role: .flashError) }
        }
        if o.diff.breaking.count > 4 {
            lines.append(Dialog.Line("  and \(o.diff.breaking.count - 4) more (the Diff pane lists them)", role: .flashError))
        }
        let errors = o.findings.filter { $0.severity == .error }
        lines.append(Dialog.Line("Lint: " + DesignText.count(o.findings), role: errors.isEmpty ? .dialog : .flashWarn))
        for f in errors.prefix(2) {
            lines += DesignText.wrap("✕ " + f.message, width: width, indent: "  ").map { Dialog.Line($0, role: .flashWarn) }
        }
        return lines
    }
}
