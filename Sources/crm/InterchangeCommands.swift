import ArgumentParser
import CRMAudit
import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the log (or a range of positions) as JSON Lines, one event per line with all metadata.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The file to write.") var file: String
    @Option(help: "First position to export.") var from: UInt64?
    @Option(name: [.customLong("to"), .customLong("through")], help: "Last position to export.") var through: UInt64?

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            let count = try JSONLines.export(from: store, to: file, from: from, through: through)
            // The subject keys travel beside the export, wrapped with this store's master key.
            if let vault = try options.vault(for: store) {
                try vault.exportKeys(to: file + ".subject-keys")
                print("exported \(count) events to \(file), subject keys (wrapped) to \(file).subject-keys")
            } else {
                print("exported \(count) events to \(file)")
            }
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a JSON Lines file and append it to a store whose head it continues (an empty store for a full export).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The JSON Lines file.") var file: String
    @Option(help: "Append in transactions of this many lines (resumable) instead of one transaction for the file.") var chunk: Int?
    @Option(help: "Resume a chunked import at this line.") var startAt = 1
    @Option(help: "The master key of the store the file was exported from, opening <file>.subject-keys (default: --master-key).")
    var sourceMasterKey: String?

    func validate() throws {
        if let chunk, chunk < 1 { throw ValidationError("--chunk must be positive") }
        guard startAt >= 1 else { throw ValidationError("--start-at must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let store = try EventStore(path: options.store)
            defer { store.close() }
            // Keys first: an event is never appended before the key its sealed values need.
            let keyFile = file + ".subject-keys"
            let files = FileManager.default
            // The target seals when it has a master key (or gets one with the file's keys):
            // personal data the file holds in the clear is sealed on the way in.
            var vault: KeyVault?
            if files.fileExists(atPath: keyFile) || files.fileExists(atPath: options.masterKeyPath) {
                vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: options.masterKeyPath))
            }
            if let vault, files.fileExists(atPath: keyFile) {
                let added = try vault.importKeys(from: keyFile, sourceMasterKeys: try sourceMasterKey.map { try FileMasterKeyStore(path: $0) })
                print("imported \(added) subject keys from \(keyFile), wrapped with \(options.masterKeyPath)")
            }
            let mode: JSONLinesImportMode = chunk.map { .chunks(lines: $0) } ?? .singleTransaction
            let count = try await JSONLines.importFile(file, into: store, mode: mode, startingAtLine: startAt, protector: vault)
            print("imported \(count) events; head is now \(try store.head())")
        }
    }
}
