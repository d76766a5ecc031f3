import CRMDomain
import Foundation

/// What earns credit in attribution: campaigns, lead sources or channels.
public enum AttributionDimension: String, Sendable, Hashable, Codable, CaseIterable {
    /// The campaign a lead was captured or an opportunity opened through.
    case campaign
    /// The source a lead was captured from.
    case leadSource
    /// The channel of an interaction, ticket or feedback, or the campaign channel of a lead captured through one.
    case channel
}

/// What is attributed: order revenue or won opportunities.
public enum AttributionGoal: String, Sendable, Hashable, Codable, CaseIterable {
    /// Orders placed (not cancelled by the report day) in the rules' currency: their totals.
    case revenue
    /// Opportunities won in the rules' currency: their amounts.
    case wonOpportunities
}

/// One model's attribution of one goal over one dimension, with the names of the keys and, for
/// campaigns, the cost booked and the return on it.
public struct AttributionTable: Sendable, Hashable {
    /// One key's credit (as `crm attribution --json` prints it).
    public struct Row: Sendable, Hashable, Codable {
        /// The key: a campaign id, a lead source or a channel name.
        public let key: String
        /// The name to show: the campaign's name, otherwise the key.
        public let name: String
        /// Minor units of the rules' currency credited.
        public let amount: Int64
        /// Conversions credited (fractions of paths).
        public let conversions: Double
        /// Campaigns: the cost booked to the campaign up to the report day in the rules' currency.
        public let cost: Int64?
        /// Campaigns with a cost: (amount − cost) / cost.
        public let roi: Double?
    }

    /// The dimension.
    public let dimension: AttributionDimension
    /// The goal.
    public let goal: AttributionGoal
    /// The engine's result (credits, sums, removal effects).
    public let result: AttributionResult
    /// One row per credited key, in the result's order.
    public let rows: [Row]
    /// Conversions in the period in another currency than the rules', left out.
    public let leftOutOtherCurrency: Int
    /// Paths that did not convert (they enter the data-driven model only).
    public let nonConvertingPaths: Int
}

extension JourneyModel {
    /// The key of `touch` in `dimension`, `nil` when the touch has none.
    func attributionKey(_ touch: JourneyTouch, _ dimension: AttributionDimension) -> String? {
        switch dimension {
        case .campaign: return touch.campaign?.description
        case .leadSource: return touch.leadSource?.name
        case .channel:
            guard touch.kind != .orderPlaced, touch.kind != .opportunityWon else { return nil }
            return channel(of: touch)?.name
        }
    }

    /// Whether `touch` is a conversion of `goal` as of the end `end` (cancelled orders are not).
    static func converts(_ touch: JourneyTouch, _ goal: AttributionGoal, cancelledBy end: Int64) -> Bool {
        switch goal {
        case .revenue: touch.kind == .orderPlaced && !(touch.cancelledAtMicros.map { $0 < end } ?? false)
        case .wonOpportunities: touch.kind == .opportunityWon
        }
    }

    /// The attribution paths of `goal` over `dimension`: one converting path per conversion dated
    /// in `period` (up to `asOf`) in the rules' currency, with the keyed touches before it; and
    /// one non-converting path per subject without any conversion of `goal` by `asOf`, with its
    /// keyed touches dated in `period`.
    public func attributionPaths(_ dimension: AttributionDimension, goal: AttributionGoal, period: Period, asOf: CalendarDay)
        -> (paths: [AttributionPath], leftOutOtherCurrency: Int, nonConverting: Int) {
        let end = Self.endMicros(asOf)
        let days = period.start...min(period.end, asOf)
        var paths: [AttributionPath] = []
        var leftOut = 0, nonConverting = 0
        for subject in subjects(asOf: asOf) {
            let touches = touches(of: subject, asOf: asOf)
            var keyed: [AttributionTouch] = []
            var converted = false
            for touch in touches {
                if Self.converts(touch, goal, cancelledBy: end) {
                    converted = true
                    guard days.contains(touch.day) else { continue }
                    if touch.inCurrency {
                        paths.append(AttributionPath(touches: keyed, conversionDay: touch.day, value: touch.amount))
                    } else {
                        leftOut += 1
                    }
                } else if let key = attributionKey(touch, dimension) {
                    keyed.append(AttributionTouch(key: key, day: touch.day))
                }
            }
            if !converted {
                let inPeriod = keyed.filter { days.contains($0.day) }
                if !inPeriod.isEmpty {
                    paths.append(AttributionPath(touches: inPeriod, conversionDay: nil, value: 0))
                    nonConverting += 1
                }
            }
        }
        return (paths, leftOut, nonConverting)
    }

    /// `model`'s attribution of `goal` over `dimension` for the conversions dated in `period`, as
    /// of `asOf`, with the window in days (default: the rules').
    public func attribution(_ model: AttributionModel, dimension: AttributionDimension, goal: AttributionGoal = .revenue,
                            period: Period, asOf: CalendarDay, windowDays: Int? = nil) -> AttributionTable {
        attribution([model], dimension: dimension, goal: goal, period: period, asOf: asOf, windowDays: windowDays)[0]
    }

    /// Each of `models`' attribution of `goal` over `dimension` (the paths built once), in the
    /// order of `models`.
    public func attribution(_ models: [AttributionModel], dimension: AttributionDimension, goal: AttributionGoal = .revenue,
                            period: Period, asOf: CalendarDay, windowDays: Int? = nil) -> [AttributionTable] {
        let input = attributionPaths(dimension, goal: goal, period: period, asOf: asOf)
        let settings = AttributionSettings(windowDays: windowDays ?? rules.journey.attributionWindowDays,
                                           halfLifeDays: rules.journey.timeDecayHalfLifeDays)
        return models.map { model in
            table(Attribution.attribute(input.paths, model: model, settings: settings), dimension: dimension, goal: goal, asOf: asOf,
                  leftOut: input.leftOutOtherCurrency, nonConverting: input.nonConverting)
        }
    }

    private func table(_ result: AttributionResult, dimension: AttributionDimension, goal: AttributionGoal, asOf: CalendarDay,
                       leftOut: Int, nonConverting: Int) -> AttributionTable {
        let rows = result.credits.map { credit -> AttributionTable.Row in
            guard dimension == .campaign, let id = UUID(uuidString: credit.key).map(CampaignID.init), let campaign = campaigns[id] else {
                return AttributionTable.Row(key: credit.key, name: credit.key, amount: credit.amount, conversions: credit.conversions,
                                            cost: nil, roi: nil)
            }
            let cost = campaign.cost(through: asOf)
            return AttributionTable.Row(key: credit.key, name: campaign.name.isEmpty ? credit.key : campaign.name, amount: credit.amount,
                                        conversions: credit.conversions, cost: cost,
                                        roi: cost > 0 ? Double(credit.amount - cost) / Double(cost) : nil)
        }
        return AttributionTable(dimension: dimension, goal: goal, result: result, rows: rows,
                                leftOutOtherCurrency: leftOut, nonConvertingPaths: nonConverting)
    }
}
