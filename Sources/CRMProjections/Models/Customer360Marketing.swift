import CRMDomain
import Foundation

// Customer 360, the marketing: the leads.

extension Customer360Model {
    @inline(__always)
    mutating func fold(_ e: LeadCaptured, _ info: EventInfo) {
        let day = info.day
        leads.update(e.leadID, orInsert: LeadRecord()) { lead in
            lead.source = e.source
            lead.campaign = e.campaignID
            lead.name = e.name
            lead.company = e.company
            lead.capturedOn = day
        }
    }

    @inline(__always)
    mutating func fold(_ e: LeadAttributesRecorded, _ info: EventInfo) {
        let day = info.day
        leads.modify(e.leadID) { lead in
            for attribute in e.attributes {
                lead.attributes.removeAll { $0.name == attribute.name }
                var entry = LeadAttributeEntry()
                entry.name = attribute.name
                entry.value = attribute.value
                entry.recordedOn = day
                lead.attributes.append(entry)
            }
            lead.engagementDays.appendBounded(day, 20)
        }
    }

    @inline(__always)
    mutating func fold(_ e: LeadQualified, _ info: EventInfo) {
        leads.modify(e.leadID) { $0.status = .qualified }
    }

    @inline(__always)
    mutating func fold(_ e: LeadDisqualified, _ info: EventInfo) {
        leads.modify(e.leadID) { $0.status = .disqualified }
    }

    @inline(__always)
    mutating func fold(_ e: LeadHandedOver, _ info: EventInfo) {
        leads.modify(e.leadID) { lead in
            lead.status = .handedOver
            lead.handedTo = e.employeeID
        }
    }

    @inline(__always)
    mutating func fold(_ e: LeadConverted, _ info: EventInfo) {
        leads.modify(e.leadID) { lead in
            lead.status = .converted
            lead.customer = e.customerID
        }
    }
}
