import Foundation

/// A set of catalog event types, for readers that skip what they do not fold before decoding.
public struct EventTypeFilter: Sendable, Hashable {
    private var bits: (UInt64, UInt64) = (0, 0)

    /// The types given.
    public init(_ types: [any CatalogEvent.Type]) {
        for type in types {
            if let index = CatalogIndex.index(ofName: type.eventType) { insert(index) }
        }
    }

    /// Every catalog type.
    public static var all: EventTypeFilter {
        var filter = EventTypeFilter([])
        for index in CatalogTypes.all.indices { filter.insert(index) }
        return filter
    }

    private mutating func insert(_ index: Int) {
        if index < 64 { bits.0 |= 1 << UInt64(index) } else { bits.1 |= 1 << UInt64(index - 64) }
    }

    func contains(_ index: Int) -> Bool {
        index < 64 ? bits.0 & (1 << UInt64(index)) != 0 : bits.1 & (1 << UInt64(index - 64)) != 0
    }

    /// Whether a stored type name (UTF-8 bytes, e.g. `RecordView.typeBytes` of EventLog) is in the set.
    public func contains(typeBytes: UnsafeRawBufferPointer) -> Bool {
        CatalogIndex.index(of: typeBytes).map(contains) ?? false
    }

    /// Whether a type name is in the set.
    public func contains(eventType: String) -> Bool {
        CatalogIndex.index(ofName: eventType).map(contains) ?? false
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.bits == rhs.bits }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bits.0)
        hasher.combine(bits.1)
    }
}
