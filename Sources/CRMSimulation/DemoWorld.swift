import CRMDomain
import CRMEventLog
import CRMPolicies
import CRMProjections
import Foundation

/// Generates a ``MarketSimulation`` into a log, week by week, with the closed loop running
/// after every week (so its offers reach customers during the history, and their responses
/// show in `crm policies effect`).
public enum DemoWorld {
    /// What a generation did.
    public struct Summary: Sendable, Hashable {
        /// Commands executed (the simulation's and the staff's; not the loop's reactions).
        public var commands = 0
        /// Events appended by them.
        public var events = 0
        /// Commands the domain refused (a clash between the simulation and the loop, e.g. a
        /// lead the policy handed over in the week a person did too); they are skipped.
        public var refused = 0
        /// The first refusals, for diagnosis.
        public var refusals: [String] = []
        /// Weekly runs of the closed loop.
        public var loopRuns = 0
        /// Reactions the loop carried out.
        public var reactions = 0
        /// Reactions the loop recorded as suppressed for want of consent.
        public var suppressed = 0
        /// Tasks of the loop (calls, follow-ups, business reviews) the staff completed.
        public var tasksCompleted = 0
        /// Customers at the end.
        public var customers = 0
        /// Wall-clock time spent in the weekly runs of the closed loop (deciding and appending
        /// its reactions), part of the whole generation's time.
        public var closedLoopTime: Duration = .zero
    }

    /// Appends the whole history of `parameters` through `handler` into `store` (which should
    /// be empty), `writers` customers at once, and runs the closed loop (`PolicyRunner` named
    /// `closed-loop`) at the end of every week.
    ///
    /// - Parameters:
    ///   - store: the log to append to.
    ///   - handler: the command handler over `store` (with the key vault that seals personal data).
    ///   - parameters: the market's size, activity and seed.
    ///   - readModelRules: the rules of the read models the loop decides on.
    ///   - policyRules: the closed loop's rules.
    ///   - writers: customers appended at once.
    ///   - progress: called after every week with (weeks done, weeks).
    /// - Throws: errors of the log; a domain refusal is counted in ``Summary/refused`` instead.
    public static func generate(into store: any EventLogStore, handler: CommandHandler, parameters: MarketParameters,
                                readModelRules: CRMRules = .standard, policyRules: PolicyRules = .standard, writers: Int = 32,
                                progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        var market = MarketSimulation(parameters: parameters)
        var summary = Summary()
        for (command, context) in market.staffCommands() {
            summary.events += try await handler.execute(command, context: context).events.count
            summary.commands += 1
        }
        let runner = try PolicyRunner(store: store, handler: handler, readModelRules: readModelRules, rules: policyRules, writers: writers)
        try await runner.activate(at: MarketSimulation.start)
        var openTasks: [(id: UUID, createdAt: Date)] = []
        for week in 0..<market.weeks {
            let lanes = market.plan(week: week)
            if let first = lanes.first { try await execute([first], handler: handler, writers: 1, into: &summary) }
            try await execute(Array(lanes.dropFirst()), handler: handler, writers: writers, into: &summary)
            // The staff work off last week's tasks of the loop within the week (the last
            // week's stay on the work lists).
            summary.tasksCompleted += try await complete(openTasks, handler: handler, writers: writers)
            let at = market.loopTime(afterWeek: week)
            let loopStart = ContinuousClock.now
            let report = try await runner.run(at: at)
            summary.closedLoopTime += ContinuousClock.now - loopStart
            openTasks = report.executed.filter { taskReactions.contains($0.reaction) }.map { ($0.id, at) }
            summary.loopRuns += 1
            summary.reactions += report.executed.count
            summary.suppressed += report.suppressed.count
            market.respond(to: report.executed.compactMap { outcome -> MarketSimulation.Reaction? in
                switch outcome.reaction {
                case "retention-offer", "account-manager-call": outcome.customer.map { .retention($0) }
                case "win-back-offer": outcome.customer.map { .winBack($0) }
                case "cross-selling-offer": outcome.customer.map { .crossSelling($0) }
                case "lead-hand-over": outcome.lead.map { .leadHandedOver($0) }
                default: nil
                }
            }, at: at)
            progress(week + 1, market.weeks)
        }
        summary.customers = market.customers.count
        return summary
    }

    /// The loop's reactions that create a task for a person (the task's id is the reaction's).
    static let taskReactions: Set<String> = [
        "account-manager-call", "quote-follow-up", "second-order-follow-up", "business-review", "consideration-follow-up",
    ]

    /// Completes `tasks`, each one to four days after it was created, up to `writers` at once;
    /// returns how many. A task that is no longer open (or that the reaction did not create) is
    /// skipped.
    private static func complete(_ tasks: [(id: UUID, createdAt: Date)], handler: CommandHandler, writers: Int) async throws -> Int {
        var done = Summary()
        try await execute(tasks.map { task in
            [(.completeTask(TaskID(task.id), outcome: "done"),
              CommandContext(actor: "demo", occurredAt: task.createdAt.addingTimeInterval(Double(1 + Int(task.id.uuid.0) % 4) * 86_400)))]
        }, handler: handler, writers: writers, into: &done)
        return done.commands
    }

    /// Executes the lanes, each in order, up to `writers` lanes at once.
    private static func execute(_ lanes: [[(CRMCommand, CommandContext)]], handler: CommandHandler, writers: Int,
                                into summary: inout Summary) async throws {
        guard !lanes.isEmpty else { return }
        let workers = max(1, min(writers, lanes.count))
        let partial = try await withThrowingTaskGroup(of: Summary.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var part = Summary()
                    for lane in stride(from: worker, to: lanes.count, by: workers) {
                        for (command, context) in lanes[lane] {
                            do {
                                part.events += try await handler.execute(command, context: context).events.count
                                part.commands += 1
                            } catch let refusal as DomainRuleError {
                                part.refused += 1
                                if part.refusals.count < 5 { part.refusals.append("\(refusal.rule): \(refusal)") }
                            }
                        }
                    }
                    return part
                }
            }
            var total = Summary()
            for try await part in group {
                total.events += part.events
                total.commands += part.commands
                total.refused += part.refused
                total.refusals += part.refusals.prefix(max(0, 10 - total.refusals.count))
            }
            return total
        }
        summary.events += partial.events
        summary.commands += partial.commands
        summary.refused += partial.refused
        summary.refusals += partial.refusals.prefix(max(0, 10 - summary.refusals.count))
    }
}
