import CRMDomain
import Foundation

// Customer 360, the sales: opportunities, quotes and contracts.

extension Customer360Model {
    @inline(__always)
    mutating func fold(_ e: OpportunityOpened, _ info: EventInfo) {
        own(e.opportunityID.uuid, by: e.customerID)
        customers.modify(e.customerID) { record in
            var entry = DealEntry()
            entry.id = e.opportunityID.uuid
            entry.title = e.title
            entry.amount = e.expectedRevenue
            entry.stage = e.stage
            entry.until = e.expectedCloseOn
            entry.probability = e.probability
            entry.amountAtMicros = info.occurredAtMicros
            entry.stageAtMicros = info.occurredAtMicros
            entry.untilAtMicros = info.occurredAtMicros
            entry.probabilityAtMicros = info.occurredAtMicros
            record.opportunities.appendGrowing(entry)
            record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
        }
    }

    // Changes recorded late enter by business time: each field keeps the value latest in
    // business time (docs/projections.md, "Time").
    @inline(__always)
    mutating func fold(_ e: OpportunityStageChanged, _ info: EventInfo) {
        changeOpportunity(e.opportunityID, info) { entry, micros in
            guard isLatest(micros, entry.stageAtMicros) else { return }
            entry.stage = e.to
            entry.stageAtMicros = micros
        }
    }

    @inline(__always)
    mutating func fold(_ e: OpportunityAmountChanged, _ info: EventInfo) {
        changeOpportunity(e.opportunityID, info) { entry, micros in
            guard isLatest(micros, entry.amountAtMicros) else { return }
            entry.amount = e.expectedRevenue
            entry.amountAtMicros = micros
        }
    }

    @inline(__always)
    mutating func fold(_ e: OpportunityCloseDateChanged, _ info: EventInfo) {
        changeOpportunity(e.opportunityID, info) { entry, micros in
            guard isLatest(micros, entry.untilAtMicros) else { return }
            entry.until = e.expectedCloseOn
            entry.untilAtMicros = micros
        }
    }

    @inline(__always)
    mutating func fold(_ e: OpportunityProbabilityChanged, _ info: EventInfo) {
        changeOpportunity(e.opportunityID, info) { entry, micros in
            guard isLatest(micros, entry.probabilityAtMicros) else { return }
            entry.probability = e.probability
            entry.probabilityAtMicros = micros
        }
    }

    @inline(__always)
    private mutating func changeOpportunity(_ id: OpportunityID, _ info: EventInfo, _ change: (inout DealEntry, Int64) -> Void) {
        let micros = info.occurredAtMicros
        withOwner(of: id.uuid) { record in record.opportunities.modify(where: { $0.id == id.uuid }) { change(&$0, micros) } }
    }

    @inline(__always)
    mutating func fold(_ e: OpportunityWon, _ info: EventInfo) {
        withOwner(of: e.opportunityID.uuid) { record in
            record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.status = .won; $0.amount = e.amount }
            record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
        }
    }

    @inline(__always)
    mutating func fold(_ e: OpportunityLost, _ info: EventInfo) {
        withOwner(of: e.opportunityID.uuid) { record in
            record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.status = .lost }
            record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
        }
    }

    @inline(__always)
    mutating func fold(_ e: QuoteDrafted, _ info: EventInfo) {
        own(e.quoteID.uuid, by: e.customerID)
        customers.modify(e.customerID) { record in
            var entry = DealEntry()
            entry.id = e.quoteID.uuid
            entry.title = e.opportunityID.description
            entry.amount = e.total
            entry.until = e.validUntil
            record.quotes.appendGrowing(entry)
            record.quotes.trimClosed(keeping: Self.closedEntries) { [.won, .lost, .expired].contains($0.status) }
        }
    }

    @inline(__always)
    mutating func fold(_ e: QuoteApproved, _ info: EventInfo) {
        setQuote(e.quoteID, .approved)
    }

    @inline(__always)
    mutating func fold(_ e: QuoteSent, _ info: EventInfo) {
        setQuote(e.quoteID, .sent)
    }

    @inline(__always)
    mutating func fold(_ e: QuoteAccepted, _ info: EventInfo) {
        setQuote(e.quoteID, .won)
    }

    @inline(__always)
    mutating func fold(_ e: QuoteRejected, _ info: EventInfo) {
        setQuote(e.quoteID, .lost)
    }

    @inline(__always)
    mutating func fold(_ e: QuoteExpired, _ info: EventInfo) {
        setQuote(e.quoteID, .expired)
    }

    @inline(__always)
    mutating func fold(_ e: ContractSigned, _ info: EventInfo) {
        own(e.contractID.uuid, by: e.customerID)
        customers.modify(e.customerID) { record in
            var entry = DealEntry()
            entry.id = e.contractID.uuid
            entry.title = e.quoteID?.description ?? ""
            entry.amount = e.value
            entry.status = .active
            entry.until = e.endsOn
            record.contracts.appendGrowing(entry)
        }
    }

    @inline(__always)
    mutating func fold(_ e: ContractRenewed, _ info: EventInfo) {
        withOwner(of: e.contractID.uuid) { record in
            record.contracts.modify(where: { $0.id == e.contractID.uuid }) { contract in
                contract.until = e.endsOn
                if let value = e.value { contract.amount = value }
            }
        }
    }

    @inline(__always)
    mutating func fold(_ e: ContractTerminated, _ info: EventInfo) {
        withOwner(of: e.contractID.uuid) { record in
            record.contracts.modify(where: { $0.id == e.contractID.uuid }) { $0.status = .terminated; $0.until = e.effectiveOn }
        }
    }

    private mutating func setQuote(_ id: QuoteID, _ status: DealStatus) {
        withOwner(of: id.uuid) { record in
            record.quotes.modify(where: { $0.id == id.uuid }) { $0.status = status }
            record.quotes.trimClosed(keeping: Self.closedEntries) { [.won, .lost, .expired].contains($0.status) }
        }
    }
}
