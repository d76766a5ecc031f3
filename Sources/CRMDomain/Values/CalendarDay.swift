import Foundation

/// A calendar day (proleptic Gregorian, no time zone), e.g. an expected close date or a due date.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSince1970: Int32

    /// The first day this type accepts: 0001-01-01.
    public static let earliest = CalendarDay(uncheckedDays: -719_162)
    /// The last day this type accepts: 9999-12-31.
    public static let latest = CalendarDay(uncheckedDays: 2_932_896)

    private init(uncheckedDays: Int32) { daysSince1970 = uncheckedDays }

    /// A day by its number since 1970-01-01; `nil` outside years 1…9999.
    public init?(daysSince1970: Int32) {
        guard (Self.earliest.daysSince1970...Self.latest.daysSince1970).contains(daysSince1970) else { return nil }
        self.daysSince1970 = daysSince1970
    }

    /// A day from its date parts; `nil` when they do not name a real day in years 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Self.daysInMonth(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        daysSince1970 = Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// The UTC day containing `date`.
    public init(containing date: Date) {
        let days = Int32((date.timeIntervalSince1970 / 86_400).rounded(.down))
        daysSince1970 = min(max(days, Self.earliest.daysSince1970), Self.latest.daysSince1970)
    }

    /// The UTC day containing a time given in microseconds since 1970 (the log's form),
    /// clamped to the supported range.
    public static func containing(micros: Int64) -> CalendarDay {
        let days = micros >= 0 ? micros / 86_400_000_000 : (micros + 1) / 86_400_000_000 - 1
        return CalendarDay(daysSince1970: Int32(clamping: days)) ?? (days < 0 ? .earliest : .latest)
    }

    /// Year, month (1…12) and day of month.
    public var parts: (year: Int, month: Int, day: Int) {
        let z = Int(daysSince1970) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Midnight UTC at the start of the day.
    public var startDate: Date { Date(timeIntervalSince1970: Double(daysSince1970) * 86_400) }

    /// The day `count` days later (earlier when negative), clamped to the supported range.
    public func adding(days count: Int) -> CalendarDay {
        let target = Int(daysSince1970) + count
        return CalendarDay(uncheckedDays: Int32(min(max(target, Int(Self.earliest.daysSince1970)), Int(Self.latest.daysSince1970))))
    }

    /// The number of days of `month` (1…12) in `year` (proleptic Gregorian).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO 8601, `YYYY-MM-DD`.
    public var description: String {
        String(unsafeUninitializedCapacity: 10) { buffer in
            writeISO(into: buffer)
            return 10
        }
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: String) {
        var text = text
        guard let day = text.withUTF8({ CalendarDay(isoBytes: $0) }) else { return nil }
        self = day
    }

    /// Parses `YYYY-MM-DD` from UTF-8 bytes (exactly ten, ASCII digits and dashes).
    init?(isoBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = Int64(decimalDigits: bytes[0..<4]), let month = Int64(decimalDigits: bytes[5..<7]),
              let day = Int64(decimalDigits: bytes[8..<10])
        else { return nil }
        self.init(year: Int(year), month: Int(month), day: Int(day))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.daysSince1970 < rhs.daysSince1970 }
}

extension CalendarDay: FieldValue {
    static var wireType: WireType { .varint }
    static var placeholder: CalendarDay { CalendarDay(uncheckedDays: 0) }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(ZigZag.encode(Int64(daysSince1970))) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> CalendarDay {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        let days = ZigZag.decode(raw)
        guard let day = Int32(exactly: days).flatMap({ CalendarDay(daysSince1970: $0) }) else {
            throw .invalid("day \(days) is outside years 1…9999")
        }
        return day
    }

    var json: JSONValue { .string(description) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> CalendarDay {
        guard case .string(let text) = json else { throw .wrongJSON(expected: "a YYYY-MM-DD string") }
        guard let day = CalendarDay(iso: text) else { throw .invalid("'\(text)' is not a day YYYY-MM-DD in years 1…9999") }
        return day
    }
}

extension CalendarDay: Codable {
    /// Decodes `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = CalendarDay(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a day YYYY-MM-DD")
        }
        self = day
    }

    /// Encodes `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Int64 {
    /// The value of a run of ASCII decimal digits (at most 18); `nil` for an empty run or any
    /// other byte.
    init?(decimalDigits digits: Slice<UnsafeBufferPointer<UInt8>>) {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            let digit = Int64(byte) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        self = value
    }
}

extension CalendarDay {
    /// Writes `YYYY-MM-DD` into the first ten bytes of `buffer`.
    func writeISO(into buffer: UnsafeMutableBufferPointer<UInt8>) {
        let (year, month, day) = parts
        writeDigits(year, 4, into: buffer, at: 0)
        buffer[4] = UInt8(ascii: "-")
        writeDigits(month, 2, into: buffer, at: 5)
        buffer[7] = UInt8(ascii: "-")
        writeDigits(day, 2, into: buffer, at: 8)
    }
}

/// Writes `value` (≥ 0) as exactly `width` decimal digits, zero-padded, at `offset`.
func writeDigits(_ value: Int, _ width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
    var value = value
    for index in stride(from: offset + width - 1, through: offset, by: -1) {
        buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
        value /= 10
    }
}
