import ArgumentParser
import EventLog
import Foundation

@main
struct CRM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm",
        abstract: "CRMKit's command line: an event-sourced CRM core on an embedded LMDB log.",
        subcommands: [Demo.self, Head.self, Verify.self, Backup.self, Stats.self, Tail.self, Export.self, Import.self, Migrate.self])
}

/// Options every command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory.")
    var store: String = "./crm-store"

    func openReadOnly() throws -> EventStore {
        guard FileManager.default.fileExists(atPath: store + "/data.mdb") else {
            throw CLIError("no store at \(store) (run `crm demo` to create one)")
        }
        return try EventStore.openReadOnly(path: store)
    }
}

/// A user-facing failure: one line on stderr and exit code 1, never a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning every error into one clear line on stderr and a non-zero exit.
func reportingErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("crm: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
