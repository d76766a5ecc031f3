import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation
import Logging

/// A problem running the closed-loop policies.
public enum PolicyError: Error, Sendable, CustomStringConvertible {
    /// ``PolicyRunner/run(at:backfillFrom:)`` before the policy set was activated.
    case notActivated(String)
    /// An event of the log cannot be decoded.
    case undecodable(position: UInt64, error: any Error)

    /// One line naming what is wrong.
    public var description: String {
        switch self {
        case .notActivated(let name): return "policy set '\(name)' is not activated; activate it first (it then reacts to new events)"
        case let .undecodable(position, error): return "event at position \(position) cannot be decoded: \(error)"
        }
    }
}

/// What one run of the policies did.
public struct PolicyRunReport: Sendable, Hashable, Codable {
    /// A reaction carried out or suppressed.
    public struct Outcome: Sendable, Hashable, Codable {
        /// The reaction's id (its first event's id).
        public let id: UUID
        /// The policy.
        public let policy: PolicyKind
        /// The reaction, e.g. `retention-offer`.
        public let reaction: String
        /// The customer, if any.
        public let customer: CustomerID?
        /// The lead, if any.
        public let lead: LeadID?
        /// Why it was due.
        public let reason: String
    }

    /// The log head the policies had folded when they decided.
    public internal(set) var position: UInt64 = 0
    /// Reactions appended in this run.
    public internal(set) var executed: [Outcome] = []
    /// Marketing reactions recorded as suppressed for want of consent.
    public internal(set) var suppressed: [Outcome] = []
    /// Reactions due but found already in the log (an earlier run, or another runner at the same time).
    public internal(set) var alreadyDone = 0
    /// Reactions the domain refused (e.g. a person escalated the ticket meanwhile), with the rule.
    public internal(set) var refused: [String] = []
}

/// Runs the closed-loop policies over a store: folds the log into the read models and the facts
/// the policies need, decides the reactions due, and appends them through the same
/// `CommandHandler` a person's commands go through — with the policy as actor
/// (`policy:<name>/<reaction>`) and the triggering event as causation.
///
/// Safe under replay: every reaction's id is derived from its cause, so running again, after
/// a restart, after rebuilding projections, or in two runners at once, finds the reaction
/// already stored instead of adding it twice. The policies react to events from their
/// activation on (``activate(at:fromPosition:)``); older causes only on an explicit back-fill
/// (``run(at:backfillFrom:)``). Marketing reactions check consent and, where it is missing,
/// record a `ReactionSuppressed` instead.
public actor PolicyRunner {
    /// The policy set's name; its activation lives in the stream `policy-<name>`.
    public nonisolated let name: String
    /// The reaction rules.
    public nonisolated let rules: PolicyRules
    /// The store.
    public nonisolated let store: any EventLogStore
    private let handler: CommandHandler
    private let registry: EventRegistry
    private let logger: Logger
    private var facts: PolicyFacts
    private let actorPrefix: [UInt8]
    /// How many customers' reactions a run appends at once (their durable commits are shared).
    public nonisolated let writers: Int

    /// Creates a runner; nothing is read until the first call.
    ///
    /// - Parameters:
    ///   - store: the log the policies watch and append to.
    ///   - handler: sends the reactions; give the application's handler so personal data is
    ///     sealed the same way (default: a handler over `store` without sealing).
    ///   - name: the policy set's name (lowercase letters, digits, `-`); reaction ids derive from it.
    ///   - readModelRules: the analysis rules (churn levels, lead threshold, lifecycle stages).
    ///   - rules: the reaction rules.
    ///   - writers: how many customers' reactions a run appends at once (at least 1); the
    ///     reactions of one customer or lead are appended in order.
    ///   - logger: where refused reactions are logged; nowhere by default.
    /// - Throws: ``PolicyRulesError`` for rules out of range; `DomainRuleError/invalidName(field:value:)`
    ///   for a name that cannot be part of a stream name.
    public init(store: any EventLogStore, handler: CommandHandler? = nil, name: String = "closed-loop",
                readModelRules: CRMRules = .standard, rules: PolicyRules = .standard, writers: Int = 64,
                logger: Logger = Logger(label: "crmkit.policies", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        try rules.validate()
        try PolicyActivated.checkName(name)
        self.name = name
        self.rules = rules
        self.store = store
        self.handler = handler ?? CommandHandler(store: store)
        registry = self.handler.registry
        self.logger = logger
        self.writers = max(1, writers)
        facts = PolicyFacts(rules: readModelRules)
        actorPrefix = Array("policy:\(name)/".utf8)
    }

    /// The actor recorded on a reaction's events.
    public nonisolated func actor(for reaction: String) -> String { "policy:\(name)/\(reaction)" }

    /// Records that the policy set reacts from `fromPosition` on (default: the next event
    /// appended), once: a second activation, from this or another process, returns the first.
    @discardableResult
    public func activate(at time: Date = Date(), fromPosition: UInt64? = nil) async throws -> PolicyActivated {
        try catchUp()
        if let activation = facts.activation { return activation }
        let from = try fromPosition ?? (store.head() + 1)
        let context = CommandContext(actor: "policy:\(name)", occurredAt: time,
                                     idempotencyKey: NewEvent.derivedID("\(name)/activated"))
        do {
            try await handler.execute(.activatePolicy(name: name, rulesVersion: rules.version, fromPosition: from), context: context)
        } catch let error as DomainRuleError where error.rule == "policy.exists" {
            // Another runner activated the set meanwhile.
        } catch let error as EventLogError {
            guard case .eventIDConflict = error else { throw error }
        }
        try catchUp()
        guard let activation = facts.activation else { throw PolicyError.notActivated(name) }
        return activation
    }

    /// The activation, if the set was activated.
    public func activation() throws -> PolicyActivated? {
        try catchUp()
        return facts.activation
    }

    /// The reactions due at `now` that are not in the log yet, without carrying them out.
    public func pending(at now: Date, backfillFrom: UInt64? = nil) throws -> [Reaction] {
        try due(at: now, backfillFrom: backfillFrom).filter { try store.position(ofEventID: $0.id) == nil && !isSuperseded($0) }
    }

    /// Whether a stronger reaction to the same cause is in the log.
    private func isSuperseded(_ reaction: Reaction) throws -> Bool {
        try reaction.supersededBy.map { try store.position(ofEventID: $0) != nil } ?? false
    }

    /// Every reaction due at `now`, whether or not it is in the log already.
    private func due(at now: Date, backfillFrom: UInt64?) throws -> [Reaction] {
        try catchUp()
        guard let activation = facts.activation else { throw PolicyError.notActivated(name) }
        let from = min(UInt64(activation.fromPosition), backfillFrom ?? .max)
        return ReactionPlanner(facts: facts, rules: rules, name: name, from: from, now: now).plan()
    }

    /// Folds what was appended since the last call, decides the reactions due at `now` and
    /// carries out those not yet in the log.
    ///
    /// - Parameters:
    ///   - now: the business time the policies decide at (and the reactions' `occurredAt`).
    ///   - backfillFrom: also react to causes from this position on, older than the activation:
    ///     the explicit back-fill.
    /// - Throws: ``PolicyError/notActivated(_:)`` before ``activate(at:fromPosition:)``; errors of
    ///   the log. A reaction the domain refuses (e.g. the ticket was escalated by a person
    ///   meanwhile) is listed in ``PolicyRunReport/refused`` and does not stop the run.
    @discardableResult
    public func run(at now: Date, backfillFrom: UInt64? = nil) async throws -> PolicyRunReport {
        let due = try due(at: now, backfillFrom: backfillFrom)
        var report = PolicyRunReport()
        report.position = facts.position
        // Decided here, on the runner's state; carried out below, lane by lane.
        var work: [Pending] = []
        for reaction in due {
            if try store.position(ofEventID: reaction.id) != nil || isSuperseded(reaction) {
                report.alreadyDone += 1
                continue
            }
            let outcome = PolicyRunReport.Outcome(id: reaction.id, policy: reaction.policy, reaction: reaction.name,
                                                  customer: reaction.customer, lead: reaction.lead, reason: reaction.reason)
            let cause = try store.event(at: reaction.causePosition)
            var command = reaction.command
            var suppressed = false
            if let need = reaction.consent, let customer = reaction.customer, let why = missingConsent(customer, need) {
                command = .recordSuppressedReaction(customer, policy: reaction.policy.rawValue, reaction: reaction.name,
                                                    purpose: need.purpose, channel: need.channel, reason: why)
                suppressed = true
            }
            let context = CommandContext(actor: actor(for: reaction.name), occurredAt: now, correlationID: cause?.correlationID ?? cause?.id,
                                         causationID: cause?.id, idempotencyKey: reaction.id)
            work.append(Pending(outcome: outcome, command: command, context: context, suppressed: suppressed))
        }
        let results = try await carryOut(work)
        for (pending, result) in zip(work, results) {
            switch result {
            case .done where pending.suppressed: report.suppressed.append(pending.outcome)
            case .done: report.executed.append(pending.outcome)
            case .alreadyDone: report.alreadyDone += 1
            case .refused(let line): report.refused.append(line)
            }
        }
        try catchUp()
        return report
    }

    /// A reaction decided and ready to be appended.
    private struct Pending: Sendable {
        let outcome: PolicyRunReport.Outcome
        let command: CRMCommand
        let context: CommandContext
        let suppressed: Bool
    }

    /// What became of a ``Pending`` reaction.
    private enum Result: Sendable {
        case done, alreadyDone, refused(String)
    }

    /// Appends the reactions through the handler, those of one customer (or lead) in their
    /// order, up to ``writers`` customers at once (so their durable commits are shared); returns
    /// what became of each, in the order given.
    private func carryOut(_ work: [Pending]) async throws -> [Result] {
        var lanes: [[Int]] = []
        var laneOf: [UUID: Int] = [:]
        for (index, pending) in work.enumerated() {
            let key = pending.outcome.customer?.uuid ?? pending.outcome.lead?.uuid ?? pending.outcome.id
            if let lane = laneOf[key] {
                lanes[lane].append(index)
            } else {
                laneOf[key] = lanes.count
                lanes.append([index])
            }
        }
        let handler = handler
        let store = store
        let logger = logger
        let lanesOfWork = lanes
        let workers = max(1, min(writers, lanesOfWork.count))
        return try await withThrowingTaskGroup(of: [(Int, Result)].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var results: [(Int, Result)] = []
                    for lane in stride(from: worker, to: lanesOfWork.count, by: workers) {
                        for index in lanesOfWork[lane] {
                            // Another lane failed: the run stops, as it did at that reaction.
                            try Task.checkCancellation()
                            let pending = work[index]
                            do {
                                let result = try await handler.execute(pending.command, context: pending.context)
                                results.append((index, result.wasAlreadyStored ? .alreadyDone : .done))
                            } catch {
                                // Another runner may have carried it out between our check and our append.
                                if try store.position(ofEventID: pending.outcome.id) != nil {
                                    results.append((index, .alreadyDone))
                                    continue
                                }
                                guard let refusal = error as? DomainRuleError else { throw error }
                                logger.info("reaction refused", metadata: ["reaction": "\(pending.outcome.reaction)", "rule": "\(refusal.rule)"])
                                results.append((index, .refused("\(pending.outcome.reaction): \(refusal.rule): \(refusal)")))
                            }
                        }
                    }
                    return results
                }
            }
            var all = [Result](repeating: .alreadyDone, count: work.count)
            for try await part in group {
                for (index, result) in part { all[index] = result }
            }
            return all
        }
    }

    /// Keeps the loop running: decides and carries out what is due at `now()`, then again every
    /// `interval`, until the task is cancelled (then it returns). A reaction to a new event thus
    /// follows within one interval; time-driven reactions (an SLA deadline, a quote unanswered
    /// for days) are found on the first run after they fall due.
    ///
    /// - Parameters:
    ///   - interval: the time between runs.
    ///   - now: the business time of each run (default: the clock).
    ///   - report: called with each run's report (e.g. to log or export it).
    /// - Throws: what ``run(at:backfillFrom:)`` throws, except cancellation.
    public func follow(every interval: Duration = .seconds(60), now: @Sendable () -> Date = { Date() },
                       report: @Sendable (PolicyRunReport) async -> Void = { _ in }) async throws {
        while !Task.isCancelled {
            await report(try await run(at: now()))
            do { try await Task.sleep(for: interval) } catch is CancellationError { return }
        }
    }

    /// Why `customer` may not receive a marketing reaction needing `need`, or `nil` if they may.
    private func missingConsent(_ customer: CustomerID, _ need: Reaction.ConsentNeed) -> String? {
        guard let record = facts.models.customer360.customer(customer) else { return "unknown customer" }
        if record.erasureRequested { return "the customer asked for erasure" }
        if record.consents.contains(where: { $0.purpose == need.purpose && $0.channel == need.channel }) { return nil }
        return "no consent for \(need.purpose.name) by \(need.channel.name)"
    }

    /// The work lists of `day` (default: the latest business day folded).
    public func workLists(on day: CalendarDay? = nil) throws -> WorkLists {
        try catchUp()
        return WorkLists(facts: facts, rules: rules, day: day ?? latestDay(of: facts))
    }

    /// The work lists as they were: from the events up to a log position (listed on the latest
    /// business day folded by then) or up to the end of a business day (listed on that day).
    public func workLists(asOf cut: AsOf) throws -> WorkLists {
        let past = try facts(asOf: cut)
        if case .businessDay(let day) = cut { return WorkLists(facts: past, rules: rules, day: day) }
        return WorkLists(facts: past, rules: rules, day: latestDay(of: past))
    }

    /// The effect report as of `day` (default: the latest business day folded).
    public func effectReport(asOf day: CalendarDay? = nil) throws -> EffectReport {
        try catchUp()
        return EffectReport(facts: facts, rules: rules, asOf: day ?? latestDay(of: facts))
    }

    /// The latest business day folded (of the lifecycle events), or today for an empty log.
    public func latestBusinessDay() throws -> CalendarDay {
        try catchUp()
        return latestDay(of: facts)
    }

    private func latestDay(of facts: PolicyFacts) -> CalendarDay {
        facts.models.lifecycle.latestDay ?? CalendarDay(containing: Date())
    }

    /// The facts folded from the events up to `cut`, in a fold of their own.
    private func facts(asOf cut: AsOf) throws -> PolicyFacts {
        var past = PolicyFacts(rules: facts.models.rules)
        let through: UInt64
        var cutoff: Int64?
        switch cut {
        case .position(let position): through = min(position, try store.head())
        case .businessDay(let day):
            through = try store.head()
            cutoff = (Int64(day.daysSince1970) + 1) * 86_400_000_000
        }
        try fold(into: &past, through: through, before: cutoff)
        return past
    }

    /// Folds the events after `facts.position` up to `through` (those before `cutoff` micros of
    /// business time, when given) into `facts`.
    private func fold(into facts: inout PolicyFacts, through: UInt64, before cutoff: Int64? = nil) throws {
        guard through > facts.position else { return }
        let registry = registry
        let prefix = actorPrefix
        let name = name
        try store.scan(.all, from: facts.position + 1, through: through) { view in
            if let cutoff, view.occurredAtMicros >= cutoff { return }
            let event: DomainEvent
            do { event = try registry.decode(view) } catch { throw PolicyError.undecodable(position: view.position, error: error) }
            let actor = view.actorBytes
            var reaction: String?
            if actor.count > prefix.count, actor.prefix(prefix.count).elementsEqual(prefix) {
                reaction = String(decoding: actor.dropFirst(prefix.count), as: UTF8.self)
            }
            facts.apply(event, EventInfo(position: view.position, occurredAtMicros: view.occurredAtMicros), reaction: reaction,
                        policyName: name)
        }
        facts.position = max(facts.position, through)
    }

    /// Folds the events appended since the last fold.
    private func catchUp() throws {
        let head = try store.head()
        guard head > facts.position else { return }
        // Folded in place (a copy would duplicate every table the fold touches). A fold that
        // fails part-way (an event that cannot be read) stops before that event: the facts are
        // those of the events applied, at the position of the last one, and the next call goes
        // on from there.
        try fold(into: &facts, through: head)
    }
}
