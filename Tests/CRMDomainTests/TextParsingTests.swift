@testable import CRMDomain
import Foundation
import Testing

@Suite("text parsers of the import path")
struct TextParsingTests {
    @Test("UUID(text:) reads what Foundation reads, in either case, and refuses the rest")
    func uuids() {
        var rng = SeededRNG(seed: 11)
        for _ in 0..<2_000 {
            let id = UUID(uuid: (UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng), 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                 10, 11, 12, UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng)))
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString.lowercased()) == id)
            #expect(id.lowercasedText == id.uuidString.lowercased())
        }
        #expect(UUID(text: "6ba7b810-9dad-11d1-80b4-00c04fd430c8") == UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
        for bad in ["", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6ba7b810-9dad-11d1-80b4-00c04fd430c8a", "6ba7b8109dad-11d1-80b4-00c04fd430c8-",
                    "6ba7b810-9dad-11d1-80b4_00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430cg", "{ba7b810-9dad-11d1-80b4-00c04fd430c8",
                    "6ba7b810-9dad-11d1-80b4-00c04fd430c\u{e4}"] {
            #expect(UUID(text: bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil, "\(bad)")
        }
        // What Foundation's parser takes beyond the plain form, UUID(text:) takes too.
        for odd in ["+1234567-1234-1234-1234-123456789abc", " 1234567-1234-1234-1234-123456789abc"] {
            #expect(UUID(text: odd) == UUID(uuidString: odd), "\(odd)")
        }
    }

    @Test("CalendarDay(iso:) takes YYYY-MM-DD of real days only, and description writes it back")
    func days() {
        for (year, month, day) in [(1, 1, 1), (1969, 12, 31), (1970, 1, 1), (2024, 2, 29), (9999, 12, 31)] {
            let value = CalendarDay(year: year, month: month, day: day)!
            #expect(CalendarDay(iso: value.description) == value)
        }
        #expect(CalendarDay(year: 2024, month: 2, day: 29)!.description == "2024-02-29")
        #expect(CalendarDay(year: 1, month: 1, day: 1)!.description == "0001-01-01")
        #expect(CalendarDay(year: 1, month: 1, day: 1)!.daysSince1970 == -719_162)
        #expect(CalendarDay(iso: "1970-01-01")?.daysSince1970 == 0)
        #expect(CalendarDay(iso: "2024-02-29")?.daysSince1970 == 19_782)
        #expect(CalendarDay(iso: "9999-12-31")?.daysSince1970 == 2_932_896)
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-01", "2024-01-011", "+024-01-01", "2024/01/01",
                    "0000-01-01", "２024-01-01", ""] {
            #expect(CalendarDay(iso: bad) == nil, "\(bad)")
        }
    }

    @Test("Timestamp.parse reads the export's UTC times to the microsecond")
    func timestamps() {
        #expect(Timestamp.parse("1970-01-01T00:00:00.000000Z") == 0)
        #expect(Timestamp.parse("2026-03-02T09:00:00.000001Z") == 1_772_442_000_000_001)
        #expect(Timestamp.parse("2024-02-29T23:59:59.999999Z") == 1_709_251_199_999_999)
        for bad in ["2026-03-02T24:00:00.000000Z", "2026-03-02T09:60:00.000000Z", "2026-03-02T09:00:60.000000Z",
                    "2026-03-02T09:00:00.00000aZ", "2026-03-02 09:00:00.000000Z", "2026-03-02T09:00:00.000000", "2026-02-30T09:00:00.000000Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        for micros in [Int64(0), 1_772_442_000_000_001, 253_402_300_799_999_999] {
            #expect(Timestamp.parse(Timestamp.format(micros)) == micros)
        }
        // Outside years 1…9999 (the log takes such times): written, and refused by import.
        let early: Int64 = -62_200_000_000_000_000
        let late: Int64 = 253_402_300_800_000_000 + 417 * 86_400_000_000 + 22 * 3_600_000_000
        #expect(Timestamp.format(early) == "0001-01-01T-17889:-46:-40.000000Z")
        #expect(Timestamp.format(late) == "9999-12-31T10054:00:00.000000Z")
        for micros in [early, late] {
            #expect(Timestamp.parse(Timestamp.format(micros)) == nil)
        }
    }
}
