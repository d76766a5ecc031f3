import ArgumentParser
import CRMAudit
import CRMDomain
import CRMKit
import CRMProjections
import CRMReports
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation
import Logging

@main
struct CRM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm",
        abstract: "CRMKit's command line: an event-sourced CRM core on an embedded LMDB log.",
        discussion: "Exit codes: 0 success, 1 error (one line on stderr), 2 verification failed, 64 usage error. See docs/cli.md.",
        version: CRM.version,
        subcommands: [
            Demo.self, Report.self, CustomerCommand.self, Pipeline.self, Lifecycle.self, Scorecard.self, JourneyCommand.self, AttributionCommand.self, Rebuild.self, Rules.self,
            Verify.self, Head.self, Backup.self, Forget.self, Tail.self, Stats.self, Export.self, Import.self, Predict.self, Worklist.self, Policies.self, Migrate.self,
        ])

    /// The version `crm --version` prints: the CRMKit release and the log format it writes.
    static let version = "crm 0.5.0 (CRMKit 0.5.0)"

    /// Parses and runs a command; every error ends as one line on stderr and a non-zero exit
    /// (help and `--version` print as usual).
    static func main() async {
        FileModes.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = CRM.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            let trimmed = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            FileHandle.standardError.write(Data("crm: \(sanitized(trimmed)) (see crm help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// Options every command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory.")
    var store: String = "./crm-store"

    @Option(name: .long, help: "The master key file sealing personal data (default: <store>.master-key, beside the store).")
    var masterKey: String?

    /// The master key file: `--master-key`, else `<store>.master-key` beside an LMDB store, or
    /// `<state directory>.master-key` beside a PostgreSQL instance's `--state`.
    var masterKeyPath: String {
        masterKey ?? (try? CRMLocation(store, stateDirectory: state))?.defaultMasterKeyPath
            ?? (store.hasSuffix("/") ? String(store.dropLast()) : store) + ".master-key"
    }

    @Option(name: .long, help: "For a postgres:// store: the local directory where the read models keep their state.")
    var state: String?

    @Option(name: .customLong("log-level"),
            help: "Log to standard error from this level on: trace, debug, info, notice, warning, error, critical (default: no logging).")
    var logLevel: Logger.Level?

    @Flag(help: "Log to standard error from level debug on (the same as --log-level debug).")
    var verbose = false

    @Flag(help: "No progress display on standard error (it shows only on a terminal anyway).")
    var quiet = false

    /// The logger the command gives the library: silent unless `--log-level` or `--verbose`.
    var logger: Logger { CLILogging.logger(level: logLevel ?? (verbose ? .debug : nil)) }

    var exists: Bool { FileManager.default.fileExists(atPath: store + "/data.mdb") }

    /// Opens the store on either backend: an LMDB directory or a `postgres://` URL (docs/postgres.md),
    /// with the state store its read models are kept in (`nil` for a PostgreSQL log without `--state`).
    func openLog(readOnly: Bool) async throws -> (any EventLogStore, StateStore?) {
        let log = try await openLogStore(store, readOnly: readOnly, logger: logger)
        do {
            return (log, try openStateStore(for: log, stateDirectory: state))
        } catch {
            log.close()
            throw error
        }
    }

    /// Opens the existing store of a command that reads or changes it, on either backend: an
    /// LMDB directory (read-only when `readOnly`; it must hold a store) or the log of a
    /// `postgres://` URL (which such a command never creates), with the state store its read
    /// models are kept in (`nil` for a PostgreSQL log without `--state`).
    func openExisting(readOnly: Bool) async throws -> (any EventLogStore, StateStore?) {
        let log: any EventLogStore
        if PostgresLocation.isPostgresURL(store) {
            do {
                log = try await PostgresEventStore.connect(url: store, configuration: .init(logger: logger, createIfMissing: false))
            } catch PostgresLogError.noLog {
                throw CLIError("no store at \(describeStore(store)) (`crm migrate --to` or `crm import` creates one)")
            }
        } else {
            guard exists else { throw CLIError("no store at \(store) (run `crm demo` to create one)") }
            let configuration = EventStore.Configuration(logger: logger)
            log = readOnly ? try EventStore.openReadOnly(path: store, configuration: configuration)
                : try EventStore(path: store, configuration: configuration)
        }
        do {
            return (log, try openStateStore(for: log, stateDirectory: state))
        } catch {
            log.close()
            throw error
        }
    }

    /// The state store of a command that keeps read models: an LMDB store's own, or the
    /// `--state` directory of a PostgreSQL instance.
    func requireState(_ state: StateStore?) throws -> StateStore {
        guard let state else {
            throw CLIError("a postgres:// store keeps its read models in the instance's state directory: give --state DIR")
        }
        return state
    }

    /// The vault opening sealed personal data, when the master key file exists: the subject
    /// keys of an LMDB store's directory, or of a PostgreSQL log's table `subject_keys`.
    func vault(for store: any EventLogStore, state: StateStore? = nil) throws -> KeyVault? {
        guard FileManager.default.fileExists(atPath: masterKeyPath) else { return nil }
        return try CRMStore.keyVault(for: store, state: state, masterKeys: FileMasterKeyStore(path: masterKeyPath))
    }
}

/// Options of the commands that print a report.
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "Report as of a business day YYYY-MM-DD or a log position N.")
    var asOf: String?

    @Option(help: "Rules JSON file to report under (default: the rules the served read models were built with).")
    var rules: String?

    @Flag(help: "Print JSON (shapes in docs/cli.md).")
    var json = false

    /// Loads the read models the report is built from.
    func source(_ options: StoreOptions, store: any EventLogStore, state: StateStore?) throws -> ReportSource {
        let asOf = try asOf.map(ReportInput.asOf)
        let rules = try rules.map { try ReportInput.rules(file: $0, over: try ReportSource.servedRules(in: state, for: store)) }
        // An as-of before the first event: an empty report that says so (on stderr, so JSON stays clean).
        if case .businessDay(let day)? = asOf, let first = try store.event(at: 1).map({ CalendarDay(containing: $0.occurredAt) }), day < first {
            FileHandle.standardError.write(Data("crm: no events on or before \(day): the log starts on \(first); the report is empty\n".utf8))
        }
        if case .businessDay(let day)? = asOf { try refuseAfterLastEvent(day, store: store) }
        let source = try ReportSource.load(store: store, state: state, rules: rules, asOf: asOf, protector: try options.vault(for: store, state: state))
        // Value figures count the reporting currency only: say so when the log has no order in it.
        let currency = source.models.rules.currency
        if let first = try OrderCurrencies.first(in: store), first != currency {
            let found = try OrderCurrencies.of(store)
            if !found.contains(currency) {
                let list = found.map(\.code).joined(separator: ", ")
                FileHandle.standardError.write(Data("crm: no order in \(currency); the store's orders are in \(list), so its value figures are 0 (rules currency \(currency))\n".utf8))
            }
        }
        return source
    }

    /// Prints `value` as JSON, or `text()`.
    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        if json { printJSON(value) } else { print(text()) }
    }
}

/// Refuses a business day after the log's last event: there is no data for it yet, and a
/// report would extrapolate (customers turning lost, effect windows ending without events).
func refuseAfterLastEvent(_ day: CalendarDay, store: any EventLogStore) throws {
    let head = try store.head()
    guard head > 0, let last = try store.event(at: head).map({ CalendarDay(containing: $0.occurredAt) }), day > last else { return }
    throw CLIError("--as-of \(day) is after the log's last event on \(last); there is no data for it yet")
}

/// Prints `value` as pretty JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// A user-facing failure: one line on stderr and exit code 1, never a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning every error into one clear line on stderr and exit code 1.
func reportingErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("crm: \(sanitized(userMessage(for: error)))\n".utf8))
        throw ExitCode.failure
    }
}

/// The one line a user reads for `error`: storage failures name ENOSPC and EROFS, Foundation
/// errors their errno, never their own text.
func userMessage(for error: any Error) -> String {
    switch error {
    case EventLogError.storage(let failure):
        return describeStorageFailure(failure, store: currentStoreArgument())
    case let error where StorageFailure(ifLMDB: error) != nil:
        return describeStorageFailure(StorageFailure(ifLMDB: error)!, store: currentStoreArgument())
    case let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
        let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { Int32($0.code) }
        let code = error.domain == NSPOSIXErrorDomain ? Int32(error.code) : underlying ?? EIO
        let path = (error.userInfo[NSFilePathErrorKey] as? String).map { "\($0): " } ?? ""
        return path + describeErrno(code)
    default:
        return "\(error)"
    }
}

/// The `--store` given on the command line (default `./crm-store`), for messages.
func currentStoreArgument() -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--store"), index + 1 < arguments.count { return arguments[index + 1] }
    if let argument = arguments.first(where: { $0.hasPrefix("--store=") }) { return String(argument.dropFirst(8)) }
    return "./crm-store"
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
