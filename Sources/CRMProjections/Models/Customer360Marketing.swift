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
        let micros = info.occurredAtMicros
        leads.modify(e.leadID) { lead in
            for attribute in e.attributes {
                // The value latest in business time wins; of two at the same instant, the later
                // recorded (a late-recorded batch does not replace a newer value).
                if let index = lead.attributes.firstIndex(where: { $0.name == attribute.name }) {
                    let existing = lead.attributes[index]
                    guard existing.recordedAtMicros.map({ $0 <= micros }) ?? (existing.recordedOn <= day) else { continue }
                    lead.attributes.remove(at: index)
                }
                var entry = LeadAttributeEntry()
                entry.name = attribute.name
                entry.value = attribute.value
                entry.recordedOn = day
                entry.recordedAtMicros = micros
                lead.attributes.append(entry)
            }
            // The latest 20 batches by business day, in day order.
            let at = lead.engagementDays.partitioningIndex { $0 > day }
            lead.engagementDays.insert(day, at: at)
            if lead.engagementDays.count > 20 { lead.engagementDays.removeFirst(lead.engagementDays.count - 20) }
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
