// The rules of the service family: tickets, and the employees who serve — joining, leaving,
// trainings, the employee survey (Catalog/ServiceEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decideServiceCommand(_ command: CRMCommand) throws {
        switch command {
        case let .openTicket(id, customerID, channel, priority, category, subject, description, sla, firstResponse, resolution):
            try absent(id, as: TicketState.self)
            _ = try customer(customerID)
            try text("category", category)
            try text("subject", subject)
            try text("slaPolicy", sla)
            try range("firstResponseTargetMinutes", firstResponse, 1...525_600)
            try range("resolutionTargetMinutes", resolution, firstResponse...525_600)
            emit(id, .ticketOpened(TicketOpened(
                ticketID: id, customerID: customerID, channel: channel, priority: priority, category: category, subject: subject,
                description: description, slaPolicy: sla, firstResponseTargetMinutes: firstResponse,
                resolutionTargetMinutes: resolution)))

        case let .assignTicket(id, employeeID):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "assign", allowed: state.status == .open)
            try employee(employeeID)
            emit(id, .ticketAssigned(TicketAssigned(ticketID: id, employeeID: employeeID)))

        case let .respondToTicket(id, employeeID, channel):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "give a first response", allowed: state.status == .open)
            guard !state.responded else { throw DomainRuleError.noChange("ticket \(id) already has its first response") }
            try employee(employeeID)
            emit(id, .ticketFirstResponseGiven(TicketFirstResponseGiven(ticketID: id, employeeID: employeeID, channel: channel)))

        case let .recordCustomerReply(id, channel, text):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "record a reply", allowed: state.status != .closed)
            emit(id, .ticketCustomerReplied(TicketCustomerReplied(ticketID: id, customerID: state.customerID, channel: channel, text: text)))

        case let .escalateTicket(id, level, reason):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "escalate", allowed: state.status == .open)
            try range("level", level, (state.escalationLevel + 1)...9)
            try text("reason", reason)
            emit(id, .ticketEscalated(TicketEscalated(ticketID: id, level: level, reason: reason)))

        case let .resolveTicket(id, firstContact, resolution):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "resolve", allowed: state.status == .open)
            emit(id, .ticketResolved(TicketResolved(ticketID: id, customerID: state.customerID,
                                                    firstContactResolution: firstContact, resolution: resolution)))

        case let .reopenTicket(id, reason):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "reopen", allowed: state.status == .resolved || state.status == .closed)
            try text("reason", reason)
            emit(id, .ticketReopened(TicketReopened(ticketID: id, reason: reason)))

        case let .closeTicket(id):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "close", allowed: state.status == .resolved)
            emit(id, .ticketClosed(TicketClosed(ticketID: id)))

        // Employees
        case let .registerEmployee(id, name, role, team):
            try absent(id, as: EmployeeState.self)
            try text("name", name)
            try text("role", role)
            emit(id, .employeeJoined(EmployeeJoined(employeeID: id, name: name, role: role, team: team)))

        case let .recordEmployeeLeft(id):
            try employee(id)
            emit(id, .employeeLeft(EmployeeLeft(employeeID: id)))

        case let .completeTraining(id, course, crmTraining):
            try employee(id)
            try text("course", course)
            emit(id, .trainingCompleted(TrainingCompleted(employeeID: id, course: course, crmTraining: crmTraining)))

        case let .answerEmployeeSurvey(id, satisfaction, crmSatisfaction):
            try employee(id)
            try range("satisfaction", satisfaction, 1...5)
            if let crmSatisfaction { try range("crmSatisfaction", crmSatisfaction, 1...5) }
            emit(id, .employeeSurveyAnswered(EmployeeSurveyAnswered(employeeID: id, satisfaction: satisfaction,
                                                                    crmSatisfaction: crmSatisfaction)))

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the service family")
        }
    }
}
