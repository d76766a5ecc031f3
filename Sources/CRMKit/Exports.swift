// One import for the common case: the facade re-exports the modules an embedder uses, as
// swift-nio's `NIO` and GRDB do. Lower layers stay importable on their own.
@_exported import CRMAudit
@_exported import CRMDomain
@_exported import CRMEventLog
@_exported import CRMEventLogLMDB
@_exported import CRMEventLogPostgres
@_exported import CRMPolicies
@_exported import CRMPredictive
@_exported import CRMProjections
@_exported import CRMReports
@_exported import Logging
