import CRMDomain
import Foundation

// Customer 360, the parties: master data, contacts, merges, the omnichannel timeline, consents, feedback,
// NPS and erasure.

extension Customer360Model {
    @inline(__always)
    mutating func fold(_ e: CustomerRegistered, _ info: EventInfo) {
        let day = info.day
        customers.update(e.customerID, orInsert: CustomerRecord()) { record in
            record.kind = e.kind
            record.name = e.name
            record.email = e.email
            record.phone = e.phone
            record.address = e.address
            record.industry = e.industry
            record.employeeCount = e.employeeCount
            record.country = e.country
            record.registeredOn = day
            record.convertedFromLead = e.convertedFromLead
            record.noteMasterData(on: day, email: e.email != nil, phone: e.phone != nil, address: e.address != nil,
                                  country: e.country != nil, industry: e.industry != nil)
        }
    }

    @inline(__always)
    mutating func fold(_ e: CustomerDetailsChanged, _ info: EventInfo) {
        let day = info.day
        customers.modify(e.customerID) { record in
            record.noteMasterData(on: day, email: e.email != nil, phone: e.phone != nil, address: e.address != nil,
                                  country: e.country != nil, industry: e.industry != nil)
            if let name = e.name { record.name = name }
            if let email = e.email { record.email = email }
            if let phone = e.phone { record.phone = phone }
            if let address = e.address { record.address = address }
            if let industry = e.industry { record.industry = industry }
            if let count = e.employeeCount { record.employeeCount = count }
            if let country = e.country { record.country = country }
        }
    }

    @inline(__always)
    mutating func fold(_ e: CustomersMerged, _ info: EventInfo) {
        customers.modify(e.duplicateID) { $0.mergedInto = e.survivorID }
    }

    @inline(__always)
    mutating func fold(_ e: ContactAdded, _ info: EventInfo) {
        customers.modify(e.customerID) { record in
            var contact = ContactEntry()
            contact.contactID = e.contactID
            contact.name = e.name
            contact.email = e.email
            contact.phone = e.phone
            contact.jobTitle = e.jobTitle
            contact.role = e.role
            record.contacts.appendGrowing(contact)
        }
    }

    @inline(__always)
    mutating func fold(_ e: ContactRoleChanged, _ info: EventInfo) {
        customers.modify(e.customerID) { record in
            if let index = record.contacts.firstIndex(where: { $0.contactID == e.contactID }) { record.contacts[index].role = e.role }
        }
    }

    @inline(__always)
    mutating func fold(_ e: ContactRemoved, _ info: EventInfo) {
        customers.modify(e.customerID) { $0.contacts.removeAll { $0.contactID == e.contactID } }
    }

    @inline(__always)
    mutating func fold(_ e: AccountManagerAssigned, _ info: EventInfo) {
        customers.modify(e.customerID) { $0.accountManager = e.employeeID }
    }

    @inline(__always)
    mutating func fold(_ e: CostToServeBooked, _ info: EventInfo) {
        let day = info.day
        guard let amount = inCurrency(e.amount) else { return }
        customers.modify(e.customerID) { record in
            record.addToYear(day) { $0.cost &+= amount }
            record.addToMonth(day, cost: amount)
        }
    }

    @inline(__always)
    mutating func fold(_ e: InteractionRecorded, _ info: EventInfo) {
        let day = info.day
        customers.modify(e.customerID) { record in
            var entry = InteractionEntry()
            entry.day = day
            entry.channel = e.channel
            entry.direction = e.direction
            entry.employee = e.employeeID
            entry.subject = e.subject
            entry.durationSeconds = e.durationSeconds
            record.timeline.appendBounded(entry, Self.timelineLength)
            let (year, month, _) = day.parts
            record.interactionMonths.increment(year * 12 + month - 1)
            record.interactionsByChannel.increment(Int(e.channel.rawValue))
            if record.lastInteractionOn.map({ $0 < day }) ?? true { record.lastInteractionOn = day }
        }
    }

    @inline(__always)
    mutating func fold(_ e: ConsentGiven, _ info: EventInfo) {
        let day = info.day
        customers.modify(e.customerID) { record in
            guard !record.consents.contains(where: { $0.purpose == e.purpose && $0.channel == e.channel }) else { return }
            var consent = ConsentEntry()
            consent.purpose = e.purpose
            consent.channel = e.channel
            consent.givenOn = day
            record.consents.appendGrowing(consent)
        }
    }

    @inline(__always)
    mutating func fold(_ e: ConsentWithdrawn, _ info: EventInfo) {
        customers.modify(e.customerID) { $0.consents.removeAll { $0.purpose == e.purpose && $0.channel == e.channel } }
    }

    @inline(__always)
    mutating func fold(_ e: ErasureRequested, _ info: EventInfo) {
        customers.modify(e.customerID) { $0.erasureRequested = true }
    }

    @inline(__always)
    mutating func fold(_ e: FeedbackReceived, _ info: EventInfo) {
        let day = info.day
        customers.modify(e.customerID) { record in
            var entry = FeedbackEntry()
            entry.day = day
            entry.kind = e.kind
            entry.channel = e.channel
            entry.text = e.text
            record.feedback.appendBounded(entry, Self.closedEntries)
            if e.kind == .complaint { record.complaintDays.appendBounded(day, Self.closedEntries) }
        }
    }

    @inline(__always)
    mutating func fold(_ e: PersonalDataErased, _ info: EventInfo) {
        switch e.subject {
        case .customer(let id):
            customers.modify(id) { record in
                record.personalDataErased = true
                record.name = .erased
                if record.email != nil { record.email = .erased }
                if record.phone != nil { record.phone = .erased }
                if record.address != nil { record.address = .erased }
                for index in record.feedback.indices { record.feedback[index].text = .erased }
            }
        case .contact(let id):
            let holders = customers.records.filter { $0.value.contacts.contains(where: { $0.contactID == id }) }.map(\.key)
            for customer in holders {
                customers.modify(customer) { record in
                    for index in record.contacts.indices where record.contacts[index].contactID == id {
                        record.contacts[index].name = .erased
                        if record.contacts[index].email != nil { record.contacts[index].email = .erased }
                        if record.contacts[index].phone != nil { record.contacts[index].phone = .erased }
                    }
                }
            }
        case .lead(let id):
            leads.modify(id) { $0.name = .erased }
        case .employee:
            break
        }
    }

    @inline(__always)
    mutating func fold(_ e: NPSAnswered, _ info: EventInfo) {
        let day = info.day
        let micros = info.occurredAtMicros
        customers.modify(e.customerID) { record in
            // The answer latest in business time wins; of two at the same instant, the later recorded.
            guard isLatest(micros, record.npsAtMicros) else { return }
            record.nps = e.score
            record.npsOn = day
            record.npsAtMicros = micros
        }
    }
}
