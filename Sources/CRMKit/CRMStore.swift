import CRMAudit
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMPolicies
import CRMPredictive
import CRMProjections
import CRMReports
import Foundation
import Logging

/// A CRM opened on a location: the one entry point of CRMKit.
///
/// ```swift
/// import CRMKit
///
/// let crm = try await CRMStore.open(.lmdb(path: "./my-crm"))   // personal data sealed by default
/// defer { crm.close() }
/// let customer = CustomerID.new()
/// try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak", email: "jana@example.org"))
/// let models = try await crm.readModels()                         // served, caught up
/// print(models.customer360(customer)?.record.name ?? "-")
/// try await crm.forget(.customer(customer))                       // GDPR erasure
/// ```
///
/// It owns the log (LMDB or PostgreSQL), the state store where read models are kept, the key
/// vault that seals personal data (its keys beside the log), and the command handler; read models, reports,
/// policies and predictions are built from them. Long folds run off Swift's cooperative thread
/// pool and check for cancellation between batches.
public final class CRMStore: Sendable {
    /// How a CRM is opened.
    public struct Configuration: Sendable {
        /// How personal data is sealed.
        public enum Sealing: Sendable, Hashable {
            /// Personal data is sealed with per-subject keys, wrapped with the master key in this
            /// file (`nil`: ``CRMLocation/defaultMasterKeyPath``, created when missing). Keep the
            /// file outside the store and back it up apart from it.
            case masterKeyFile(String?)
            /// Personal data is stored as given and can never be erased by crypto-shredding.
            /// Only for data that holds no personal data, or for tests.
            case off
        }

        /// How personal data is sealed; on by default.
        public var sealing: Sealing
        /// The read-model rules of a first build (a served generation keeps its own rules).
        public var rules: CRMRules
        /// Opens an LMDB store read-only (another process writes); commands then fail.
        public var readOnly: Bool
        /// Where the store and its parts log; silent by default.
        public var logger: Logger

        /// Creates a configuration: sealing on with the default master key file, the standard
        /// rules, writable, silent.
        public init(sealing: Sealing = .masterKeyFile(nil), rules: CRMRules = .standard, readOnly: Bool = false,
                    logger: Logger = Logger(label: "crmkit", factory: { _ in SwiftLogNoOpLogHandler() })) {
            self.sealing = sealing
            self.rules = rules
            self.readOnly = readOnly
            self.logger = logger
        }
    }

    /// Where the CRM lives.
    public let location: CRMLocation
    /// The configuration it was opened with.
    public let configuration: Configuration
    /// The log (`EventStore` on LMDB, `PostgresEventStore` on PostgreSQL).
    public let log: any EventLogStore
    /// Where the read models are kept: the LMDB store's own environment (with the subject-key
    /// file beside it), or a PostgreSQL instance's local state directory.
    public let state: StateStore
    /// The vault sealing personal data, `nil` when sealing is off: its keys are in the LMDB
    /// store's subject-key file, or in the PostgreSQL log's table `subject_keys`.
    public let vault: KeyVault?
    /// Validates commands against the domain rules and appends their events, sealing personal data.
    public let commands: CommandHandler

    private init(location: CRMLocation, configuration: Configuration, log: any EventLogStore, state: StateStore, vault: KeyVault?) {
        self.location = location
        self.configuration = configuration
        self.log = log
        self.state = state
        self.vault = vault
        commands = CommandHandler(store: log, protector: vault)
    }

    /// Opens (or creates) the CRM at `location`.
    ///
    /// - Throws: the log's errors (`EventLogError`, `PostgresLogError`), the state store's,
    ///   and `KeyVaultError` when the master key does not open the store's subject keys.
    public static func open(_ location: CRMLocation, configuration: Configuration = Configuration()) async throws -> CRMStore {
        let log = try await openLog(location.logLocation, readOnly: configuration.readOnly, logger: configuration.logger)
        let state: StateStore
        do {
            guard let opened = try stateStore(for: log, directory: location.stateDirectory, readOnly: configuration.readOnly) else {
                throw CRMStoreError.stateDirectoryRequired(location.description)
            }
            state = opened
        } catch {
            log.close()
            throw error
        }
        do {
            let vault: KeyVault?
            switch configuration.sealing {
            case .masterKeyFile(let path):
                vault = try keyVault(for: log, state: state, masterKeys: FileMasterKeyStore(path: path ?? location.defaultMasterKeyPath))
            case .off:
                vault = nil
            }
            configuration.logger.debug("opened", metadata: ["location": "\(location)", "sealing": "\(vault != nil)"])
            return CRMStore(location: location, configuration: configuration, log: log, state: state, vault: vault)
        } catch {
            log.close()
            throw error
        }
    }

    /// Opens the log at `location` — a `postgres://` or `postgresql://` URL, else an LMDB store
    /// directory: the one place CRMKit chooses a backend (``open(_:configuration:)`` and the
    /// command line both open their logs here).
    ///
    /// - Parameters:
    ///   - location: a PostgreSQL URL or the path of an LMDB store directory.
    ///   - readOnly: open an LMDB store read-only; it must exist. A PostgreSQL log is always
    ///     writable.
    ///   - logger: where the backend logs its opening, commits and failures.
    /// - Throws: ``CRMStoreError/noStore(_:)`` for a read-only open of a directory without a
    ///   store, and the backends' errors.
    public static func openLog(_ location: String, readOnly: Bool = false,
                               logger: Logger = Logger(label: "crmkit", factory: { _ in SwiftLogNoOpLogHandler() })) async throws
        -> any EventLogStore {
        if PostgresLocation.isPostgresURL(location) {
            return try await PostgresEventStore.connect(url: location, configuration: .init(logger: logger))
        }
        let configuration = EventStore.Configuration(logger: logger)
        if readOnly {
            guard FileManager.default.fileExists(atPath: location + "/data.mdb") else { throw CRMStoreError.noStore(location) }
            return try EventStore.openReadOnly(path: location, configuration: configuration)
        }
        return try EventStore(path: location, configuration: configuration)
    }

    /// Where the read models of `log` are kept: an LMDB store's own
    /// environment, else the local state directory `directory`, else none.
    public static func stateStore(for log: any EventLogStore, directory: String?, readOnly: Bool = false) throws -> StateStore? {
        if let store = log as? EventStore { return StateStore(environment: store.environment) }
        return try directory.map { try StateStore(path: $0, readOnly: readOnly) }
    }

    /// Opens (or creates) the CRM in an LMDB store directory.
    public static func open(path: String, configuration: Configuration = Configuration()) async throws -> CRMStore {
        try await open(.lmdb(path: path), configuration: configuration)
    }

    // MARK: Commands

    /// Validates `command` against the domain rules and appends its events (personal data
    /// sealed); a rejected command appends nothing and throws `DomainRuleError`.
    @discardableResult
    public func execute(_ command: CRMCommand, context: CommandContext = CommandContext()) async throws -> AppendResult {
        try await commands.execute(command, context: context)
    }

    /// Forgets a data subject (GDPR Art. 17 by crypto-shredding): destroys the subject's key and
    /// records the erasure; every sealed value of the subject opens as erased from then on.
    ///
    /// - Returns: the position of the erasure event.
    /// - Throws: ``CRMStoreError/sealingDisabled`` when the store does not seal personal data.
    @discardableResult
    public func forget(_ subject: DataSubject, context: CommandContext = CommandContext(actor: "data-protection")) async throws -> UInt64 {
        guard let vault else { throw CRMStoreError.sealingDisabled }
        return try await DataProtection.forget(subject, vault: vault, handler: commands, context: context)
    }

    /// The domain event a log event holds.
    ///
    /// - Throws: `CodecError` for an event of an unknown type or undecodable payload.
    public func decode(_ event: RecordedEvent) throws -> DomainEvent {
        try commands.registry.decode(event)
    }

    // MARK: Read models

    /// The served read models (customer 360, pipeline, lifecycle, scorecard), persisted in the
    /// state store and caught up to the head: built under ``Configuration/rules`` on first use,
    /// then kept exactly once with their checkpoint. Call ``ServedReadModels/follow(batchSize:)``
    /// to keep them live.
    public func readModels() async throws -> ServedReadModels {
        let log = log, state = state, rules = configuration.rules
        let projector = try await offloaded {
            try ReadModelMaintenance.servedProjector(store: log, state: state, rules: rules).projector
        }
        let served = ServedReadModels(projector: projector, logger: configuration.logger)
        try await served.catchUp()
        return served
    }

    /// The read models a report is built from: the served ones caught up, or a rebuild as of a
    /// position or business day, or under other rules.
    public func reportSource(asOf: AsOf? = nil, rules: CRMRules? = nil) async throws -> ReportSource {
        let log = log, state = state, vault = vault
        return try await offloaded {
            try ReportSource.load(store: log, state: state, rules: rules, asOf: asOf, protector: vault)
        }
    }

    /// Rebuilds the persisted read models from the whole log (under new `rules`: beside the served
    /// ones, switching readers when done) and reports what changed when `compare` is set.
    public func rebuildReadModels(rules: CRMRules? = nil, compare: Bool = false) async throws -> RebuildReport {
        let log = log, state = state
        return try await offloaded { try ReadModelMaintenance.rebuild(store: log, state: state, rules: rules, compare: compare) }
    }

    // MARK: Closed loop and predictions

    /// The closed-loop policies named `name`, appending their reactions through this store's
    /// command handler (so their personal data is sealed too).
    public func policies(name: String = "closed-loop", rules: PolicyRules = .standard, readModelRules: CRMRules? = nil) throws -> PolicyRunner {
        try PolicyRunner(store: log, handler: commands, name: name, readModelRules: readModelRules ?? configuration.rules,
                         rules: rules, logger: configuration.logger)
    }

    /// Fits the purchase (BG/NBD) and spend (Gamma-Gamma) models as of `calibrationEnd` and
    /// forecasts `customer` when given.
    public func predict(calibrationEnd: CalendarDay? = nil, rules: PredictiveRules = .standard,
                        customer: CustomerID? = nil) async throws -> PredictiveReport {
        let log = log, crmRules = configuration.rules
        return try await offloaded {
            try PredictiveReport(store: log, calibrationEnd: calibrationEnd, rules: rules, crmRules: crmRules, customer: customer)
        }
    }

    // MARK: The log

    /// Checks positions, record format, the hash chain and the indexes of the whole log.
    public func verify(anchor: HeadAnchor? = nil) async throws -> VerificationReport {
        try await log.verify(anchor: anchor)
    }

    /// Closes the log and the state store. Idempotent.
    public func close() {
        log.close()
        state.close()
    }
}
