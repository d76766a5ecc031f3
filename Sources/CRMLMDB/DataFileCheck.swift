#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an LMDB data file cannot be mapped safely: checked against the file's own meta pages
/// *before* `mdb_env_open` maps it, because reading a page past the end of a truncated file
/// through the map kills the process with SIGBUS instead of returning an error.
public struct DataFileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Kind: Sendable, Hashable {
        /// The file has no bytes (a crashed copy, or a file created by hand).
        case empty
        /// The file is shorter than LMDB's two meta pages.
        case tooShortForMeta
        /// Neither meta page carries LMDB's magic number and a valid page size.
        case noValidMeta
        /// The newest meta page's last used page lies beyond the end of the file.
        case truncated
    }

    /// The data file.
    public let path: String
    /// What is wrong.
    public let kind: Kind
    /// The file's size in bytes.
    public let size: Int
    /// The size in bytes the meta page requires (0 when unknown).
    public let required: Int

    /// Creates a problem report.
    public init(path: String, kind: Kind, size: Int, required: Int) {
        self.path = path
        self.kind = kind
        self.size = size
        self.required = required
    }

    /// One sentence naming the file, its size and what its meta requires.
    public var description: String {
        switch kind {
        case .empty: "\(path) is empty (0 bytes): not an LMDB data file, or a copy that was cut off"
        case .tooShortForMeta: "\(path) is truncated: \(size) bytes, shorter than LMDB's two meta pages"
        case .noValidMeta: "\(path) is not an LMDB data file: neither meta page is valid"
        case .truncated: "\(path) is truncated: \(size) bytes, but its meta page needs \(required) bytes (the last \(required - size) are missing)"
        }
    }

    /// LMDB's meta magic (`MDB_MAGIC`).
    static let magic: UInt32 = 0xBEEF_C0DE

    /// Checks the data file at `path` (`<dir>/data.mdb`, or the file itself for an environment
    /// opened with ``Environment/Flags/noSubdirectory``) against its meta pages: both are read
    /// with `pread`, the newer valid one (by transaction id, as LMDB chooses) names the last
    /// used page, and the file must reach the end of that page.
    ///
    /// - Returns: `nil` when the file is absent (a new environment) or consistent, else the problem.
    public static func check(dataFile path: String) -> DataFileProblem? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }  // absent, or LMDB reports the open error itself
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        if size == 0 { return DataFileProblem(path: path, kind: .empty, size: 0, required: 0) }
        // Layout (LMDB 0.9, 64-bit): a 16-byte page header, then MDB_meta: magic u32, version
        // u32, address, mapsize, two MDB_db of 48 bytes (the first one's md_pad holds the page
        // size), last page number, transaction id.
        func meta(at offset: Int) -> (pageSize: Int, lastPage: UInt64, txnID: UInt64)? {
            var buffer = [UInt8](repeating: 0, count: 160)
            let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 160, off_t(offset)) }
            guard read == 160 else { return nil }
            func u32(_ at: Int) -> UInt32 { buffer[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
            func u64(_ at: Int) -> UInt64 { buffer[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
            guard u32(16) == magic else { return nil }
            let pageSize = Int(u32(16 + 24))
            guard pageSize >= 512, pageSize <= 65_536, pageSize & (pageSize - 1) == 0 else { return nil }
            return (pageSize, u64(16 + 120), u64(16 + 128))
        }
        guard let first = meta(at: 0) else {
            return DataFileProblem(path: path, kind: size < 160 ? .tooShortForMeta : .noValidMeta, size: size, required: 0)
        }
        let pageSize = first.pageSize
        guard size >= 2 * pageSize else {
            return DataFileProblem(path: path, kind: .tooShortForMeta, size: size, required: 2 * pageSize)
        }
        var newest = first
        if let second = meta(at: pageSize), second.pageSize == pageSize, second.txnID > first.txnID { newest = second }
        let required = (Int(clamping: newest.lastPage) + 1) * pageSize
        guard size >= required else { return DataFileProblem(path: path, kind: .truncated, size: size, required: required) }
        return nil
    }
}
