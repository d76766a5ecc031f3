// The rules of the party family: persons and accounts, contacts, merges, interactions, consent,
// feedback and NPS, erasure (the events of Catalog/PartyEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decidePartyCommand(_ command: CRMCommand) throws {
        switch command {
        case let .registerCustomer(id, kind, name, email, phone, address, industry, employeeCount, country):
            try absent(id, as: CustomerState.self)
            try text("name", name)
            if let employeeCount { try range("employeeCount", employeeCount, 0...10_000_000) }
            emit(id, .customerRegistered(CustomerRegistered(
                customerID: id, kind: kind, name: name, email: email, phone: phone, address: address,
                industry: industry, employeeCount: employeeCount, country: country)))

        case let .changeCustomerDetails(id, name, email, phone, address, industry, employeeCount, country):
            _ = try customer(id)
            if let name { try text("name", name) }
            if let employeeCount { try range("employeeCount", employeeCount, 0...10_000_000) }
            guard name != nil || email != nil || phone != nil || address != nil || industry != nil
                || employeeCount != nil || country != nil
            else { throw DomainRuleError.noChange("no detail given") }
            emit(id, .customerDetailsChanged(CustomerDetailsChanged(
                customerID: id, name: name, email: email, phone: phone, address: address,
                industry: industry, employeeCount: employeeCount, country: country)))

        case let .mergeCustomers(duplicate, survivor):
            guard duplicate != survivor else { throw DomainRuleError.mergeIntoItself(duplicate) }
            _ = try customer(survivor)
            _ = try customer(duplicate)
            emit(duplicate, .customersMerged(CustomersMerged(duplicateID: duplicate, survivorID: survivor)))

        case let .addContact(id, contact, name, email, phone, jobTitle, role):
            let state = try customer(id)
            guard state.kind == .account else { throw DomainRuleError.contactsRequireAccount(id) }
            guard !state.contacts.contains(contact) else { throw DomainRuleError.alreadyExists(kind: "contact", id: contact.description) }
            try text("name", name)
            emit(id, .contactAdded(ContactAdded(customerID: id, contactID: contact, name: name, email: email, phone: phone,
                                                jobTitle: jobTitle, role: role)))

        case let .changeContactRole(id, contact, role):
            let state = try customer(id)
            guard state.contacts.contains(contact) else { throw DomainRuleError.unknownContact(contact, customer: id) }
            emit(id, .contactRoleChanged(ContactRoleChanged(customerID: id, contactID: contact, role: role)))

        case let .removeContact(id, contact):
            let state = try customer(id)
            guard state.contacts.contains(contact) else { throw DomainRuleError.unknownContact(contact, customer: id) }
            emit(id, .contactRemoved(ContactRemoved(customerID: id, contactID: contact)))

        case let .assignAccountManager(id, employeeID):
            _ = try customer(id)
            try employee(employeeID)
            emit(id, .accountManagerAssigned(AccountManagerAssigned(customerID: id, employeeID: employeeID)))

        case let .bookCostToServe(id, activity, amount, note):
            _ = try customer(id)
            try nonNegative("amount", amount)
            emit(id, .costToServeBooked(CostToServeBooked(customerID: id, activity: activity, amount: amount, note: note)))

        case let .recordInteraction(interactionID, id, channel, direction, employeeID, contact, duration, subject, text):
            let state = try customer(id)
            if let employeeID { try employee(employeeID) }
            if let contact, !state.contacts.contains(contact) { throw DomainRuleError.unknownContact(contact, customer: id) }
            try range("durationSeconds", duration, 0...86_400 * 7)
            emit(id, .interactionRecorded(InteractionRecorded(
                interactionID: interactionID, customerID: id, channel: channel, direction: direction, employeeID: employeeID,
                contactID: contact, durationSeconds: duration, subject: subject, text: text)))

        case let .giveConsent(id, purpose, channel, source):
            _ = try customer(id)
            emit(id, .consentGiven(ConsentGiven(customerID: id, purpose: purpose, channel: channel, source: source)))

        case let .withdrawConsent(id, purpose, channel):
            let state = try customer(id)
            guard state.consents.contains(.init(purpose: purpose, channel: channel)) else {
                throw DomainRuleError.consentNotGiven(id, purpose: purpose, channel: channel)
            }
            emit(id, .consentWithdrawn(ConsentWithdrawn(customerID: id, purpose: purpose, channel: channel)))

        case let .requestErasure(id, channel):
            _ = try existing(id, as: CustomerState.self)
            emit(id, .erasureRequested(ErasureRequested(customerID: id, channel: channel)))

        case let .receiveFeedback(id, kind, channel, text, ticket):
            _ = try customer(id)
            try self.text("text", text)
            if let ticket {
                let state: TicketState = try existing(ticket)
                guard state.customerID == id else { throw DomainRuleError.unknownEntity(kind: "ticket", id: ticket.description) }
            }
            emit(id, .feedbackReceived(FeedbackReceived(customerID: id, kind: kind, channel: channel, text: text, ticketID: ticket)))

        case let .answerNPS(id, score, comment):
            _ = try customer(id)
            guard (0...10).contains(score) else { throw DomainRuleError.npsScoreOutOfRange(score) }
            emit(id, .npsAnswered(NPSAnswered(customerID: id, score: score, comment: comment)))

        case let .recordErasure(subject):
            switch subject {
            case .customer(let id): _ = try existing(id, as: CustomerState.self)
            case .lead(let id): _ = try existing(id, as: LeadState.self)
            case .employee(let id): _ = try existing(id, as: EmployeeState.self)
            case .contact: break
            }
            let event = PersonalDataErased(subjectKind: subject.kind, subjectID: subject.uuid)
            appends.append((subject.description, [.personalDataErased(event)]))

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the party family")
        }
    }
}
