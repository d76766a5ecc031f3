@testable import CRMDomain
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@_exported import TestSupport

/// The tests' deterministic generator, so a failing seed can be replayed.
typealias SeededRNG = SeededGenerator

/// The number of random trials per property; `CRMKIT_TRIALS` raises it for long runs.
let propertyTrials = ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 100

/// A value the random filler can make.
protocol Randomizable {
    static func random(using rng: inout SeededRNG) -> Self
}

enum RandomText {
    /// Pieces that stress UTF-8 and JSON escaping: ASCII, umlauts, CJK, emoji with joiners,
    /// combining marks, right-to-left text, quotes, backslashes, control characters, NUL.
    static let pieces = ["a", "Z", "Müller", "ß", "東京", "👩‍👩‍👧", "🇩🇪", "e\u{301}", "שלום", "\"", "\\", "\n", "\t",
                         "\u{0}", "\u{1F}", "\u{7F}", " ", "/", "{}", "€", "\u{FEFF}", "\u{2028}"]

    static func make(using rng: inout SeededRNG) -> String {
        let count = Int.random(in: 0...12, using: &rng)
        return (0..<count).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }
}

extension String: Randomizable {
    static func random(using rng: inout SeededRNG) -> String { RandomText.make(using: &rng) }
}

extension Bool: Randomizable {
    static func random(using rng: inout SeededRNG) -> Bool { rng.next() & 1 == 1 }
}

extension Int: Randomizable {
    static func random(using rng: inout SeededRNG) -> Int {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .min
        case 1: return .max
        case 2: return 0
        case 3: return Int.random(in: -10...10, using: &rng)
        default: return Int(truncatingIfNeeded: rng.next())
        }
    }
}

extension Identifier: Randomizable {
    static func random(using rng: inout SeededRNG) -> Self {
        let a = rng.next(), b = rng.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        let uuid = bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) }
        return Self(UUID(uuid: uuid))
    }
}

extension UUID: Randomizable {
    static func random(using rng: inout SeededRNG) -> UUID { CustomerID.random(using: &rng).uuid }
}

extension Money: Randomizable {
    static func random(using rng: inout SeededRNG) -> Money {
        let currencies: [CurrencyCode] = [.eur, .usd, .chf, .gbp, CurrencyCode("JPY")!, CurrencyCode("ZZZ")!]
        let amounts: [Int64] = [.min, .max, 0, -1, 1, 99, 12_345, Int64(bitPattern: rng.next())]
        return Money(minorUnits: amounts.randomElement(using: &rng)!, currency: currencies.randomElement(using: &rng)!)
    }
}

extension CalendarDay: Randomizable {
    static func random(using rng: inout SeededRNG) -> CalendarDay {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return .earliest
        case 1: return .latest
        default:
            return CalendarDay(daysSince1970: Int32.random(in: CalendarDay.earliest.daysSince1970...CalendarDay.latest.daysSince1970,
                                                           using: &rng))!
        }
    }
}

extension PersonalText: Randomizable {
    static func random(using rng: inout SeededRNG) -> PersonalText {
        if Int.random(in: 0..<4, using: &rng) == 0 {
            return .sealed((0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        return .plain(RandomText.make(using: &rng))
    }
}

extension CatalogEnum {
    static func random(using rng: inout SeededRNG) -> Self { allCases.randomElement(using: &rng)! }
}

extension Channel: Randomizable {}
extension Direction: Randomizable {}
extension CustomerKind: Randomizable {}
extension BuyingRole: Randomizable {}
extension LeadSource: Randomizable {}
extension PipelineStage: Randomizable {}
extension TicketPriority: Randomizable {}
extension FeedbackKind: Randomizable {}
extension CostActivity: Randomizable {}
extension ConsentPurpose: Randomizable {}
extension PaymentMethod: Randomizable {}
extension SubjectKind: Randomizable {}
extension TaskKind: Randomizable {}

/// Fills every field of a message with random values (optionals present or absent, repeated
/// fields with 0…3 elements).
struct RandomFiller: FieldVisitor {
    var rng: SeededRNG

    mutating func make<T: FieldValue>(_: T.Type) -> T {
        if let type = T.self as? any Randomizable.Type {
            return type.random(using: &rng) as! T
        }
        if let type = T.self as? any FieldMessage.Type {
            return randomMessage(type) as! T
        }
        Issue.record("no random generator for \(T.self)")
        return T.placeholder
    }

    mutating func randomMessage<M: FieldMessage>(_: M.Type) -> M {
        var message = M()
        try! message.visitFields(&self)
        return message
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) { value = make(T.self) }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        value = rng.next() & 1 == 1 ? make(T.self) : nil
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        value = (0..<Int.random(in: 0...3, using: &rng)).map { _ in make(T.self) }
    }
}

/// A random instance of every catalog type, `perType` times.
func randomCatalogEvents(seed: UInt64, perType: Int) -> [DomainEvent] {
    var filler = RandomFiller(rng: SeededRNG(seed: seed))
    var events: [DomainEvent] = []
    for _ in 0..<perType {
        for type in CatalogTypes.all {
            events.append(filler.randomMessage(type).domainEvent)
        }
    }
    return events
}

/// A store in a fresh directory, closed when the test ends.
final class TestStore: @unchecked Sendable {
    let directory = TemporaryDirectory("domain")
    let store: EventStore
    let handler: CommandHandler

    init(registry: EventRegistry = EventRegistry()) throws {
        store = try EventStore(path: directory.sub("store"))
        handler = CommandHandler(store: store, registry: registry)
    }

    deinit { store.close() }

    /// Head position and the hash at the head: equal before and after means no byte of the
    /// log changed.
    func fingerprint() throws -> (UInt64, [UInt8]?) {
        let head = try store.head()
        return (head, head == 0 ? nil : try store.hash(at: head))
    }
}

/// A fixed business time for deterministic tests: 2026-03-02T09:00:00Z.
let testTime = Date(timeIntervalSince1970: 1_772_442_000)

func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }

func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }
