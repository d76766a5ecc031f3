import CRMDomain
import Foundation

/// Number formats shared by the text and HTML renderings (fixed, locale-independent).
enum Format {
    /// `1,234,567` for an integer.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// Minor units as text with grouping and the currency's ISO 4217 minor digits:
    /// `12,345.67 EUR`, `1,235 JPY`, `1.500 KWD`, `-3.20 USD`. The one money text of every report.
    static func money(_ minorUnits: Int64, _ currency: String) -> String {
        let digits = minorDigits(currency)
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let major = minorUnits.magnitude / scale, minor = minorUnits.magnitude % scale
        var text = grouped(Int64(major))
        if digits > 0 {
            let fraction = String(minor)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return (minorUnits < 0 ? "-" : "") + text + " " + currency
    }

    /// Minor units per major unit of a currency (100 for EUR, 1 for JPY).
    static func scale(_ currency: String) -> Double {
        var value = 1.0
        for _ in 0..<minorDigits(currency) { value *= 10 }
        return value
    }

    /// The ISO 4217 minor digits of a currency (2 unless listed).
    static func minorDigits(_ currency: String) -> Int {
        switch currency.uppercased() {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF": 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        case "CLF", "UYW": 4
        default: 2
        }
    }

    /// A compact amount for chart labels: `1.2 M`, `34 k`, `512`.
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000_000 { return String(format: "%.1f G", value / 1_000_000_000) }
        if magnitude >= 1_000_000 { return String(format: "%.1f M", value / 1_000_000) }
        if magnitude >= 10_000 { return String(format: "%.0f k", value / 1_000) }
        if magnitude >= 1_000 { return String(format: "%.1f k", value / 1_000) }
        return String(format: "%.0f", value)
    }

    /// A rate as a percentage with one decimal, `—` when absent.
    static func percent(_ rate: Double?) -> String {
        rate.map { String(format: "%.1f %%", $0 * 100) } ?? "—"
    }

    /// A KPI value: rates (names ending in `Rate`, `Within…`, `Completeness`) as percentages,
    /// money KPIs in major units, the rest with two decimals.
    static func kpi(_ name: String, _ value: Double?, currency: String) -> String {
        guard let value else { return "—" }
        if isRate(name) { return String(format: "%.1f %%", value * 100) }
        if isMoney(name) { return money(Int64(value.rounded()), currency) }
        if name == "netCustomerGrowth" { return String(format: "%+.0f", value) }
        return String(format: "%.2f", value)
    }

    static func isRate(_ name: String) -> Bool {
        name.hasSuffix("Rate") || name.hasSuffix("Change") || name == "answeredWithinTarget" || name == "dataCompleteness"
    }

    static func isMoney(_ name: String) -> Bool {
        ["revenue", "revenuePerCustomer", "averageCLV", "customerAcquisitionCost"].contains(name)
    }

    /// Pads `text` to `width` characters (never truncates).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Right-aligns `text` in `width` characters.
    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
