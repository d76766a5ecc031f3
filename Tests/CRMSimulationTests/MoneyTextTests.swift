import CRMReports
import Foundation
import Testing

/// Money text follows the currency's ISO 4217 minor units (issue 19: it used to be two
/// decimals whatever the currency), and JSON money has one shape.
@Suite struct MoneyTextTests {
    @Test func moneyTextFollowsTheCurrencysMinorUnits() {
        #expect(MoneyAmount(minorUnits: 1_234_567, currency: "EUR").description == "12,345.67 EUR")
        #expect(MoneyAmount(minorUnits: 1_235, currency: "JPY").description == "1,235 JPY")
        #expect(MoneyAmount(minorUnits: 1_500, currency: "KWD").description == "1.500 KWD")
        #expect(MoneyAmount(minorUnits: -320, currency: "USD").description == "-3.20 USD")
        #expect(MoneyAmount(minorUnits: 5, currency: "EUR").description == "0.05 EUR")
    }

    @Test func majorUnitsAreRoundedToTheMinorUnit() {
        #expect(MoneyAmount(major: 12.345, currency: "EUR") == MoneyAmount(minorUnits: 1_235, currency: "EUR"))
        #expect(MoneyAmount(major: 1_234.6, currency: "JPY") == MoneyAmount(minorUnits: 1_235, currency: "JPY"))
    }

    @Test func jsonMoneyIsCurrencyAndMinorUnits() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(MoneyAmount(minorUnits: 123_450, currency: "EUR"))
        #expect(String(decoding: data, as: UTF8.self) == #"{"currency":"EUR","minorUnits":123450}"#)
    }
}

/// Human labels in one language for the identifiers the reports carry.
@Suite struct LabelTests {
    @Test func identifiersHaveEnglishLabels() {
        #expect(Labels.reaction("retention-offer") == "Retention offer")
        #expect(Labels.reaction("sla-breach") == "SLA breach")
        #expect(Labels.segment("atRisk") == "At risk")
        #expect(Labels.lifecycleStage("starCustomer") == "Star customer")
        #expect(Labels.pipelineStage("needsAnalysis") == "Needs analysis")
        #expect(Labels.kpi("slaBreachRate") == "SLA breach rate")
    }
}
