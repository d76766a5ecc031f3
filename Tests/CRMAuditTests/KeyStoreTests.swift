@testable import CRMAudit
import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Crypto
import Foundation
import Testing
import TestSupport

private func customer(_ n: Int) -> CustomerID { CustomerID(UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!) }
private func subject(_ n: Int) -> DataSubject { .customer(customer(n)) }

private func fileBytes(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [] }

private func mode(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

private func occurs(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    var index = 0
    while let start = haystack[index...].firstIndex(of: needle[0]), start + needle.count <= haystack.count {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        index = start + 1
    }
    return false
}

/// The files below a directory, with their bytes.
private func allFiles(_ directory: String) -> [(String, [UInt8])] {
    guard let names = FileManager.default.subpaths(atPath: directory) else { return [] }
    return names.compactMap { name in
        let path = directory + "/" + name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return (path, fileBytes(path))
    }
}

/// An LMDB store with a vault and `count` customers whose names are sealed (`name-n`).
private struct KeyedStore {
    let directory = TemporaryDirectory("keystore")
    let store: EventStore
    let vault: KeyVault
    let handler: CommandHandler
    var masterPath: String { directory.sub("master.key") }

    init(customers: ClosedRange<Int> = 1...4, recorder: DurabilityRecorder? = nil) async throws {
        store = try EventStore(path: directory.sub("store"))
        vault = try KeyVault(state: StateStore(environment: store.environment),
                             masterKeys: try FileMasterKeyStore(path: directory.sub("master.key"), recorder: recorder), recorder: recorder)
        handler = CommandHandler(store: store, protector: vault)
        for n in customers {
            try await handler.execute(.registerCustomer(customer(n), kind: .person, name: PersonalText("name-\(n)")), context: CommandContext(actor: "test"))
        }
    }

    func close() { store.close() }
}

/// The sealed name of customer `n` in `store`, opened with `protector`.
private func name(_ n: Int, in store: any EventLogStore, with protector: any PersonalDataProtector) throws -> PersonalText? {
    guard let event = try store.events(.stream(customer(n).stream)).first,
          case .customerRegistered(let registered) = try EventRegistry().decode(event).openingPersonalData(with: protector) else { return nil }
    return registered.name
}

@Suite("Key store: subject keys in a key file")
struct KeyStoreTests {
    @Test("point 2/3 in one process: concurrent forgets of one subject destroy it once; the others' data and new keys stay readable")
    func concurrentForgets() async throws {
        let s = try await KeyedStore(customers: 1...6)
        defer { s.close() }
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        try await DataProtection.forget(subject(1), vault: s.vault, handler: s.handler)
                        return "forgot"
                    } catch KeyVaultError.alreadyForgotten {
                        return "already"
                    }
                }
            }
            group.addTask {
                try await s.handler.execute(.registerCustomer(customer(7), kind: .person, name: "name-7"), context: CommandContext(actor: "test"))
                return "created"
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "created" }.count == 1)
        #expect(outcomes.filter { $0 == "forgot" || $0 == "already" }.count == 4)
        #expect(outcomes.contains("forgot"))
        let reopened = try KeyVault(state: StateStore(environment: s.store.environment), masterKeys: try FileMasterKeyStore(path: s.masterPath))
        #expect(try name(1, in: s.store, with: reopened) == .erased)
        for n in 2...7 { #expect(try name(n, in: s.store, with: reopened) == PersonalText("name-\(n)")) }
        // forget rotates nothing: the master key file is the one created first.
        #expect(fileBytes(s.masterPath).count == 32)
    }

    @Test("point 11: forget of an unknown subject is a typed error naming it; nothing appended, no key file byte changed")
    func unknownSubject() async throws {
        let s = try await KeyedStore(customers: 1...2)
        defer { s.close() }
        let head = try s.store.head()
        let keyFile = fileBytes(s.vault.keyFilePath)
        let master = fileBytes(s.masterPath)
        let unknown = subject(999)
        await #expect(throws: KeyVaultError.unknownSubject(unknown.description)) {
            try await DataProtection.forget(unknown, vault: s.vault, handler: s.handler)
        }
        #expect(KeyVaultError.unknownSubject(unknown.description).description.contains(unknown.description))
        #expect(try s.store.head() == head)
        #expect(fileBytes(s.vault.keyFilePath) == keyFile)
        #expect(fileBytes(s.masterPath) == master)
        // Forgetting twice: the second is a typed error too, and appends nothing.
        try await DataProtection.forget(subject(1), vault: s.vault, handler: s.handler)
        let after = try s.store.head()
        await #expect(throws: KeyVaultError.alreadyForgotten(subject(1).description)) {
            try await DataProtection.forget(subject(1), vault: s.vault, handler: s.handler)
        }
        #expect(try s.store.head() == after)
        // A forgotten subject gets no new key: sealing for it is refused, not silently re-keyed.
        #expect(throws: KeyVaultError.subjectForgotten(subject(1).description)) { try s.vault.seal("again", for: subject(1)) }
    }

    @Test("point 12: after forget, neither the key nor its wrapped copy is in any file of the store; an old master-key copy opens nothing of the subject")
    func noStaleCopy() async throws {
        let s = try await KeyedStore(customers: 1...3)
        defer { s.close() }
        let oldMaster = fileBytes(s.masterPath)
        let key = try #require(try s.vault.keyBytes(for: subject(1)))
        guard case .live(let wrapped)? = try s.vault.keys.entry(for: subject(1).description) else {
            Issue.record("no live key")
            return
        }
        #expect(allFiles(s.directory.sub("store")).contains { occurs(wrapped, in: $0.1) })
        try await DataProtection.forget(subject(1), vault: s.vault, handler: s.handler)
        for (path, bytes) in allFiles(s.directory.sub("store")) {
            #expect(!occurs(wrapped, in: bytes), "the wrapped key is still in \(path)")
            #expect(!occurs(key, in: bytes), "the key is in \(path)")
        }
        // Someone with a copy of the master key and of the current files: the slot is zeros.
        #expect(fileBytes(s.masterPath) == oldMaster)
        let attacker = try KeyVault(state: StateStore(environment: s.store.environment), masterKeys: try FileMasterKeyStore(path: s.masterPath))
        #expect(try name(1, in: s.store, with: attacker) == .erased)
        #expect(try name(2, in: s.store, with: attacker) == "name-2")
    }

    @Test("point 4: master key, key file and migration sync the directory after every create, link and rename")
    func directorySync() async throws {
        let recorder = DurabilityRecorder()
        let s = try await KeyedStore(customers: 1...1, recorder: recorder)
        defer { s.close() }
        let steps = recorder.steps.withLock { $0 }
        let master = s.masterPath
        let dir = s.directory.path
        let keyFile = s.vault.keyFilePath
        // Master key: temporary written and synced, linked (never replacing), directory synced.
        guard case .write(let temporary) = steps[0] else {
            Issue.record("first step \(steps[0])")
            return
        }
        #expect(Array(steps[0..<4]) == [.write(temporary), .sync(temporary), .link(temporary, master), .syncDirectory(dir)])
        // Key file: header written, synced, directory synced; the first key appended and synced.
        #expect(Array(steps[4..<9]) == [.write(keyFile), .sync(keyFile), .syncDirectory(s.directory.sub("store")), .write(keyFile), .sync(keyFile)])
        #expect(steps.count == 9)
    }

    @Test("point 13: master key created 0600 from its first byte, key and lock files 0600, a symlinked master key is followed and stays a link")
    func permissionsAndSymlink() async throws {
        let previous = umask(0)
        defer { umask(previous) }
        let s = try await KeyedStore(customers: 1...1)
        defer { s.close() }
        #expect(mode(s.masterPath) == 0o600)
        #expect(mode(s.vault.keyFilePath) == 0o600)
        #expect(mode(s.vault.keyFilePath + ".lock") == 0o600)
        let export = s.directory.sub("keys.export")
        try s.vault.exportKeys(to: export)
        #expect(mode(export) == 0o600)

        // A legacy store whose master key is a symlink: migration rewrites the target, not the link.
        let legacy = TemporaryDirectory("legacy-link")
        #expect(try runHelper(["keys-legacy", legacy.path, "1", "2"]).lines == ["ok"])
        let target = legacy.sub("elsewhere.key")
        try FileManager.default.moveItem(atPath: legacy.sub("master.key"), toPath: target)
        try FileManager.default.createSymbolicLink(atPath: legacy.sub("master.key"), withDestinationPath: "elsewhere.key")
        let before = fileBytes(target)
        let check = try runHelper(["keys-check", legacy.path])
        #expect(check.lines == ["subject 1 erased:0 opens:1", "subject 2 erased:0 opens:1", "done"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: legacy.sub("master.key")) == "elsewhere.key")
        #expect(fileBytes(target).count == 32 && fileBytes(target) != before)
        #expect(mode(target) == 0o600)
        // A new master key through a dangling link is created at the link's target.
        let fresh = TemporaryDirectory("fresh-link")
        try FileManager.default.createSymbolicLink(atPath: fresh.sub("master.key"), withDestinationPath: fresh.sub("real.key"))
        _ = try FileMasterKeyStore(path: fresh.sub("master.key"))
        #expect(fileBytes(fresh.sub("real.key")).count == 32)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: fresh.sub("master.key")) == fresh.sub("real.key"))
    }

    @Test("point 1: a store of the old layout killed after staging a master key opens, migrates, and keeps every subject's data")
    func stagedMasterKeyAfterOldForget() throws {
        let legacy = TemporaryDirectory("legacy-staged")
        #expect(try runHelper(["keys-legacy", legacy.path, "1", "2", "3"]).lines == ["ok"])
        // Exactly what the old `forget` left when killed after staging: current key + new key.
        let handle = try #require(FileHandle(forWritingAtPath: legacy.sub("master.key")))
        try handle.seekToEnd()
        try handle.write(contentsOf: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        try handle.close()
        #expect(fileBytes(legacy.sub("master.key")).count == 64)
        for _ in 0..<3 {
            #expect(try runHelper(["keys-check", legacy.path]).lines
                    == ["subject 1 erased:0 opens:1", "subject 2 erased:0 opens:1", "subject 3 erased:0 opens:1", "done"])
        }
        #expect(fileBytes(legacy.sub("master.key")).count == 32)
        // The legacy database is empty; forget works on the migrated store.
        #expect(try runHelper(["keys-forget", legacy.path, "2"]).lines == ["forgot 2"])
        #expect(try runHelper(["keys-check", legacy.path]).lines
                == ["subject 1 erased:0 opens:1", "subject 2 erased:1 opens:0", "subject 3 erased:0 opens:1", "done"])
    }

    @Test("point 10: export + import and backup + restore carry the wrapped keys; the copy reads like the original and forget works there")
    func keysTravel() async throws {
        let s = try await KeyedStore(customers: 1...4)
        defer { s.close() }
        // Backup before any forget, then forget 1 in the original.
        let backupDirectory = s.directory.sub("backup")
        _ = try await DataProtection.backup(s.store, vault: s.vault, to: backupDirectory)
        #expect(mode(backupDirectory + "/subject-keys") == 0o600)
        try await DataProtection.forget(subject(1), vault: s.vault, handler: s.handler)

        // Export with the keys beside it; import into a store with its own master key.
        let export = s.directory.sub("export.jsonl")
        try JSONLines.export(from: s.store, to: export)
        try s.vault.exportKeys(to: export + ".subject-keys")
        let target = TemporaryDirectory("import-target")
        let imported = try EventStore(path: target.sub("store"))
        defer { imported.close() }
        let vault = try KeyVault(state: StateStore(environment: imported.environment), masterKeys: try FileMasterKeyStore(path: target.sub("master.key")))
        #expect(throws: KeyVaultError.wrongMasterKey) { try vault.importKeys(from: export + ".subject-keys") }
        #expect(try vault.importKeys(from: export + ".subject-keys", sourceMasterKeys: try FileMasterKeyStore(path: s.masterPath)) == 4)
        _ = try await JSONLines.importFile(export, into: imported)
        #expect(try name(1, in: imported, with: vault) == .erased)
        for n in 2...4 { #expect(try name(n, in: imported, with: vault) == PersonalText("name-\(n)")) }
        #expect(!allFiles(target.path).contains { occurs(Array("name-2".utf8), in: $0.1) })
        try await DataProtection.forget(subject(2), vault: vault, handler: CommandHandler(store: imported, protector: vault))
        #expect(try name(2, in: imported, with: vault) == .erased)
        #expect(try name(3, in: imported, with: vault) == "name-3")

        // The backup restores readable for everyone, and with the erasures since re-applied.
        let erasures = try DataProtection.erasedSubjects(in: s.store)
        #expect(erasures == [subject(1)])
        for (label, reapplied) in [("plain", [DataSubject]()), ("erasures", erasures)] {
            let restoredDirectory = s.directory.sub("restored-\(label)")
            #expect(try DataProtection.restore(backup: backupDirectory, to: restoredDirectory, reapplyingErasures: reapplied).isIntact)
            let restored = try EventStore(path: restoredDirectory)
            defer { restored.close() }
            let restoredVault = try KeyVault(state: StateStore(environment: restored.environment), masterKeys: try FileMasterKeyStore(path: s.masterPath))
            #expect(try name(1, in: restored, with: restoredVault) == (reapplied.isEmpty ? "name-1" : .erased))
            for n in 2...4 { #expect(try name(n, in: restored, with: restoredVault) == PersonalText("name-\(n)")) }
        }
    }
}
