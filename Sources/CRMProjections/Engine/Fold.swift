import CRMDomain
import CRMEventLog
import Foundation

/// How a rebuild turns a stored record into an event to fold: the registry and the business-day
/// cut. The one place the rebuild paths (one thread, and the parallel decoder's workers) decode.
struct RecordDecoding: Sendable {
    let registry: EventRegistry
    let cutoffMicros: Int64?

    /// Decodes a stored record for a fold of `types` and passes it to `use`; skips it when
    /// `types` does not hold its type or it lies past the cut.
    @inline(__always)
    func decode(_ view: RecordView, as types: EventTypeFilter, _ use: (consuming DomainEvent, EventInfo) -> Void) throws {
        let occurred = view.occurredAtMicros
        if let cutoffMicros, occurred >= cutoffMicros { return }
        // The type test first, so skipped records cost no decoded value to move around.
        guard let number = registry.catalogNumber(of: view, in: types) else { return }
        do throws(CodecError) {
            use(try registry.decode(view, catalogNumber: number), EventInfo(position: view.position, occurredAtMicros: occurred))
        } catch {
            // The way out for a store that already holds such an event: skip and report.
            if let skipped = registry.skippingUndecodable {
                skipped.record(position: view.position, reason: "\(error)")
                return
            }
            throw ProjectionError.undecodable(position: view.position, error: error)
        }
    }
}

/// Folds events into a model, one after another: the one step the live path and the rebuild
/// path share.
struct Fold<Model: ReadModel> {
    let registry: EventRegistry
    let cutoffMicros: Int64?

    /// Folds a stored record seen in place.
    @inline(__always)
    func apply(_ view: RecordView, to model: inout Model) throws {
        try RecordDecoding(registry: registry, cutoffMicros: cutoffMicros).decode(view, as: Model.eventTypes) { model.apply($0, $1) }
    }

    /// Folds an owned copy of a stored event (the live subscription's form).
    func apply(_ recorded: RecordedEvent, to model: inout Model) throws {
        guard Model.eventTypes.contains(eventType: recorded.type) else { return }
        let occurred = Micros.from(recorded.occurredAt)
        if let cutoffMicros, occurred >= cutoffMicros { return }
        let event: DomainEvent
        do {
            event = try registry.decode(recorded)
        } catch {
            if let skipped = registry.skippingUndecodable {
                skipped.record(position: recorded.position, reason: "\(error)")
                return
            }
            throw ProjectionError.undecodable(position: recorded.position, error: error)
        }
        model.apply(event, EventInfo(position: recorded.position, occurredAtMicros: occurred))
    }
}
