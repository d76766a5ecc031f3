import ArgumentParser
import CRMAudit
import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import CRMKit
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the log (or a range of positions) as JSON Lines, one event per line with all metadata.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The file to write (`-`: standard output).") var file: String
    @Option(help: "First position to export.") var from: UInt64?
    @Option(name: [.customLong("to"), .customLong("through")], help: "Last position to export.") var through: UInt64?

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let last = try through.map { min($0, try store.head()) } ?? store.head()
            let progress = ProgressDisplay(total: Int(last >= (from ?? 1) ? last - (from ?? 1) + 1 : 0), label: "exporting", quiet: options.quiet)
            defer { progress.finish() }
            guard file != "-" else {
                // Standard output: the lines only, the count on stderr. Subject keys need a file
                // beside the export to travel, so a sealing store says they stayed behind.
                let count = try JSONLines.export(from: store, from: from, through: through, progress: progress.set) {
                    try FileHandle.standardOutput.write(contentsOf: $0)
                }
                progress.finish()
                let keys = try options.vault(for: store, state: state) != nil ? "; subject keys stay in the store (export to a file to carry them)" : ""
                FileHandle.standardError.write(Data("exported \(count) events to standard output\(keys)\n".utf8))
                return
            }
            // Never into the store or over its key; a device or FIFO as a stream; a regular
            // file under a temporary name, renamed when complete.
            let count = try writingOutput(file, options: options, what: "the export") { output in
                try JSONLines.export(from: store, from: from, through: through, progress: progress.set) { try output.write($0) }
            }
            progress.finish()
            // The subject keys travel beside the export, wrapped with this store's master key.
            if let vault = try options.vault(for: store, state: state) {
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
    @Flag(help: "Check the format only, not the domain rules (for trusted dumps).") var noValidate = false
    @Option(help: "The master key of the store the file was exported from, opening <file>.subject-keys (default: --master-key).")
    var sourceMasterKey: String?

    func validate() throws {
        if let chunk, chunk < 1 { throw ValidationError("--chunk must be positive") }
        guard startAt >= 1 else { throw ValidationError("--start-at must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openLog(readOnly: false)
            defer { store.close(); state?.close() }
            // Keys first: an event is never appended before the key its sealed values need.
            let keyFile = file + ".subject-keys"
            let files = FileManager.default
            // The target seals when it has a master key (or gets one with the file's keys):
            // personal data the file holds in the clear is sealed on the way in.
            var vault: KeyVault?
            if files.fileExists(atPath: keyFile) || files.fileExists(atPath: options.masterKeyPath) {
                vault = try CRMStore.keyVault(for: store, state: state, masterKeys: FileMasterKeyStore(path: options.masterKeyPath))
            }
            if let vault, files.fileExists(atPath: keyFile) {
                let added = try vault.importKeys(from: keyFile, sourceMasterKeys: try sourceMasterKey.map { try FileMasterKeyStore(path: $0) })
                print("imported \(added) subject keys from \(keyFile), wrapped with \(options.masterKeyPath)")
            }
            let mode: JSONLinesImportMode = chunk.map { .chunks(lines: $0) } ?? .singleTransaction
            let count: Int
            let checking = ProgressDisplay(total: 100, label: "checking ", quiet: options.quiet)
            var appending: ProgressDisplay?
            defer {
                checking.finish()
                appending?.finish()
            }
            do {
                count = try await JSONLines.importFile(file, into: store, mode: mode, startingAtLine: startAt, checkingDomainRules: !noValidate,
                                                       protector: vault) { step in
                    switch step.phase {
                    case .checking:
                        checking.set(step.total > 0 ? step.done * 100 / step.total : 100)
                    case .appending:
                        checking.finish()
                        if appending == nil { appending = ProgressDisplay(total: step.total, label: "appending", quiet: options.quiet) }
                        appending?.set(step.done)
                    }
                }
            } catch JSONLinesError.interrupted(let imported, let resume, let reason) {
                // LMDB reports a write cut short by a full disk as EIO (or ENOSPC when the commit itself fails).
                let full = reason.contains("(ENOSPC)") || (reason.contains("(EIO)") && (freeBytes(at: options.store) ?? .max) < 1 << 20)
                let why = full ? "cannot write the store \(options.store): no space left on device (ENOSPC)"
                    : reason.contains("(EROFS)") ? "cannot write the store \(options.store): read-only file system (EROFS)" : reason
                throw CLIError("import stopped after \(imported) lines (\(why)); resume with "
                    + "`crm import --store \(options.store) --chunk \(chunk ?? imported) --start-at \(resume) \(file)`")
            } catch JSONLinesError.alreadyImported(let line, let position, let head, let resume) {
                throw CLIError("line \(line): position \(position) is already in the store (its head is \(head)); "
                    + "to continue an import that stopped, run it again with --start-at \(resume); nothing was imported")
            }
            appending?.finish()
            print("imported \(count) events; head is now \(try store.head())")
        }
    }
}
