import CRMEventLog
import CRMEventLogLMDB
import Foundation

// Safe paths, file modes and messages of the command line (docs/cli.md, "Files and safety").

/// File modes of everything `crm` creates: the process umask, 077 by default (files 0600,
/// directories 0700: the store, backups, exports and the HTML report hold personal data), or
/// the octal `CRMKIT_UMASK` (e.g. `CRMKIT_UMASK=027` for 0640/0750).
enum FileModes {
    static func apply() {
        var mask: mode_t = 0o077
        if let text = ProcessInfo.processInfo.environment["CRMKIT_UMASK"], let value = mode_t(text, radix: 8), value <= 0o777 {
            mask = value
        }
        umask(mask)
        // The data file is checked against its meta before it is mapped; should it still shrink
        // under a mapped store (another program truncating it), one line instead of a backtrace.
        signal(SIGBUS, { _ in
            let message = "crm: the store's data file was cut off while in use (SIGBUS); run `crm verify` (see crm help)\n"
            message.utf8CString.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
            _exit(1)
        })
    }
}

/// The longest message `crm` prints on stderr, in characters; longer ones are cut.
let maximumMessageLength = 500

/// A message made safe for a terminal: control characters (C0, DEL, C1 — terminal escape
/// sequences and NUL among them) escaped as `\u{XX}`, newlines as spaces, and at most
/// `limit` characters (a value of 50 MB read from a file is not echoed whole).
func sanitized(_ message: String, limit: Int = maximumMessageLength) -> String {
    var out = ""
    var count = 0
    var scalars = message.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
        if count >= limit {
            var rest = 1
            while scalars.next() != nil { rest += 1 }
            return out + "… (\(rest) more characters)"
        }
        switch scalar.value {
        case 0x0A, 0x0D: out.unicodeScalars.append(" ")
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return out
}

/// The text of `errno` values the command line names: the symbol and the sentence.
func describeErrno(_ code: Int32) -> String {
    switch code {
    case ENOSPC: return "no space left on device (ENOSPC)"
    case EROFS: return "read-only file system (EROFS)"
    case EACCES, EPERM: return "permission denied (EACCES)"
    case ENOENT: return "no such file or directory (ENOENT)"
    case EISDIR: return "is a directory (EISDIR)"
    case ENOTDIR: return "a component of the path is not a directory (ENOTDIR)"
    case EDQUOT: return "disk quota exceeded (EDQUOT)"
    case EIO: return "input/output error (EIO)"
    default: return "\(String(cString: strerror(code))) (errno \(code))"
    }
}

/// A storage failure as a user reads it: LMDB reports a write cut short by a full disk as EIO,
/// so an I/O error on a file system with less than 1 MiB left is named ENOSPC; ENOSPC and EROFS
/// are named as such. `target` is what was written (the store, a backup directory).
func describeStorageFailure(_ failure: StorageFailure, store: String, target: String? = nil) -> String {
    let what = target.map { "the backup \($0)" } ?? "the store \(store)"
    switch failure.kind {
    case .noSpace: return "cannot write \(what): no space left on device (ENOSPC); nothing of the failed write was kept"
    case .readOnly: return "cannot write \(what): read-only file system (EROFS); nothing of the failed write was kept"
    case .mapFull: return "the store \(store) is full: its map reached the maximum size (MDB_MAP_FULL); nothing of the failed write was stored"
    case .ioError:
        let directory = target.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? store
        if freeBytes(at: directory).map({ $0 < 1 << 20 }) == true {
            return "cannot write \(what): no space left on device (ENOSPC); nothing of the failed write was kept"
        }
        return failure.message
    default: return failure.message
    }
}

/// Bytes available to an unprivileged user on the file system holding `path`.
func freeBytes(at path: String) -> Int? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return Int(info.f_bavail) * Int(info.f_frsize)
}

/// The canonical absolute form of `path` (symbolic links resolved as far as the path exists).
func canonicalPath(_ path: String) -> String {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL
    if let resolved = realpath(absolute.path, nil) {
        defer { free(resolved) }
        return String(cString: resolved)
    }
    // The file does not exist yet: resolve its directory.
    let parent = absolute.deletingLastPathComponent().path
    if let resolved = realpath(parent, nil) {
        defer { free(resolved) }
        return String(cString: resolved) + "/" + absolute.lastPathComponent
    }
    return absolute.path
}

/// A file a command writes (an export, the HTML report): never inside the store directory or
/// over its master key or backup; a device or FIFO is written as a stream (never replaced);
/// a regular file is written under a temporary name beside it and renamed into place when
/// complete, so a failure (a full disk) leaves the previous file or nothing — never a part.
struct OutputFile {
    let path: String
    private let fd: Int32
    private let temporary: String?
    private var finished = false

    /// Checks `path` against the store of `options` and opens it for writing.
    init(_ path: String, options: StoreOptions, what: String) throws {
        try Self.check(path, options: options, what: what)
        let target = canonicalPath(path)
        var info = stat()
        if stat(target, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            switch info.st_mode & S_IFMT {
            case S_IFCHR, S_IFIFO, S_IFSOCK:
                // A device or FIFO: write into it as a stream; never replace it.
                let fd = open(target, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw CLIError("cannot write \(path): \(describeErrno(errno))") }
                self.path = path
                self.fd = fd
                self.temporary = nil
                return
            case S_IFDIR:
                throw CLIError("cannot write \(what) \(path): it is a directory")
            default:
                throw CLIError("refusing to write \(what) \(path): it is not a regular file")
            }
        }
        let url = URL(fileURLWithPath: target)
        let temporary = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw CLIError("cannot write \(path): \(describeErrno(errno))") }
        self.path = path
        self.fd = fd
        self.temporary = temporary
        self.target = target
    }

    private var target: String = ""

    /// Refuses a `path` inside the store directory or its backup, or on its master key.
    static func check(_ path: String, options: StoreOptions, what: String) throws {
        let target = canonicalPath(path)
        for (protected, name) in [(options.store, "the store directory"), (options.store + "-backup", "the store's backup")]
        where !PostgresOrNot.isURL(protected) {
            let root = canonicalPath(protected)
            if target == root || target.hasPrefix(root + "/") {
                throw CLIError("refusing to write \(what) \(path) inside \(name) \(protected)")
            }
        }
        if target == canonicalPath(options.masterKeyPath) {
            throw CLIError("refusing to write \(what) \(path) over the master key \(options.masterKeyPath)")
        }
    }

    /// Writes `bytes` whole.
    func write(_ bytes: some Collection<UInt8>) throws {
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let written = data[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot write \(path): \(describeErrno(errno))")
            }
            offset += written
        }
    }

    /// Syncs and renames the file into place (a stream is just closed).
    mutating func commit() throws {
        finished = true
        guard let temporary else {
            close(fd)
            return
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw CLIError("cannot write \(path): \(describeErrno(code))")
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            throw CLIError("cannot write \(path): \(describeErrno(code))")
        }
    }

    /// Removes the partial file after a failure.
    func abandon() {
        guard !finished else { return }
        close(fd)
        if let temporary { unlink(temporary) }
    }
}

/// Runs `body` with an output file at `path`, committing it when `body` returns.
func writingOutput<R>(_ path: String, options: StoreOptions, what: String, _ body: (OutputFile) throws -> R) throws -> R {
    var output = try OutputFile(path, options: options, what: what)
    do {
        let result = try body(output)
        try output.commit()
        return result
    } catch {
        output.abandon()
        throw error
    }
}

/// Whether a `--store` is a PostgreSQL URL (no local directory to protect).
enum PostgresOrNot {
    static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }
}

/// What `crm demo` may do with `--store`: only a store it can recognise is reused or (with
/// `--reset`) deleted; anything else is refused untouched.
enum DemoTarget {
    /// A CRMKit store: a directory holding an LMDB `data.mdb`.
    static func isStore(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        var info = stat()
        guard lstat(path + "/data.mdb", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return true
    }

    /// Whether `path` is absent or an empty directory.
    static func isAbsentOrEmptyDirectory(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return true }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return false }
        return (try? FileManager.default.contentsOfDirectory(atPath: path).isEmpty) ?? false
    }

    /// Checks the store, its backup directory and its master key before a demo generates a
    /// history, and deletes (only with `reset`, only on a store) what a new history replaces.
    static func prepare(store: String, backup: String, masterKey: String, reset: Bool) throws {
        let files = FileManager.default
        if isStore(store) {
            guard reset else { return }
            for entry in (try? files.contentsOfDirectory(atPath: store)) ?? [] where !["data.mdb", "lock.mdb", "subject-keys", "subject-keys.lock"].contains(entry) {
                throw CLIError("--reset refused: \(store) holds \(entry), which is not part of a CRMKit store; nothing was deleted")
            }
            if !isAbsentOrEmptyDirectory(backup) && !isStore(backup) {
                throw CLIError("--reset refused: \(backup) exists and is not a CRMKit backup; nothing was deleted")
            }
            var info = stat()
            if lstat(masterKey, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
                throw CLIError("--reset refused: \(masterKey) is not a regular file; nothing was deleted")
            }
            try remove(store)
            if isStore(backup) || isAbsentOrEmptyDirectory(backup) { try? remove(backup) }
            if lstat(masterKey, &info) == 0 { try remove(masterKey) }
            return
        }
        guard isAbsentOrEmptyDirectory(store) else {
            throw CLIError("\(store) exists and is not a CRMKit store; demo creates a store only in a new or empty directory (nothing was changed)")
        }
        guard isAbsentOrEmptyDirectory(backup) else {
            throw CLIError("\(backup) exists although \(store) holds no store; move it away first (nothing was changed)")
        }
        var info = stat()
        if lstat(masterKey, &info) == 0 {
            throw CLIError("\(masterKey) exists although \(store) holds no store; move it away first (nothing was changed)")
        }
        if lstat(backup, &info) == 0 { try? files.removeItem(atPath: backup) }  // an empty directory
    }

    private static func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw CLIError("cannot delete \(path): \(describeErrno((error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code }.map(Int32.init) ?? EIO))")
        }
    }
}
