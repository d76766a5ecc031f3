import CRMLMDB
import Foundation

/// The named databases projections keep in a ``StateStore``.
struct ProjectionStorage: Sendable {
    static let metaName = "projections"

    static func meta(_ state: StateStore) throws -> Database {
        try state.environment.openDatabase(named: metaName, create: !state.isReadOnly)
    }

    static func databaseName(_ model: String, _ generation: String) -> String { "\(model).\(generation)" }
    static func checkpointKey(_ model: String, _ generation: String) -> [UInt8] { Array("checkpoint/\(model).\(generation)".utf8) }
    static func rulesKey(_ model: String, _ generation: String) -> [UInt8] { Array("rules/\(model).\(generation)".utf8) }
    static func activeKey(_ model: String) -> [UInt8] { Array("active/\(model)".utf8) }

    static func validate(_ generation: String) throws {
        guard !generation.isEmpty, generation.utf8.count <= 64,
              generation.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
        else { throw ProjectionError.invalidGeneration(generation) }
    }

    static func uint64(_ bytes: [UInt8]?) -> UInt64 {
        guard let bytes, bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func bytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// The generation readers of `model` use, if one was activated.
    static func activeGeneration(_ state: StateStore, model: String) throws -> String? {
        guard state.isReadOnly == false || (try? meta(state)) != nil else { return nil }
        let meta = try meta(state)
        return try state.environment.read { txn in try txn.value(in: meta, key: activeKey(model)) }
            .map { String(decoding: $0, as: UTF8.self) }
    }
}
