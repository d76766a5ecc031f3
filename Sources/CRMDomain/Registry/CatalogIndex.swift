import Foundation

/// Finds a catalog type by the bytes of its name without making a `String`.
enum CatalogIndex {
    static let names: [[UInt8]] = CatalogTypes.all.map { Array($0.eventType.utf8) }
    static let table = TypeNameTable(names)
    static let decoders: [EventRegistry.CatalogDecoder] = EventRegistry.specializedDecoders
    static let versions: [UInt32] = CatalogTypes.all.map { $0.schemaVersion }

    /// The catalog number of a type name.
    @inline(__always)
    static func index(ofName name: String) -> Int? {
        var name = name
        return name.withUTF8 { index(of: UnsafeRawBufferPointer($0)) }
    }

    /// The catalog number of a stored type name: every record of a rebuild asks this, so it is
    /// a few loads, one multiply and a `memcmp` (not a `String`, not a `Hasher`).
    @inline(__always)
    static func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        table.index(of: bytes)
    }
}

/// An open-addressing table from type-name bytes to their catalog number. Immutable after
/// creation; the names live in one allocation that is never freed (the table is a static).
struct TypeNameTable: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Int16>
    private let text: UnsafeMutableRawPointer
    private let offsets: [Int]
    private let lengths: [Int]
    private static let size = 1_024

    init(_ names: [[UInt8]]) {
        let total = names.reduce(0) { $0 + $1.count }
        let text = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 8)
        var offsets: [Int] = []
        var offset = 0
        for name in names {
            offsets.append(offset)
            name.withUnsafeBytes { (text + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += name.count
        }
        self.text = text
        self.offsets = offsets
        lengths = names.map(\.count)
        let slots = UnsafeMutablePointer<Int16>.allocate(capacity: Self.size)
        slots.initialize(repeating: -1, count: Self.size)
        for (index, name) in names.enumerated() {
            var slot = name.withUnsafeBytes { Self.hash($0) }
            while slots[slot] >= 0 { slot = (slot + 1) & (Self.size - 1) }
            slots[slot] = Int16(index)
        }
        self.slots = slots
    }

    /// Mixes the length with the first and last eight bytes (byte by byte for shorter names).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var mixed = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        if count >= 8 {
            mixed ^= bytes.loadUnaligned(as: UInt64.self) &* 0xFF51_AFD7_ED55_8CCD
            mixed ^= bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) &* 0xC4CE_B9FE_1A85_EC53
        } else {
            for byte in bytes { mixed = (mixed ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return Int(truncatingIfNeeded: (mixed ^ (mixed >> 29)) >> 54) & (size - 1)
    }

    /// The number of the name equal to `bytes`, or `nil`.
    @inline(__always)
    func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Self.hash(bytes)
        while true {
            let found = Int(slots[slot])
            guard found >= 0 else { return nil }
            if lengths[found] == bytes.count,
               bytes.count == 0 || memcmp(text + offsets[found], bytes.baseAddress!, bytes.count) == 0 {
                return found
            }
            slot = (slot + 1) & (Self.size - 1)
        }
    }
}
