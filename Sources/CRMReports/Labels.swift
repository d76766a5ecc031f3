import CRMDomain
import CRMProjections
import Foundation

/// Human labels, in English, for the identifiers the reports carry (KPI names, pipeline and
/// lifecycle stages, perspectives, segments); JSON keeps the identifiers and adds the label.
public enum Labels {
    /// The label of a scorecard KPI, e.g. `Churn rate` for `churnRate`; the identifier itself
    /// for a KPI this table does not know.
    public static func kpi(_ name: String) -> String {
        kpis[name] ?? name
    }

    static let kpis: [String: String] = [
        "revenue": "Revenue", "revenuePerCustomer": "Revenue per customer", "revenuePerCustomerChange": "Revenue per customer, change",
        "averageCLV": "Average CLV", "customerAcquisitionCost": "Customer acquisition cost", "nps": "Net Promoter Score",
        "churnRate": "Churn rate", "retentionRate": "Retention rate", "netCustomerGrowth": "Net customer growth",
        "repeatPurchaseRate": "Repeat-purchase rate", "complaintRate": "Complaint rate",
        "medianFirstResponseMinutes": "First response, median (min)", "p90FirstResponseMinutes": "First response, 90th percentile (min)",
        "answeredWithinTarget": "Answered within target", "firstContactResolutionRate": "First-contact resolution",
        "slaBreachRate": "SLA breach rate", "orderToDeliveryDays": "Order to delivery (days)", "crmTrainingRate": "CRM training rate",
        "employeeSatisfaction": "Employee satisfaction (1–5)", "dataCompleteness": "Data completeness",
    ]

    /// The label of a pipeline stage, e.g. `Needs analysis`.
    public static func stage(_ stage: PipelineStage) -> String {
        switch stage {
        case .prospecting: "Prospecting"
        case .qualification: "Qualification"
        case .needsAnalysis: "Needs analysis"
        case .proposal: "Proposal"
        case .negotiation: "Negotiation"
        }
    }

    /// The label of a lifecycle stage, e.g. `Growing customer`; the seeds' German name
    /// (`LifecycleStage.germanName`) may stand beside it.
    public static func stage(_ stage: LifecycleStage) -> String {
        switch stage {
        case .prospect: "Prospect"
        case .newCustomer: "New customer"
        case .growingCustomer: "Growing customer"
        case .starCustomer: "Star customer"
        case .lostCustomer: "Lost customer"
        }
    }

    /// The label of a pipeline stage identifier (`needsAnalysis` → `Needs analysis`), or the identifier.
    public static func pipelineStage(_ identifier: String) -> String {
        PipelineStage.allCases.first { "\($0)" == identifier }.map { stage($0) } ?? identifier
    }

    /// The label of a lifecycle stage identifier (`growingCustomer`), or the identifier.
    public static func lifecycleStage(_ identifier: String) -> String {
        LifecycleStage.allCases.first { "\($0)" == identifier }.map { stage($0) } ?? identifier
    }

    /// The label of a CLV segment identifier (`atRisk` → `At risk`), or the identifier.
    public static func segment(_ identifier: String) -> String {
        ["champions": "Champions", "loyal": "Loyal", "potential": "Potential", "atRisk": "At risk"][identifier] ?? identifier
    }

    /// The label of a journey phase (`consideration` → `Consideration (Erwägung)`), or the identifier.
    public static func phase(_ identifier: String) -> String {
        ["awareness": "Awareness (Bewusstsein)", "consideration": "Consideration (Erwägung)", "conversion": "Conversion (Kauf)",
         "retention": "Retention (Bindung)", "advocacy": "Advocacy (Empfehlung)"][identifier] ?? identifier
    }

    /// The label of a closed-loop reaction (`retention-offer` → `Retention offer`), or the name.
    public static func reaction(_ name: String) -> String {
        guard let first = name.first else { return name }
        let words = name.split(separator: "-").joined(separator: " ")
        return (String(first).uppercased() + words.dropFirst()).replacingOccurrences(of: "sla ", with: "SLA ")
            .replacingOccurrences(of: "Sla ", with: "SLA ")
    }
}
