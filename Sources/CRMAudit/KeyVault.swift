import CRMDomain
import Crypto
import CRMEventLog
import CRMProjections
import Foundation
import CRMLMDB
import Synchronization

/// Why key management failed.
public enum KeyVaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The master key file is missing, unreadable or malformed.
    case masterKey(path: String, reason: String)
    /// No master key opens the stored subject keys: the master key does not belong to this store.
    case wrongMasterKey
    /// Sealed bytes are damaged, of an unknown format, or sealed for another subject.
    case cannotOpen(subject: String, reason: String)

    public var description: String {
        switch self {
        case .masterKey(let path, let reason): return "master key file \(path): \(reason)"
        case .wrongMasterKey: return "the master key does not open this store's subject keys"
        case .cannotOpen(let subject, let reason): return "cannot open personal data of \(subject): \(reason)"
        }
    }
}

/// Where the master key lives: outside the store's environment, so that a destroyed master key
/// leaves nothing in the store's files that could open an old copy of a subject key.
public protocol MasterKeyStore: Sendable {
    /// The current key and, after an interrupted rotation, the key being rotated to.
    func load() throws -> (current: SymmetricKey, pending: SymmetricKey?)
    /// Records `key` as the key being rotated to, durably, beside the current one.
    func stage(_ key: SymmetricKey) throws
    /// Makes the staged key current and destroys the old one.
    func promote() throws
}

/// A master key in a file (32 bytes, then 32 more while a rotation is staged), written to a
/// new file, synced and renamed over the old one. Keep it outside the store's directory.
public struct FileMasterKeyStore: MasterKeyStore {
    /// The file.
    public let path: String

    /// Uses the key in `path`, creating a random one when the file does not exist.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            try write(SymmetricKey(size: .bits256).bytes)
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary)
        else { throw KeyVaultError.masterKey(path: path, reason: "cannot write") }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw KeyVaultError.masterKey(path: path, reason: "cannot rename: errno \(errno)") }
    }

    public func load() throws -> (current: SymmetricKey, pending: SymmetricKey?) {
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 || data.count == 64 else {
            throw KeyVaultError.masterKey(path: path, reason: "missing or not 32/64 bytes")
        }
        let bytes = [UInt8](data)
        return (SymmetricKey(data: bytes[0..<32]), bytes.count == 64 ? SymmetricKey(data: bytes[32..<64]) : nil)
    }

    public func stage(_ key: SymmetricKey) throws {
        try write(try load().current.bytes + key.bytes)
    }

    public func promote() throws {
        guard let pending = try load().pending else { return }
        try write(pending.bytes)
    }
}

extension SymmetricKey {
    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// Per-subject keys for crypto-shredding (AES-GCM, 256 bits), kept in the named database
/// `subject-keys` of the store's environment, each wrapped with the master key.
///
/// Personal data is sealed with the subject's key before it is appended (give the vault to
/// `CommandHandler` as its protector). ``forget(_:)`` deletes the subject's key and re-wraps
/// every other key under a new master key, then destroys the old master key: the subject key's
/// bytes never reach the environment's files in the clear, and any stale wrapped copy LMDB may
/// keep in a free page can no longer be unwrapped.
public final class KeyVault: PersonalDataProtector, Sendable {
    /// The state store whose environment holds the keys (for an LMDB log, its own environment).
    public let stateStore: StateStore
    private let masterKeys: any MasterKeyStore
    private let database: Database
    /// The master key's and the opened subject keys' bytes.
    private let state: Mutex<(master: [UInt8], keys: [DataSubject: [UInt8]])>
    /// Batches the key creations of concurrent commands.
    private let creation = KeyCreationQueue()
    /// Held while the master key can change under a reader or writer of wrapped keys: by
    /// ``forget(_:)`` from before it reads the old master until the new one is in `state`, by
    /// key creation around its write, and by an uncached key read around its read and unwrap.
    /// Without it a key created just after `forget` committed could be wrapped with the master
    /// `forget` destroys, and a read could unwrap a re-wrapped key with the old master.
    private let masterLock = NSLock()
    static let databaseName = "subject-keys"
    /// The first byte of every sealed value: the format (AES-GCM, 12-byte nonce, 16-byte tag).
    static let formatVersion: UInt8 = 1

    /// Opens the vault kept in `state`, finishing a master-key rotation a crash interrupted.
    public init(state: StateStore, masterKeys: any MasterKeyStore) throws {
        self.stateStore = state
        self.masterKeys = masterKeys
        let database = try state.environment.openDatabase(named: Self.databaseName, create: !state.isReadOnly)
        self.database = database
        let (current, pending) = try masterKeys.load()
        let sample = try state.environment.read { txn -> ([UInt8], [UInt8])? in
            try txn.withCursor(on: database) { cursor in try cursor.first().map { (Array($0.key), Array($0.value)) } }
        }
        var master = current
        if let (subject, wrapped) = sample, Self.unwrap(wrapped, subject: subject, with: current) == nil {
            guard let pending, Self.unwrap(wrapped, subject: subject, with: pending) != nil else { throw KeyVaultError.wrongMasterKey }
            try masterKeys.promote()
            master = pending
        } else if pending != nil {
            try masterKeys.promote()
        }
        self.state = Mutex((master.bytes, [:]))
    }

    private static func subjectBytes(_ subject: DataSubject) -> [UInt8] { Array(subject.description.utf8) }

    private static func unwrap(_ wrapped: [UInt8], subject: [UInt8], with master: SymmetricKey) -> SymmetricKey? {
        guard let box = try? AES.GCM.SealedBox(combined: wrapped),
              let key = try? AES.GCM.open(box, using: master, authenticating: subject) else { return nil }
        return SymmetricKey(data: key)
    }

    private static func wrap(_ key: SymmetricKey, subject: [UInt8], with master: SymmetricKey) throws -> [UInt8] {
        Array(try AES.GCM.seal(key.bytes, using: master, authenticating: subject).combined!)
    }

    /// The subject's key, or `nil` when it has none (never had, or forgotten).
    func key(for subject: DataSubject) throws -> SymmetricKey? {
        if let key = state.withLock({ $0.keys[subject] }) { return SymmetricKey(data: key) }
        let name = Self.subjectBytes(subject)
        let database = database
        masterLock.lock()
        defer { masterLock.unlock() }
        guard let wrapped = try stateStore.environment.read({ txn in try txn.value(in: database, key: name) }) else { return nil }
        let master = SymmetricKey(data: state.withLock { $0.master })
        guard let key = Self.unwrap(wrapped, subject: name, with: master) else { throw KeyVaultError.wrongMasterKey }
        let bytes = key.bytes
        state.withLock { $0.keys[subject] = bytes }
        return key
    }

    /// The subject's key, created and stored durably on first use.
    private func keyCreating(for subject: DataSubject) throws -> SymmetricKey {
        if let key = try key(for: subject) { return key }
        // Another thread may create it meanwhile: the write keeps whichever was stored first.
        try storeNewKeys(for: [subject])
        guard let key = try key(for: subject) else { throw KeyVaultError.wrongMasterKey }
        return key
    }

    /// Creates the keys of `subjects` that have none, together with those of every concurrent
    /// caller, in one durable write on the vault's own writer thread: concurrent commands wait
    /// for one sync instead of one each, and no task blocks in ``seal(_:for:)``.
    public func prepareKeys(for subjects: Set<DataSubject>) async throws {
        var missing: Set<DataSubject> = []
        for subject in subjects where try key(for: subject) == nil { missing.insert(subject) }
        guard !missing.isEmpty else { return }
        try await creation.create(missing) { [self] batch in try self.storeNewKeys(for: batch) }
    }

    /// Stores a new key for each subject without one, in one write transaction, and caches them.
    private func storeNewKeys(for subjects: Set<DataSubject>) throws {
        let database = database
        let fresh = subjects.map { ($0, Self.subjectBytes($0), SymmetricKey(size: .bits256)) }
        masterLock.lock()
        defer { masterLock.unlock() }
        let stored = try stateStore.environment.write { txn -> [(DataSubject, [UInt8])] in
            let master = SymmetricKey(data: state.withLock { $0.master })
            return try fresh.map { subject, name, key in
                if let existing = try txn.value(in: database, key: name) {
                    guard let old = Self.unwrap(existing, subject: name, with: master) else { throw KeyVaultError.wrongMasterKey }
                    return (subject, old.bytes)
                }
                try txn.put(in: database, key: name, value: try Self.wrap(key, subject: name, with: master))
                return (subject, key.bytes)
            }
        }
        state.withLock { state in for (subject, bytes) in stored { state.keys[subject] = bytes } }
    }

    public func seal(_ text: String, for subject: DataSubject) throws -> [UInt8] {
        let key = try keyCreating(for: subject)
        let box = try AES.GCM.seal(Array(text.utf8), using: key, authenticating: Self.subjectBytes(subject))
        return [Self.formatVersion] + Array(box.combined!)
    }

    public func open(_ sealed: [UInt8], for subject: DataSubject) throws -> String? {
        guard sealed.first == Self.formatVersion else {
            throw KeyVaultError.cannotOpen(subject: subject.description, reason: "unknown sealed format")
        }
        guard let key = try key(for: subject) else { return nil }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            let plain = try AES.GCM.open(box, using: key, authenticating: Self.subjectBytes(subject))
            guard let text = String(validating: plain, as: UTF8.self) else {
                throw KeyVaultError.cannotOpen(subject: subject.description, reason: "not UTF-8")
            }
            return text
        } catch let error as KeyVaultError {
            throw error
        } catch {
            throw KeyVaultError.cannotOpen(subject: subject.description, reason: "\(error)")
        }
    }

    /// Whether `subject` has a key (personal data that can still be opened).
    public func hasKey(for subject: DataSubject) throws -> Bool { try key(for: subject) != nil }

    /// Destroys the subject's key: deletes it, re-wraps every other key under a new master key
    /// in the same transaction, and destroys the old master key. Afterwards the subject's sealed
    /// data opens as `PersonalText.erased`.
    ///
    /// - Returns: whether the subject had a key.
    @discardableResult
    public func forget(_ subject: DataSubject) throws -> Bool {
        let name = Self.subjectBytes(subject)
        let newMaster = SymmetricKey(size: .bits256)
        masterLock.lock()
        defer { masterLock.unlock() }
        try masterKeys.stage(newMaster)
        let database = database
        let oldMaster = SymmetricKey(data: state.withLock { $0.master })
        let existed = try stateStore.environment.write { txn -> Bool in
            let entries = try txn.entries(in: database)
            try txn.clear(database)
            var existed = false
            for (key, wrapped) in entries {
                if key == name {
                    existed = true
                    continue
                }
                guard let subjectKey = Self.unwrap(wrapped, subject: key, with: oldMaster) else { throw KeyVaultError.wrongMasterKey }
                try txn.put(in: database, key: key, value: try Self.wrap(subjectKey, subject: key, with: newMaster))
            }
            return existed
        }
        try masterKeys.promote()
        let newBytes = newMaster.bytes
        state.withLock { state in
            state.master = newBytes
            state.keys[subject] = nil
        }
        return existed
    }

    /// The subject key's raw bytes (tests search the store's files for them).
    func keyBytes(for subject: DataSubject) throws -> [UInt8]? { try key(for: subject)?.bytes }
}

/// Group commit for new subject keys: callers queue the subjects they need; a writer on a
/// dispatch queue of its own (not the cooperative thread pool) writes everything queued so far
/// in one transaction and resumes every caller of that batch.
final class KeyCreationQueue: Sendable {
    private typealias Waiter = (subjects: Set<DataSubject>, continuation: CheckedContinuation<Void, any Error>)
    private let state = Mutex<(pending: [Waiter], writing: Bool)>(([], false))
    private let queue = DispatchQueue(label: "crmkit.keyvault.writer")

    /// Creates the keys of `subjects` with `write`, batched with concurrent callers.
    func create(_ subjects: Set<DataSubject>, write: @escaping @Sendable (Set<DataSubject>) throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { state -> Bool in
                state.pending.append((subjects, continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if start { queue.async { self.drain(write) } }
        }
    }

    private func drain(_ write: @Sendable (Set<DataSubject>) throws -> Void) {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try write(batch.reduce(into: Set<DataSubject>()) { $0.formUnion($1.subjects) })
                for waiter in batch { waiter.continuation.resume() }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
