import CLMDB
import Foundation
import CRMLMDB
import Testing

final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/crmkit-lmdb-tests-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct LMDBTests {
    @Test func writesAndReadsInNamedDatabases() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let people = try env.openDatabase(named: "people")
        let orders = try env.openDatabase(named: "orders")
        try env.write { (txn) throws in
            try txn.put(in: people, key: bytes("anna"), value: bytes("Berlin"))
            try txn.put(in: orders, key: bytes("anna"), value: bytes("3"))
        }
        try env.read { (txn) throws in
            #expect(try txn.value(in: people, key: bytes("anna")) == bytes("Berlin"))
            #expect(try txn.value(in: orders, key: bytes("anna")) == bytes("3"))
            #expect(try txn.value(in: people, key: bytes("bert")) == nil)
            #expect(try txn.count(of: people) == 1)
        }
    }

    @Test func aThrowingWriteKeepsNothing() throws {
        struct Boom: Error {}
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        #expect(throws: Boom.self) {
            try env.write { (txn) throws in
                try txn.put(in: db, key: bytes("k"), value: bytes("v"))
                throw Boom()
            }
        }
        #expect(try env.read { try $0.value(in: db, key: bytes("k")) } == nil)
    }

    @Test func cursorsWalkAndSeekInKeyOrder() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        try env.write { (txn) throws in
            for key in ["b", "d", "f"] { try txn.put(in: db, key: bytes(key), value: bytes(key.uppercased())) }
        }
        try env.read { (txn) throws in
            try txn.withCursor(on: db) { (cursor) throws in
                func key(_ entry: Entry?) -> String? { entry.map { String(decoding: $0.key, as: UTF8.self) } }
                #expect(key(try cursor.first()) == "b")
                #expect(key(try cursor.next()) == "d")
                #expect(key(try cursor.next()) == "f")
                #expect(key(try cursor.next()) == nil)
                #expect(key(try cursor.last()) == "f")
                #expect(key(try cursor.previous()) == "d")
                #expect(key(try cursor.seek(atLeast: bytes("c"))) == "d")
                #expect(key(try cursor.seek(atMost: bytes("c"))) == "b")
                #expect(key(try cursor.seek(atMost: bytes("d"))) == "d")
                #expect(key(try cursor.seek(atMost: bytes("z"))) == "f")
                #expect(key(try cursor.seek(atMost: bytes("a"))) == nil)
                #expect(key(try cursor.seek(exactly: bytes("c"))) == nil)
                #expect(try cursor.seek(exactly: bytes("f")).map { Array($0.value) } == bytes("F"))
            }
        }
    }

    @Test func entriesCopiesADatabaseInKeyOrder() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        let empty = try env.openDatabase(named: "empty")
        try env.write { (txn) throws in
            for key in ["f", "b", "d"] { try txn.put(in: db, key: bytes(key), value: bytes(key.uppercased())) }
        }
        let entries = try env.read { try $0.entries(in: db) }
        #expect(entries.map(\.key) == [bytes("b"), bytes("d"), bytes("f")])
        #expect(entries.map(\.value) == [bytes("B"), bytes("D"), bytes("F")])
        #expect(try env.read { try $0.entries(in: empty) }.isEmpty)
    }

    @Test func putFlagsAreHonoured() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        try env.write { txn in try txn.put(in: db, key: bytes("k"), value: bytes("1")) }
        do {
            try env.write { txn in try txn.put(in: db, key: bytes("k"), value: bytes("2"), flags: .noOverwrite) }
            Issue.record("noOverwrite replaced a value")
        } catch let error as LMDBError {
            #expect(error.kind == .keyExists)
            #expect(error.description.hasPrefix("LMDB error -30799 (MDB_KEYEXIST): MDB_KEYEXIST: Key/data pair already exists — while writing to db"))
        }
        do {
            try env.write { txn in try txn.put(in: db, key: bytes("a"), value: bytes("x"), flags: .append) }
            Issue.record("append accepted a smaller key")
        } catch let error as LMDBError {
            #expect(error.kind == .keyExists)
        }
        try env.write { (txn) throws in
            try bytes("z").withUnsafeBytes { key in
                try txn.putReserved(in: db, key: key, count: 3) { buffer in buffer.copyBytes(from: [7, 8, 9]) }
            }
            #expect(try txn.delete(in: db, key: bytes("k")))
            #expect(try txn.delete(in: db, key: bytes("k")) == false)
        }
        #expect(try env.read { try $0.value(in: db, key: bytes("z")) } == [7, 8, 9])
    }

    @Test func mapsEveryReturnCodeToAKind() {
        let cases: [(Int32, LMDBError.Kind, String)] = [
            (MDB_KEYEXIST, .keyExists, "MDB_KEYEXIST"), (MDB_NOTFOUND, .notFound, "MDB_NOTFOUND"),
            (MDB_PAGE_NOTFOUND, .pageNotFound, "MDB_PAGE_NOTFOUND"), (MDB_CORRUPTED, .corrupted, "MDB_CORRUPTED"),
            (MDB_PANIC, .panic, "MDB_PANIC"), (MDB_VERSION_MISMATCH, .versionMismatch, "MDB_VERSION_MISMATCH"),
            (MDB_INVALID, .invalid, "MDB_INVALID"), (MDB_MAP_FULL, .mapFull, "MDB_MAP_FULL"),
            (MDB_DBS_FULL, .databasesFull, "MDB_DBS_FULL"), (MDB_READERS_FULL, .readersFull, "MDB_READERS_FULL"),
            (MDB_TLS_FULL, .tlsFull, "MDB_TLS_FULL"), (MDB_TXN_FULL, .transactionFull, "MDB_TXN_FULL"),
            (MDB_CURSOR_FULL, .cursorFull, "MDB_CURSOR_FULL"), (MDB_PAGE_FULL, .pageFull, "MDB_PAGE_FULL"),
            (MDB_MAP_RESIZED, .mapResized, "MDB_MAP_RESIZED"), (MDB_INCOMPATIBLE, .incompatible, "MDB_INCOMPATIBLE"),
            (MDB_BAD_RSLOT, .badReaderSlot, "MDB_BAD_RSLOT"), (MDB_BAD_TXN, .badTransaction, "MDB_BAD_TXN"),
            (MDB_BAD_VALSIZE, .badValueSize, "MDB_BAD_VALSIZE"), (MDB_BAD_DBI, .badDatabaseHandle, "MDB_BAD_DBI"),
            (ENOENT, .noSuchFile, "ENOENT"), (EACCES, .permissionDenied, "EACCES"), (ENOSPC, .noSpace, "ENOSPC"),
            (EBUSY, .busy, "EBUSY"), (EINVAL, .invalidArgument, "EINVAL"), (ENOMEM, .outOfMemory, "ENOMEM"),
            (EIO, .ioError, "EIO"), (EROFS, .readOnlyFileSystem, "EROFS"), (EMFILE, .system(errno: EMFILE), "errno \(EMFILE)"),
            (-30_000, .unknown(-30_000), "code -30000"),
        ]
        for (code, kind, name) in cases {
            let error = LMDBError(code: code, operation: "testing")
            #expect(error.kind == kind)
            #expect(error.kind.name == name)
            #expect(error.description.contains(name))
            #expect(error.description.hasSuffix("— while testing"))
        }
        #expect(LMDBError(code: ENOSPC, operation: "x").description == "LMDB error 28 (ENOSPC): No space left on device — while x")
    }

    @Test func openingAMissingDirectoryFailsWithENOENT() {
        let dir = TemporaryDirectory()
        do {
            _ = try Environment(path: dir.path + "/missing")
            Issue.record("opened a missing directory")
        } catch {
            #expect(error.kind == .noSuchFile)
            #expect(error.operation == "opening environment at \(dir.path)/missing")
        }
    }

    @Test func aReadOnlyEnvironmentCannotWrite() throws {
        let dir = TemporaryDirectory()
        let writer = try Environment(path: dir.path)
        let db = try writer.openDatabase(named: "db")
        try writer.write { txn in try txn.put(in: db, key: bytes("k"), value: bytes("v")) }
        writer.close()
        let reader = try Environment(path: dir.path, configuration: .init(flags: .readOnly))
        defer { reader.close() }
        #expect(reader.readOnly)
        let opened = try reader.openDatabase(named: "db")
        #expect(try reader.read { try $0.value(in: opened, key: bytes("k")) } == bytes("v"))
        do {
            try reader.write { _ in }
            Issue.record("a read-only environment began a write transaction")
        } catch let error as LMDBError {
            #expect(error.kind == .permissionDenied)
        }
    }

    @Test func growsTheMapWhenAWriteRunsOutOfRoom() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, configuration: .init(mapSize: 64 << 10))
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        let value = [UInt8](repeating: 0x5A, count: 1_000)
        var runs = 0
        try env.write { (txn) throws in
            runs += 1
            for n in 0..<2_000 {
                try txn.put(in: db, key: withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }, value: value)
            }
        }
        #expect(env.mapGrowths >= 5)
        #expect(runs == env.mapGrowths + 1)
        #expect(env.info.mapSize >= 2_000 * 1_000)
        #expect(try env.read { try $0.count(of: db) } == 2_000)
    }

    @Test func stopsGrowingAtTheMaximumWithMapFull() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, configuration: .init(mapSize: 64 << 10, maximumMapSize: 256 << 10))
        defer { env.close() }
        let db = try env.openDatabase(named: "db")
        do {
            try env.write { (txn) throws in
                for n in 0..<1_000 {
                    try txn.put(in: db, key: withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }, value: [UInt8](repeating: 1, count: 1_000))
                }
            }
            Issue.record("a write beyond the maximum map size succeeded")
        } catch let error as LMDBError {
            #expect(error.kind == .mapFull)
        }
        #expect(env.info.mapSize == 256 << 10)
        #expect(try env.read { try $0.count(of: db) } == 0)
    }

    @Test func copiesAConsistentCompactSnapshot() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db = try env.openDatabase(named: "db")
        try env.write { txn in for n in 0..<100 { try txn.put(in: db, key: bytes("k\(n)"), value: bytes("v\(n)")) } }
        try env.write { txn in for n in 0..<50 { try txn.delete(in: db, key: bytes("k\(n)")) } }
        let target = dir.path + "-copy"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: target) }
        try env.copy(to: target)
        env.close()
        let copy = try Environment(path: target)
        defer { copy.close() }
        let copied = try copy.openDatabase(named: "db", create: false)
        #expect(try copy.read { try $0.count(of: copied) } == 50)
        #expect(try copy.read { try $0.value(in: copied, key: bytes("k77")) } == bytes("v77"))
    }

    @Test func closingTwiceIsHarmlessAndLaterUseFails() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        env.close()
        env.close()
        do {
            try env.read { _ in }
            Issue.record("a closed environment began a transaction")
        } catch let error as LMDBError {
            #expect(error.kind == .invalidArgument)
        }
        // Every other use of the handle fails the same way instead of touching freed memory.
        #expect(throws: LMDBError(code: EINVAL, operation: "copying environment to \(dir.path)-copy on a closed environment")) {
            try env.copy(to: dir.path + "-copy")
        }
        #expect(throws: LMDBError(code: EINVAL, operation: "syncing environment on a closed environment")) { try env.sync() }
        #expect(throws: LMDBError(code: EINVAL, operation: "clearing stale readers on a closed environment")) { try env.clearStaleReaders() }
        #expect(env.info.mapSize == 0)
    }
}
