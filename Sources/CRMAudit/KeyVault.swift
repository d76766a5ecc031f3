import CRMDomain
import Crypto
import CRMEventLog
import CRMProjections
import Foundation
import CRMLMDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why key management failed.
public enum KeyVaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The master key file is missing, unreadable or malformed.
    case masterKey(path: String, reason: String)
    /// No master key opens the stored subject keys: the master key does not belong to this store.
    case wrongMasterKey
    /// Sealed bytes are damaged, of an unknown format, or sealed for another subject.
    case cannotOpen(subject: String, reason: String)
    /// The subject-key file (or its lock file) cannot be read, written or synced, or is not one.
    case keyFile(path: String, reason: String)
    /// `forget` of a subject that never had a key: nothing was appended and no key was touched.
    case unknownSubject(String)
    /// `forget` of a subject whose key was already destroyed.
    case alreadyForgotten(String)
    /// The subject was forgotten: no new key is made for it, so nothing new can be sealed for it.
    case subjectForgotten(String)
    /// The vault was opened on a read-only state store and cannot store keys.
    case readOnly

    /// The message naming the file, subject or reason.
    public var description: String {
        switch self {
        case .masterKey(let path, let reason): return "master key file \(path): \(reason)"
        case .wrongMasterKey: return "the master key does not open this store's subject keys"
        case .cannotOpen(let subject, let reason): return "cannot open personal data of \(subject): \(reason)"
        case .keyFile(let path, let reason): return "subject-key file \(path): \(reason)"
        case .unknownSubject(let subject): return "unknown subject \(subject): it has no key in this store (nothing of it was sealed), so nothing was forgotten"
        case .alreadyForgotten(let subject): return "\(subject) was already forgotten: its key is destroyed"
        case .subjectForgotten(let subject): return "\(subject) was forgotten: no personal data can be sealed for it any more"
        case .readOnly: return "the key vault is read-only: no subject key can be stored or destroyed"
        }
    }
}

/// Where the master key lives: outside the store's environment, so that a destroyed master key
/// leaves nothing in the store's files that could open an old copy of a subject key.
///
/// Since the subject-key file, the master key changes only once per store: when a store whose
/// keys were kept in its LMDB environment is migrated (see docs/data-protection.md).
public protocol MasterKeyStore: Sendable {
    /// The current key and, after an interrupted rotation, the key being rotated to.
    func load() throws -> (current: SymmetricKey, pending: SymmetricKey?)
    /// Records `key` as the key being rotated to, durably, beside the current one.
    func stage(_ key: SymmetricKey) throws
    /// Makes the staged key current and destroys the old one.
    func promote() throws
}

/// A master key in a file (32 bytes, then 32 more while a rotation is staged). Keep it outside
/// the store's directory.
///
/// A new file is created with mode 0600 from its first byte (written to a unique temporary name,
/// synced, then linked to `path` only if nothing is there, and the directory synced). A change
/// (only ever during a migration) writes a unique temporary file beside the target, syncs it,
/// renames it over the target and syncs the directory. A symbolic link at `path` is followed:
/// the file it points to is written, the link stays.
public struct FileMasterKeyStore: MasterKeyStore {
    /// The file, as given.
    public let path: String
    let recorder: DurabilityRecorder?

    /// Uses the key in `path`, creating a random one (mode 0600) when nothing is there.
    public init(path: String) throws {
        try self.init(path: path, recorder: nil)
    }

    init(path: String, recorder: DurabilityRecorder?) throws {
        self.path = path
        self.recorder = recorder
        var info = stat()
        // `stat` follows a symbolic link: a dangling one gets its key created at its target.
        if stat(path, &info) != 0 {
            guard errno == ENOENT else { throw KeyVaultError.masterKey(path: path, reason: FileOps.reason("cannot stat")) }
            try create(SymmetricKey(size: .bits256).bytes)
        }
    }

    /// The file written: the target of a symbolic link, else `path`.
    var target: String {
        var resolved = path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(resolved, &buffer, buffer.count - 1)
            guard n > 0 else { break }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            resolved = link.hasPrefix("/") ? link : ((resolved as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
        }
        return resolved
    }

    private func temporaryName(for target: String) -> String {
        "\(target).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
    }

    private func writeTemporary(_ bytes: [UInt8], at temporary: String) throws {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyVaultError.masterKey(path: path, reason: FileOps.reason("cannot create \(temporary)")) }
        defer { close(fd) }
        do {
            try FileOps.writeAll(fd, bytes, at: 0, path: temporary)
        } catch {
            unlink(temporary)
            throw KeyVaultError.masterKey(path: path, reason: "cannot write \(temporary)")
        }
        recorder?.record(.write(temporary))
        guard fsync(fd) == 0 else {
            unlink(temporary)
            throw KeyVaultError.masterKey(path: path, reason: FileOps.reason("cannot sync \(temporary)"))
        }
        recorder?.record(.sync(temporary))
    }

    /// Creates the file without ever replacing one another process made meanwhile.
    private func create(_ bytes: [UInt8]) throws {
        let target = target
        let temporary = temporaryName(for: target)
        try writeTemporary(bytes, at: temporary)
        crashPoint("masterkey.create.beforeLink")
        let linked = link(temporary, target)
        let linkError = errno
        unlink(temporary)
        if linked != 0 {
            guard linkError == EEXIST else {
                errno = linkError
                throw KeyVaultError.masterKey(path: path, reason: FileOps.reason("cannot create"))
            }
            return
        }
        recorder?.record(.link(temporary, target))
        do { try FileOps.syncDirectory(of: target, recorder: recorder) } catch { throw KeyVaultError.masterKey(path: path, reason: "\(error)") }
        crashPoint("masterkey.create.afterSync")
    }

    private func replace(with bytes: [UInt8]) throws {
        let target = target
        let temporary = temporaryName(for: target)
        try writeTemporary(bytes, at: temporary)
        crashPoint("masterkey.replace.beforeRename")
        guard rename(temporary, target) == 0 else {
            let reason = FileOps.reason("cannot rename \(temporary)")
            unlink(temporary)
            throw KeyVaultError.masterKey(path: path, reason: reason)
        }
        recorder?.record(.rename(temporary, target))
        crashPoint("masterkey.replace.beforeDirectorySync")
        do { try FileOps.syncDirectory(of: target, recorder: recorder) } catch { throw KeyVaultError.masterKey(path: path, reason: "\(error)") }
    }

    /// The current key and a staged one.
    public func load() throws -> (current: SymmetricKey, pending: SymmetricKey?) {
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 || data.count == 64 else {
            throw KeyVaultError.masterKey(path: path, reason: "missing or not 32/64 bytes")
        }
        let bytes = [UInt8](data)
        return (SymmetricKey(data: bytes[0..<32]), bytes.count == 64 ? SymmetricKey(data: bytes[32..<64]) : nil)
    }

    /// Writes the current key followed by `key`.
    public func stage(_ key: SymmetricKey) throws {
        try replace(with: try load().current.bytes + key.bytes)
    }

    /// Writes the staged key alone.
    public func promote() throws {
        guard let pending = try load().pending else { return }
        try replace(with: pending.bytes)
    }
}

extension SymmetricKey {
    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// Per-subject keys for crypto-shredding (AES-GCM, 256 bits), each wrapped with the master key
/// in a fixed slot of the subject-key file `subject-keys` of the state store's directory.
///
/// Personal data is sealed with the subject's key before it is appended (give the vault to
/// `CommandHandler` as its protector). Keys are only appended to the file (under a file lock,
/// synced before any event sealed with them is appended), so no crash, second process or power
/// loss can take a key a subject's data needs. Forgetting a subject
/// (``DataProtection/forget(_:vault:handler:context:)``) marks its slot, appends the erasure
/// event, then overwrites the slot's wrapped key with zeros in place and syncs: no master-key
/// rotation, no copy in LMDB free pages. See docs/data-protection.md for the design, the
/// migration of stores that kept their keys in the LMDB database `subject-keys`, and the
/// threat model.
public final class KeyVault: PersonalDataProtector, Sendable {
    /// The state store whose directory holds the subject-key file; `nil` for a vault whose keys
    /// live in another ``SubjectKeyStore`` (see ``init(keys:named:masterKeys:)``).
    public let stateStore: StateStore?
    /// The subject-key file, or for another ``SubjectKeyStore`` the name it was opened with.
    public let keyFilePath: String
    let keys: any SubjectKeyStore
    /// The subject-key file when the keys are in one (`nil` for another store).
    let keyFile: SubjectKeyFile?
    private let masterKeys: any MasterKeyStore
    /// A read-only vault of a store not yet migrated: its keys as found in the LMDB database.
    private let legacy: [String: SubjectKeyEntry]
    /// The master key's and the opened subject keys' bytes.
    private let state: Mutex<(master: [UInt8], keys: [DataSubject: [UInt8]])>
    /// Batches the key creations of concurrent commands.
    private let creation = KeyCreationQueue()
    static let legacyDatabaseName = "subject-keys"
    /// The first byte of every sealed value: the format (AES-GCM, 12-byte nonce, 16-byte tag).
    static let formatVersion: UInt8 = 1
    static let checkLabel = Array("crmkit subject-key file v1".utf8)

    /// The subject-key file of a state store.
    public static func keyFilePath(of state: StateStore) -> String {
        (state.environment.path as NSString).appendingPathComponent("subject-keys")
    }

    /// Opens the vault of `state`: creates its subject-key file on first use, migrates keys an
    /// older version kept in the LMDB database `subject-keys` (one crash-safe master-key
    /// rotation), and finishes such a migration a crash interrupted.
    ///
    /// - Throws: ``KeyVaultError/wrongMasterKey`` when neither the current nor a staged master
    ///   key opens the store's keys (nothing is changed then), ``KeyVaultError/masterKey(path:reason:)``
    ///   and ``KeyVaultError/keyFile(path:reason:)`` for file errors.
    public convenience init(state: StateStore, masterKeys: any MasterKeyStore) throws {
        try self.init(state: state, masterKeys: masterKeys, recorder: nil)
    }

    /// Opens a vault whose wrapped keys live in `keys` — e.g. the subject-key table of a
    /// PostgreSQL log, shared by every instance of a deployment — with the master key of
    /// `masterKeys`, which never enters `keys`. The first vault to open `keys` records the check
    /// value of its master key; every later one must hold the same key.
    ///
    /// - Parameters:
    ///   - keys: where the wrapped keys are stored.
    ///   - name: how messages name the key store (e.g. the log's location without password).
    ///   - masterKeys: the master key the keys are wrapped with.
    /// - Throws: ``KeyVaultError/wrongMasterKey`` when neither the current nor a staged master
    ///   key opens the recorded check value (nothing is changed then).
    public init(keys: any SubjectKeyStore, named name: String, masterKeys: any MasterKeyStore) throws {
        stateStore = nil
        keyFilePath = name
        self.keys = keys
        keyFile = nil
        self.masterKeys = masterKeys
        legacy = [:]
        let (current, pending) = try masterKeys.load()
        let check = try keys.masterCheck() ?? keys.recordMasterCheck(try Self.check(for: current))
        guard let (master, isPending) = Self.choose(check: check, current: current, pending: pending) else { throw KeyVaultError.wrongMasterKey }
        // A rotation that re-wrapped the keys but was cut off before promoting its master key.
        if isPending { try masterKeys.promote() }
        state = Mutex((master.bytes, [:]))
    }

    init(state: StateStore, masterKeys: any MasterKeyStore, recorder: DurabilityRecorder?) throws {
        stateStore = state
        self.masterKeys = masterKeys
        keyFilePath = Self.keyFilePath(of: state)
        let keys = SubjectKeyFile(path: keyFilePath, readOnly: state.isReadOnly, recorder: recorder)
        self.keys = keys
        keyFile = keys
        let master: SymmetricKey
        var legacy: [String: SubjectKeyEntry] = [:]
        if state.isReadOnly {
            (master, legacy) = try Self.openReadOnly(state: state, keys: keys, masterKeys: masterKeys)
        } else {
            master = try keys.withLock { try Self.openWritable(state: state, keys: keys, masterKeys: masterKeys, recorder: recorder) }
        }
        self.legacy = legacy
        self.state = Mutex((master.bytes, [:]))
    }

    static func check(for master: SymmetricKey) throws -> [UInt8] {
        Array(try AES.GCM.seal([UInt8](repeating: 0, count: 32), using: master, authenticating: checkLabel).combined!)
    }

    static func opens(check: [UInt8], with master: SymmetricKey) -> Bool {
        guard let box = try? AES.GCM.SealedBox(combined: check) else { return false }
        return (try? AES.GCM.open(box, using: master, authenticating: checkLabel)) != nil
    }

    /// The master key among `current` and `pending` that opens the check value.
    static func choose(check: [UInt8], current: SymmetricKey, pending: SymmetricKey?) -> (SymmetricKey, isPending: Bool)? {
        if opens(check: check, with: current) { return (current, false) }
        if let pending, opens(check: check, with: pending) { return (pending, true) }
        return nil
    }

    private static func legacyEntries(_ state: StateStore) throws -> [(key: [UInt8], value: [UInt8])] {
        guard let database = try? state.environment.openDatabase(named: legacyDatabaseName, create: false) else { return [] }
        return try state.environment.read { txn in try txn.entries(in: database) }
    }

    /// The master key among `current` and `pending` that unwraps every legacy key.
    private static func legacyMaster(_ entries: [(key: [UInt8], value: [UInt8])], current: SymmetricKey, pending: SymmetricKey?) throws -> SymmetricKey {
        for candidate in [current, pending].compactMap({ $0 }) where entries.allSatisfy({ unwrap($0.value, subject: $0.key, with: candidate) != nil }) {
            return candidate
        }
        throw KeyVaultError.wrongMasterKey
    }

    /// Read-only: the key file's master key, or for a store not yet migrated the master key and
    /// keys of its LMDB database (read as they are; nothing is migrated).
    private static func openReadOnly(state: StateStore, keys: SubjectKeyFile, masterKeys: any MasterKeyStore) throws
        -> (SymmetricKey, [String: SubjectKeyEntry]) {
        let (current, pending) = try masterKeys.load()
        if let check = try keys.masterCheck() {
            guard let (master, _) = choose(check: check, current: current, pending: pending) else { throw KeyVaultError.wrongMasterKey }
            return (master, [:])
        }
        let legacy = try legacyEntries(state)
        guard !legacy.isEmpty else { return (current, [:]) }
        let master = try legacyMaster(legacy, current: current, pending: pending)
        var entries: [String: SubjectKeyEntry] = [:]
        for (name, wrapped) in legacy { entries[String(decoding: name, as: UTF8.self)] = .live(wrapped: wrapped) }
        return (master, entries)
    }

    /// Under the key-file lock: opens, creates or migrates (see docs/data-protection.md).
    private static func openWritable(state: StateStore, keys: SubjectKeyFile, masterKeys: any MasterKeyStore,
                                     recorder: DurabilityRecorder?) throws -> SymmetricKey {
        let (current, pending) = try masterKeys.load()
        if let check = try keys.masterCheck() {
            guard let (master, isPending) = choose(check: check, current: current, pending: pending) else { throw KeyVaultError.wrongMasterKey }
            if isPending {
                // A migration renamed the new file in place but did not promote its master key.
                crashPoint("migrate.beforePromote")
                try masterKeys.promote()
            }
            try dropLegacy(state)
            return master
        }
        let temporary = keys.path + ".migrating"
        unlink(temporary)
        let legacy = try legacyEntries(state)
        if legacy.isEmpty {
            try keys.create(check: try check(for: current))
            return current
        }
        // Migration: re-wrap every legacy key under a new master key in a new file, stage the new
        // master, rename the file in place, promote, and only then drop the legacy database.
        let old = try legacyMaster(legacy, current: current, pending: pending)
        let new = SymmetricKey(size: .bits256)
        var entries: [(subject: String, entry: SubjectKeyEntry)] = []
        for (name, wrapped) in legacy {
            guard let key = unwrap(wrapped, subject: name, with: old), let subject = String(validating: name, as: UTF8.self) else {
                throw KeyVaultError.wrongMasterKey
            }
            entries.append((subject, .live(wrapped: try wrap(key, subject: name, with: new))))
        }
        try SubjectKeyFile.writeNew(path: temporary, check: try check(for: new), keys: entries, recorder: recorder)
        crashPoint("migrate.beforeStage")
        if old.bytes != current.bytes { try masterKeys.promote() }
        try masterKeys.stage(new)
        crashPoint("migrate.beforeRename")
        guard rename(temporary, keys.path) == 0 else { throw KeyVaultError.keyFile(path: keys.path, reason: FileOps.reason("cannot rename \(temporary)")) }
        recorder?.record(.rename(temporary, keys.path))
        try FileOps.syncDirectory(of: keys.path, recorder: recorder)
        crashPoint("migrate.beforePromote")
        try masterKeys.promote()
        crashPoint("migrate.beforeDrop")
        try dropLegacy(state)
        return new
    }

    /// Empties the legacy database (its pages hold keys wrapped with a destroyed master key).
    private static func dropLegacy(_ state: StateStore) throws {
        guard let database = try? state.environment.openDatabase(named: legacyDatabaseName, create: false) else { return }
        try state.environment.write { txn in
            if try !txn.entries(in: database).isEmpty { try txn.clear(database) }
        }
    }

    private static func subjectBytes(_ subject: DataSubject) -> [UInt8] { Array(subject.description.utf8) }

    static func unwrap(_ wrapped: [UInt8], subject: [UInt8], with master: SymmetricKey) -> SymmetricKey? {
        guard let box = try? AES.GCM.SealedBox(combined: wrapped),
              let key = try? AES.GCM.open(box, using: master, authenticating: subject) else { return nil }
        return SymmetricKey(data: key)
    }

    static func wrap(_ key: SymmetricKey, subject: [UInt8], with master: SymmetricKey) throws -> [UInt8] {
        Array(try AES.GCM.seal(key.bytes, using: master, authenticating: subject).combined!)
    }

    private var master: SymmetricKey { SymmetricKey(data: state.withLock { $0.master }) }

    /// Opens a stored entry: the key for a live or erasing one, `nil` for an erased one.
    private func open(_ entry: SubjectKeyEntry, subject: DataSubject) throws -> SymmetricKey? {
        switch entry {
        case .live(let wrapped), .erasing(let wrapped):
            guard let key = Self.unwrap(wrapped, subject: Self.subjectBytes(subject), with: master) else {
                // An erasure overwriting this slot right now; anything else is damage.
                if case .erased? = try keys.entry(for: subject.description) { return nil }
                if case .erasing = entry { return nil }
                throw KeyVaultError.cannotOpen(subject: subject.description, reason: "its wrapped key in \(keyFilePath) is damaged")
            }
            return key
        case .erased:
            return nil
        }
    }

    /// The subject's key, or `nil` when it has none (never had, or forgotten).
    func key(for subject: DataSubject) throws -> SymmetricKey? {
        if let key = state.withLock({ $0.keys[subject] }) { return SymmetricKey(data: key) }
        guard let entry = try keys.entry(for: subject.description) ?? legacy[subject.description],
              let key = try open(entry, subject: subject) else { return nil }
        if case .live = entry { state.withLock { $0.keys[subject] = key.bytes } }
        return key
    }

    /// The subject's key, created and stored durably on first use.
    private func keyCreating(for subject: DataSubject) throws -> SymmetricKey {
        if let key = try key(for: subject) { return key }
        try storeNewKeys(for: [subject])
        guard let key = try key(for: subject) else { throw KeyVaultError.subjectForgotten(subject.description) }
        return key
    }

    /// Creates the keys of `subjects` that have none, together with those of every concurrent
    /// caller, in one durable write on the vault's own writer thread: concurrent commands wait
    /// for one sync instead of one each, and no task blocks in ``seal(_:for:)``.
    ///
    /// - Throws: ``KeyVaultError/subjectForgotten(_:)`` when one of them was forgotten.
    public func prepareKeys(for subjects: Set<DataSubject>) async throws {
        var missing: Set<DataSubject> = []
        for subject in subjects where try key(for: subject) == nil { missing.insert(subject) }
        guard !missing.isEmpty else { return }
        try await creation.create(missing) { [self] batch in try self.storeNewKeys(for: batch) }
        for subject in missing where try key(for: subject) == nil { throw KeyVaultError.subjectForgotten(subject.description) }
    }

    /// Stores a new key for each subject without an entry, in one append to the key file.
    private func storeNewKeys(for subjects: Set<DataSubject>) throws {
        let master = master
        let fresh = try subjects.map { subject -> (subject: String, entry: SubjectKeyEntry) in
            (subject.description, .live(wrapped: try Self.wrap(SymmetricKey(size: .bits256), subject: Self.subjectBytes(subject), with: master)))
        }
        _ = try keys.insertIfAbsent(fresh)
    }

    /// Seals `text` with the subject's key, creating the key on first use.
    ///
    /// - Throws: ``KeyVaultError/subjectForgotten(_:)`` for a forgotten subject.
    public func seal(_ text: String, for subject: DataSubject) throws -> [UInt8] {
        let key = try keyCreating(for: subject)
        let box = try AES.GCM.seal(Array(text.utf8), using: key, authenticating: Self.subjectBytes(subject))
        return [Self.formatVersion] + Array(box.combined!)
    }

    /// Opens sealed bytes; `nil` when the subject was forgotten (or never had a key).
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
            // Erased meanwhile by another process: the cached key is stale.
            if try keys.entry(for: subject.description).map({ if case .erased = $0 { true } else { false } }) == true {
                state.withLock { _ = $0.keys.removeValue(forKey: subject) }
                return nil
            }
            throw KeyVaultError.cannotOpen(subject: subject.description, reason: "\(error)")
        }
    }

    /// Whether `subject` has a key (personal data that can still be opened).
    public func hasKey(for subject: DataSubject) throws -> Bool { try key(for: subject) != nil }

    /// First step of forgetting: marks the subject's key as being erased (durably). Its data
    /// still opens until ``finishErasure(of:)``. ``DataProtection/forget(_:vault:handler:context:)``
    /// calls it before appending the erasure event.
    ///
    /// - Throws: ``KeyVaultError/unknownSubject(_:)`` when the subject never had a key and
    ///   ``KeyVaultError/alreadyForgotten(_:)`` when its key is destroyed; nothing changes then.
    public func beginErasure(of subject: DataSubject) throws {
        switch try keys.entry(for: subject.description) {
        case nil: throw KeyVaultError.unknownSubject(subject.description)
        case .erased?: throw KeyVaultError.alreadyForgotten(subject.description)
        case .erasing?: return
        case .live?:
            crashPoint("forget.beforeMark")
            try keys.markErasing(subject.description)
            crashPoint("forget.afterMark")
        }
    }

    /// Last step of forgetting, once the erasure event is durable in the log: overwrites the
    /// subject's wrapped key with zeros in place and syncs the file.
    public func finishErasure(of subject: DataSubject) throws {
        crashPoint("forget.beforeErase")
        try keys.erase(subject.description)
        state.withLock { _ = $0.keys.removeValue(forKey: subject) }
        crashPoint("forget.afterErase")
    }

    /// Destroys the key of every subject marked as being erased whose erasure event is in `log`
    /// (a `forget` killed after appending it). A marked subject without the event keeps its key:
    /// its `forget` did not happen; running it again completes it.
    ///
    /// - Returns: the subjects whose keys were destroyed.
    @discardableResult
    public func completeErasures(recordedIn log: any EventLogStore) throws -> [String] {
        var done: [String] = []
        for (subject, entry) in try keys.entries() {
            guard case .erasing = entry, try Self.erasureRecorded(of: subject, in: log) else { continue }
            try keys.erase(subject)
            done.append(subject)
        }
        if !done.isEmpty { state.withLock { $0.keys = $0.keys.filter { !done.contains($0.key.description) } } }
        return done
    }

    /// Whether the stream of `subject` holds a `PersonalDataErased` event.
    static func erasureRecorded(of subject: String, in log: any EventLogStore) throws -> Bool {
        var found = false
        try log.scan(.stream(subject), from: nil, direction: .backward, limit: nil, through: nil) { view in
            if !found, view.decoded().type == PersonalDataErased.eventType { found = true }
        }
        return found
    }

    /// The subject keys of this vault in their stored (wrapped) form, and the state of each.
    public func entries() throws -> [(subject: String, entry: SubjectKeyEntry)] { try keys.entries() }

    /// Writes a copy of the subject-key file (keys wrapped with this store's master key, never
    /// in the clear) to the new file `path`, mode 0600, synced: what an export or a backup
    /// carries so that the copy's sealed values open.
    public func exportKeys(to path: String) throws {
        let check = try keys.masterCheck() ?? Self.check(for: master)
        let entries = try keys.entries()
        let temporary = path + ".\(getpid()).tmp"
        try SubjectKeyFile.writeNew(path: temporary, check: check, keys: entries, recorder: keyFile?.recorder)
        guard rename(temporary, path) == 0 else {
            let reason = FileOps.reason("cannot rename \(temporary)")
            unlink(temporary)
            throw KeyVaultError.keyFile(path: path, reason: reason)
        }
        try FileOps.syncDirectory(of: path, recorder: keyFile?.recorder)
    }

    /// Adds the keys of an exported subject-key file (see ``exportKeys(to:)``) that this vault
    /// lacks, re-wrapped with this vault's master key; erased subjects stay erased. The source
    /// file's keys are opened with `sourceMasterKeys` (default: this vault's own master key).
    ///
    /// - Returns: the number of subjects added.
    /// - Throws: ``KeyVaultError/wrongMasterKey`` when the source master key does not open the
    ///   file (nothing is added then).
    @discardableResult
    public func importKeys(from path: String, sourceMasterKeys: (any MasterKeyStore)? = nil) throws -> Int {
        let source = SubjectKeyFile(path: path, readOnly: true)
        guard let check = try source.masterCheck() else { throw KeyVaultError.keyFile(path: path, reason: "missing or empty") }
        let sourceMaster: SymmetricKey
        if let sourceMasterKeys {
            let (current, pending) = try sourceMasterKeys.load()
            guard let (chosen, _) = Self.choose(check: check, current: current, pending: pending) else { throw KeyVaultError.wrongMasterKey }
            sourceMaster = chosen
        } else {
            guard Self.opens(check: check, with: master) else { throw KeyVaultError.wrongMasterKey }
            sourceMaster = master
        }
        let master = master
        var adding: [(subject: String, entry: SubjectKeyEntry)] = []
        for (subject, entry) in try source.entries() {
            let name = Array(subject.utf8)
            switch entry {
            case .live(let wrapped), .erasing(let wrapped):
                guard let key = Self.unwrap(wrapped, subject: name, with: sourceMaster) else {
                    throw KeyVaultError.keyFile(path: path, reason: "the key of \(subject) is damaged")
                }
                adding.append((subject, .live(wrapped: try Self.wrap(key, subject: name, with: master))))
            case .erased:
                adding.append((subject, .erased))
            }
        }
        let before = Set(try keys.entries().map(\.subject))
        _ = try keys.insertIfAbsent(adding)
        return Set(adding.map(\.subject)).subtracting(before).count
    }

    /// Destroys the keys of `subjects` (erasures recorded in a newer copy of the store, re-applied
    /// to a restored backup). Subjects without a key get an erased entry, so none is ever made.
    public func applyErasures(_ subjects: [DataSubject]) throws {
        let names = subjects.map(\.description)
        _ = try keys.insertIfAbsent(names.map { ($0, .erased) })
        for name in names { try keys.erase(name) }
        state.withLock { $0.keys = $0.keys.filter { !names.contains($0.key.description) } }
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
