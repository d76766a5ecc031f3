// The rules of the work family and the closed loop: tasks, suppressed reactions, policy
// activation (Catalog/WorkEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decideWorkCommand(_ command: CRMCommand) throws {
        switch command {
        case let .createTask(id, kind, title, customerID, leadID, assignee, dueOn, reason):
            try absent(id, as: TaskState.self)
            try text("title", title)
            try text("reason", reason)
            if let customerID { _ = try customer(customerID) }
            if let leadID { _ = try existing(leadID, as: LeadState.self) }
            if let assignee { try employee(assignee) }
            emit(id, .taskCreated(TaskCreated(taskID: id, kind: kind, title: title, customerID: customerID, leadID: leadID,
                                              assignee: assignee, dueOn: dueOn, reason: reason)))

        case let .completeTask(id, outcome):
            let state: TaskState = try existing(id)
            try transition(id, state.status.rawValue, "complete", allowed: state.status == .open)
            emit(id, .taskCompleted(TaskCompleted(taskID: id, outcome: outcome)))

        case let .recordSuppressedReaction(id, policy, reaction, purpose, channel, reason):
            _ = try customer(id)
            try text("policy", policy)
            try text("reaction", reaction)
            try text("reason", reason)
            emit(id, .reactionSuppressed(ReactionSuppressed(customerID: id, policy: policy, reaction: reaction, purpose: purpose,
                                                            channel: channel, reason: reason)))

        case let .activatePolicy(name, rulesVersion, fromPosition):
            try PolicyActivated.checkName(name)
            try text("rulesVersion", rulesVersion)
            guard fromPosition >= 1, fromPosition <= UInt64(Int.max) else {
                throw DomainRuleError.valueOutOfRange(field: "fromPosition", value: Int(clamping: fromPosition), allowed: 1...Int.max)
            }
            let stream = PolicyActivated.stream(of: name)
            let state: PolicyStreamState = try load(stream)
            guard !state.exists else { throw DomainRuleError.alreadyExists(kind: "policy", id: name) }
            appends.append((stream, [.policyActivated(PolicyActivated(policy: name, rulesVersion: rulesVersion,
                                                                      fromPosition: Int(fromPosition)))]))

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the work family")
        }
    }
}
