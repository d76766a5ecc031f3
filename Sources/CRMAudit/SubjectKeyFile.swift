import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one subject's key in a ``SubjectKeyStore``.
public enum SubjectKeyEntry: Sendable, Hashable {
    /// The subject's key, wrapped (AES-GCM) with the master key; its data opens.
    case live(wrapped: [UInt8])
    /// A `forget` has started: the key still opens the data until the erasure event is in the
    /// log, after which the next `forget` or ``KeyVault/completeErasures(recordedIn:)`` destroys it.
    case erasing(wrapped: [UInt8])
    /// The key was destroyed (its bytes overwritten with zeros); only the subject's name is left,
    /// so that no new key is ever made for it.
    case erased
}

/// Where a ``KeyVault`` keeps the wrapped subject keys. A second implementation (e.g. a table
/// of a PostgreSQL database) must give the same guarantees: a stored entry is durable when the
/// call returns, ``insertIfAbsent(_:)`` is atomic across processes (the first stored key for a
/// subject wins), and ``erase(_:)`` leaves no copy of the wrapped key in the store's files.
public protocol SubjectKeyStore: Sendable {
    /// The master-key check value recorded when the store was created, or `nil` before.
    func masterCheck() throws -> [UInt8]?
    /// Records `check` as the master-key check value unless one is recorded (atomically with
    /// respect to other processes, durably), and returns the recorded one.
    func recordMasterCheck(_ check: [UInt8]) throws -> [UInt8]
    /// The entry of `subject` (its stream name), or `nil` when it never had a key.
    func entry(for subject: String) throws -> SubjectKeyEntry?
    /// Every subject with an entry, in the order they were stored.
    func entries() throws -> [(subject: String, entry: SubjectKeyEntry)]
    /// Stores each entry whose subject has none yet, durably and atomically with respect to
    /// other processes, and returns the entry each subject has afterwards.
    func insertIfAbsent(_ keys: [(subject: String, entry: SubjectKeyEntry)]) throws -> [String: SubjectKeyEntry]
    /// Marks a live key as being erased (durably).
    func markErasing(_ subject: String) throws
    /// Destroys the subject's key in place (durably); the entry becomes ``SubjectKeyEntry/erased``.
    func erase(_ subject: String) throws
}

/// A file-system operation of the key store, recorded in order by a test seam.
enum DurableStep: Sendable, Hashable {
    case write(String), sync(String), syncDirectory(String), rename(String, String), link(String, String)
}

/// Records the durable steps of file operations (tests assert their order).
final class DurabilityRecorder: Sendable {
    let steps = Mutex<[DurableStep]>([])
    func record(_ step: DurableStep) { steps.withLock { $0.append(step) } }
}

/// Crash points of the key store, for fault-injection trials in a child process.
@_spi(CRMKitTesting)
public enum KeyStoreFaults {
    /// Called at each named step of key creation, `forget`, migration and master-key writes; a
    /// trial installs a hook that kills the process at the step it names.
    public static let hook = Mutex<(@Sendable (String) -> Void)?>(nil)
}

/// Calls the installed crash hook (tests only).
func crashPoint(_ name: String) {
    if let hook = KeyStoreFaults.hook.withLock({ $0 }) { hook(name) }
}

/// POSIX helpers with errno in their errors.
enum FileOps {
    static func reason(_ what: String) -> String { "\(what): \(String(cString: strerror(errno))) (errno \(errno))" }

    static func syncDirectory(of path: String, recorder: DurabilityRecorder?) throws(KeyVaultError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let fd = open(dir, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw KeyVaultError.keyFile(path: dir, reason: reason("cannot open the directory to sync it")) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw KeyVaultError.keyFile(path: dir, reason: reason("cannot sync the directory")) }
        recorder?.record(.syncDirectory(dir))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(KeyVaultError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KeyVaultError.keyFile(path: path, reason: reason("cannot write"))
            }
            done += n
        }
    }

    static func readAll(_ fd: Int32, count: Int, at offset: Int, path: String) throws(KeyVaultError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KeyVaultError.keyFile(path: path, reason: reason("cannot read"))
            }
            if n == 0 { break }
            done += n
        }
        return Array(buffer[0..<done])
    }

    static func size(_ fd: Int32, path: String) throws(KeyVaultError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw KeyVaultError.keyFile(path: path, reason: reason("cannot stat")) }
        return Int(info.st_size)
    }
}

/// Which slots of a subject-key file hold which subject, for the slots read so far.
struct SlotIndex {
    /// The file's device and inode.
    var file: [UInt64] = []
    /// Every slot before this one parsed and is indexed.
    var settled = 0
    /// The slots of each subject.
    var slots: [String: Set<Int>] = [:]
}

/// The subject keys in fixed 256-byte slots of one file (`subject-keys` in the state
/// directory), after a 256-byte header; see docs/data-protection.md for the layout.
///
/// Slots are only appended (under an exclusive `flock` of `subject-keys.lock`, file synced
/// before the call returns) and changed in place only by `markErasing` (one byte) and `erase`
/// (state byte and wrapped key overwritten with zeros, then synced). Reads take no lock: a slot
/// is written completely before any event sealed with its key is appended, so a reader that can
/// see such an event can see the slot.
final class SubjectKeyFile: SubjectKeyStore, @unchecked Sendable {
    static let headerSize = 256
    static let slotSize = 256
    static let magic: [UInt8] = Array("CRMSKEY1".utf8)
    static let maxNameLength = 190
    static let wrappedLength = 60
    enum SlotState: UInt8 { case empty = 0, live = 1, erasing = 2, erased = 3 }

    let path: String
    var lockPath: String { path + ".lock" }
    let readOnly: Bool
    let recorder: DurabilityRecorder?
    /// Serializes this process's threads around the `flock` (which excludes other processes).
    private let processLock = NSLock()
    /// Where each subject's slots are, for the file read so far (see ``SlotIndex``).
    private let index = Mutex(SlotIndex())

    init(path: String, readOnly: Bool, recorder: DurabilityRecorder? = nil) {
        self.path = path
        self.readOnly = readOnly
        self.recorder = recorder
    }

    var exists: Bool { access(path, F_OK) == 0 }

    /// Runs `body` holding the cross-process exclusive lock.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        processLock.lock()
        defer { processLock.unlock() }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyVaultError.keyFile(path: lockPath, reason: FileOps.reason("cannot open the lock file")) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw KeyVaultError.keyFile(path: lockPath, reason: FileOps.reason("cannot lock")) }
        }
        return try body()
    }

    private func openFile(writable: Bool) throws -> Int32? {
        let fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot open"))
        }
        return fd
    }

    /// The header with the master-key check value, for a new file.
    static func header(check: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes += withUnsafeBytes(of: UInt32(1).littleEndian) { Array($0) }
        bytes += withUnsafeBytes(of: UInt32(slotSize).littleEndian) { Array($0) }
        bytes += withUnsafeBytes(of: UInt16(check.count).littleEndian) { Array($0) }
        bytes += check
        return bytes + [UInt8](repeating: 0, count: headerSize - bytes.count)
    }

    static func parseHeader(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        guard bytes.count == headerSize, Array(bytes[0..<8]) == magic else {
            throw KeyVaultError.keyFile(path: path, reason: "not a subject-key file (bad header)")
        }
        let version = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        let slot = UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24
        let length = Int(bytes[16]) | Int(bytes[17]) << 8
        guard version == 1, slot == UInt32(slotSize), 18 + length <= headerSize else {
            throw KeyVaultError.keyFile(path: path, reason: "unsupported subject-key file version \(version)")
        }
        return Array(bytes[18..<(18 + length)])
    }

    static func slot(state: SlotState, subject: [UInt8], wrapped: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [state.rawValue, UInt8(subject.count)] + wrapped + subject
        bytes += [UInt8](repeating: 0, count: slotSize - bytes.count)
        return bytes
    }

    static func slot(for subject: String, _ entry: SubjectKeyEntry) -> [UInt8] {
        switch entry {
        case .live(let wrapped): return slot(state: .live, subject: Array(subject.utf8), wrapped: wrapped)
        case .erasing(let wrapped): return slot(state: .erasing, subject: Array(subject.utf8), wrapped: wrapped)
        case .erased: return slot(state: .erased, subject: Array(subject.utf8), wrapped: [UInt8](repeating: 0, count: wrappedLength))
        }
    }

    /// A parsed slot: its index, subject and entry; `nil` for an empty or torn slot.
    static func parseSlot(_ bytes: [UInt8]) -> (subject: String, entry: SubjectKeyEntry)? {
        guard bytes.count == slotSize, let state = SlotState(rawValue: bytes[0]), state != .empty else { return nil }
        let length = Int(bytes[1])
        guard length > 0, length <= maxNameLength else { return nil }
        let wrapped = Array(bytes[2..<(2 + wrappedLength)])
        guard let subject = String(validating: bytes[(2 + wrappedLength)..<(2 + wrappedLength + length)], as: UTF8.self) else { return nil }
        switch state {
        case .live: return (subject, .live(wrapped: wrapped))
        case .erasing: return (subject, .erasing(wrapped: wrapped))
        case .erased: return (subject, .erased)
        case .empty: return nil
        }
    }

    /// Creates the file with its header (under the lock), synced with its directory; keeps an
    /// existing complete header. A header cut short by a crash (no slot can follow it yet) is
    /// written again.
    func create(check: [UInt8]) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot create")) }
        defer { close(fd) }
        if try FileOps.size(fd, path: path) >= Self.headerSize { return }
        crashPoint("keyfile.create.beforeHeader")
        try FileOps.writeAll(fd, Self.header(check: check), at: 0, path: path)
        recorder?.record(.write(path))
        try sync(fd)
        try FileOps.syncDirectory(of: path, recorder: recorder)
        crashPoint("keyfile.create.afterHeader")
    }

    func recordMasterCheck(_ check: [UInt8]) throws -> [UInt8] {
        try withLock {
            try create(check: check)
            guard let recorded = try masterCheck() else { throw KeyVaultError.keyFile(path: path, reason: "no header after creating it") }
            return recorded
        }
    }

    /// Writes a complete file (header and live slots) at `path` without replacing anything:
    /// used by migration and restore into a temporary name.
    static func writeNew(path: String, check: [UInt8], keys: [(subject: String, entry: SubjectKeyEntry)], recorder: DurabilityRecorder?) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot create")) }
        defer { close(fd) }
        var bytes = header(check: check)
        for (subject, entry) in keys { bytes += slot(for: subject, entry) }
        try FileOps.writeAll(fd, bytes, at: 0, path: path)
        recorder?.record(.write(path))
        guard fsync(fd) == 0 else { throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot sync")) }
        recorder?.record(.sync(path))
    }

    private func sync(_ fd: Int32) throws {
        guard fsync(fd) == 0 else { throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot sync")) }
        recorder?.record(.sync(path))
    }

    func masterCheck() throws -> [UInt8]? {
        guard let fd = try openFile(writable: false) else { return nil }
        defer { close(fd) }
        let header = try FileOps.readAll(fd, count: Self.headerSize, at: 0, path: path)
        if header.count < Self.headerSize { return nil }
        return try Self.parseHeader(header, path: path)
    }

    /// Every slot: index, subject, entry (empty and torn slots left out).
    func slots() throws -> [(index: Int, subject: String, entry: SubjectKeyEntry)] {
        guard let fd = try openFile(writable: false) else { return [] }
        defer { close(fd) }
        let size = try FileOps.size(fd, path: path)
        guard size > Self.headerSize else { return [] }
        let body = try FileOps.readAll(fd, count: size - Self.headerSize, at: Self.headerSize, path: path)
        var result: [(Int, String, SubjectKeyEntry)] = []
        var index = 0
        while (index + 1) * Self.slotSize <= body.count {
            let start = index * Self.slotSize
            if let (subject, entry) = Self.parseSlot(Array(body[start..<(start + Self.slotSize)])) { result.append((index, subject, entry)) }
            index += 1
        }
        return result
    }

    func entries() throws -> [(subject: String, entry: SubjectKeyEntry)] {
        var seen: [String: Int] = [:]
        var result: [(subject: String, entry: SubjectKeyEntry)] = []
        for (_, subject, entry) in try slots() {
            if let at = seen[subject] { result[at].entry = Self.stronger(result[at].entry, entry) } else {
                seen[subject] = result.count
                result.append((subject, entry))
            }
        }
        return result
    }

    /// Of two slots for one subject (only after a restore merged files): erasure wins.
    static func stronger(_ a: SubjectKeyEntry, _ b: SubjectKeyEntry) -> SubjectKeyEntry {
        switch (a, b) {
        case (.erased, _), (_, .erased): return .erased
        case (.erasing, _): return a
        case (_, .erasing): return b
        default: return a
        }
    }

    func entry(for subject: String) throws -> SubjectKeyEntry? {
        guard let fd = try openFile(writable: false) else { return nil }
        defer { close(fd) }
        return try entry(for: subject, in: fd)
    }

    /// The subject's entry, its slots found through the index (brought up to the file's end
    /// first) and each read again from `fd`, so an erasure made meanwhile is seen.
    private func entry(for subject: String, in fd: Int32) throws -> SubjectKeyEntry? {
        var found: SubjectKeyEntry?
        for slot in try slotIndexes(of: subject, in: fd) {
            let bytes = try FileOps.readAll(fd, count: Self.slotSize, at: Self.headerSize + slot * Self.slotSize, path: path)
            guard let (name, entry) = Self.parseSlot(bytes), name == subject else { continue }
            found = found.map { Self.stronger($0, entry) } ?? entry
        }
        return found
    }

    /// The slots holding `subject`, after reading the slots appended since the last call.
    ///
    /// Slots are only appended and never move, so the index reads each slot once: from the
    /// first slot it has not read completely (one that did not parse may still be being
    /// written) to the end of the file. A different file at the path (a restore renamed one
    /// into place) or a shorter one starts the index again.
    private func slotIndexes(of subject: String, in fd: Int32) throws -> Set<Int> {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw KeyVaultError.keyFile(path: path, reason: FileOps.reason("cannot stat")) }
        let size = Int(info.st_size), file = [UInt64(info.st_dev), UInt64(info.st_ino)]
        let complete = max(0, (size - Self.headerSize) / Self.slotSize)
        return try index.withLock { index -> Set<Int> in
            if index.file != file || complete < index.settled { index = SlotIndex(file: file) }
            if complete > index.settled {
                let from = index.settled
                let body = try FileOps.readAll(fd, count: (complete - from) * Self.slotSize, at: Self.headerSize + from * Self.slotSize, path: path)
                var settled = true
                for offset in 0..<(complete - from) {
                    let start = offset * Self.slotSize
                    if let (name, _) = Self.parseSlot(Array(body[start..<(start + Self.slotSize)])) {
                        index.slots[name, default: []].insert(from + offset)
                        if settled { index.settled = from + offset + 1 }
                    } else {
                        settled = false
                    }
                }
            }
            return index.slots[subject] ?? []
        }
    }

    func insertIfAbsent(_ keys: [(subject: String, entry: SubjectKeyEntry)]) throws -> [String: SubjectKeyEntry] {
        guard !readOnly else { throw KeyVaultError.readOnly }
        for key in keys where key.subject.utf8.count > Self.maxNameLength || key.subject.isEmpty {
            throw KeyVaultError.keyFile(path: path, reason: "subject name of \(key.subject.utf8.count) bytes (at most \(Self.maxNameLength))")
        }
        return try withLock {
            guard let fd = try openFile(writable: true) else { throw KeyVaultError.keyFile(path: path, reason: "missing") }
            defer { close(fd) }
            var current: [String: SubjectKeyEntry] = [:]
            for (subject, _) in keys where current[subject] == nil {
                if let entry = try entry(for: subject, in: fd) { current[subject] = entry }
            }
            let size = try FileOps.size(fd, path: path)
            // A slot cut short by a crash is overwritten: its key was never used.
            let end = Self.headerSize + (size - Self.headerSize) / Self.slotSize * Self.slotSize
            var bytes: [UInt8] = []
            for (subject, entry) in keys where current[subject] == nil {
                bytes += Self.slot(for: subject, entry)
                current[subject] = entry
            }
            if !bytes.isEmpty {
                crashPoint("keys.create.beforeWrite")
                try FileOps.writeAll(fd, bytes, at: end, path: path)
                recorder?.record(.write(path))
                crashPoint("keys.create.beforeSync")
                try sync(fd)
                crashPoint("keys.create.afterSync")
            }
            var result: [String: SubjectKeyEntry] = [:]
            for (subject, _) in keys { result[subject] = current[subject] }
            return result
        }
    }

    /// Changes every slot of `subject` in place (under the lock) and syncs.
    private func rewrite(_ subject: String, _ change: (Int, SubjectKeyEntry) -> [UInt8]?) throws {
        guard !readOnly else { throw KeyVaultError.readOnly }
        try withLock {
            guard let fd = try openFile(writable: true) else { throw KeyVaultError.keyFile(path: path, reason: "missing") }
            defer { close(fd) }
            var changed = false
            for (index, name, entry) in try slots() where name == subject {
                guard let bytes = change(index, entry) else { continue }
                try FileOps.writeAll(fd, bytes, at: Self.headerSize + index * Self.slotSize, path: path)
                recorder?.record(.write(path))
                changed = true
            }
            if changed { try sync(fd) }
        }
    }

    func markErasing(_ subject: String) throws {
        try rewrite(subject) { _, entry in
            if case .live = entry { return [SlotState.erasing.rawValue] }
            return nil
        }
    }

    func erase(_ subject: String) throws {
        try rewrite(subject) { _, entry in
            if case .erased = entry { return nil }
            // The state byte and the wrapped key, overwritten in one write within one sector.
            return [SlotState.erased.rawValue, UInt8(subject.utf8.count)] + [UInt8](repeating: 0, count: Self.wrappedLength)
        }
    }
}
