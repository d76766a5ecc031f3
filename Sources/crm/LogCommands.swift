import ArgumentParser
import CRMDomain
import EventLog
import Foundation

struct Head: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the head position and its chain hash (the value to anchor).")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON: {\"position\": N, \"hash\": \"hex\"}.") var json = false

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            let anchor = try store.headAnchor()
            print(json ? "{\"position\":\(anchor.position),\"hash\":\"\(anchor.hash.hex)\"}" : anchor.description)
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the hash chain, positions and indexes of the whole log.")
    @OptionGroup var options: StoreOptions
    @Option(help: "An anchor POSITION:HASH printed earlier by `crm head`; the log must still have it.") var anchor: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            var parsed: HeadAnchor?
            if let anchor {
                guard let value = HeadAnchor(anchor) else { throw CLIError("bad anchor '\(anchor)': expected POSITION:64-HEX-DIGITS") }
                parsed = value
            }
            let store = try options.openReadOnly()
            defer { store.close() }
            let report = try await store.verify(anchor: parsed)
            if let problem = report.problem {
                if json {
                    print("{\"intact\":false,\"position\":\(problem.position),\"problem\":\"\(problem.kind)\",\"detail\":\(jsonString(problem.detail))}")
                } else {
                    FileHandle.standardError.write(Data("crm: verification failed at \(problem)\n".utf8))
                }
                throw ExitCode(2)
            }
            print(json ? "{\"intact\":true,\"head\":\(report.head),\"hash\":\"\(report.headHash.hex)\"}"
                       : "intact: \(report.head) events, head hash \(report.headHash.hex)")
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the store to DIR while it is in use, and verify the copy.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "An empty or new directory.") var directory: String

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            let report = try await store.backup(to: directory)
            print("backup verified: \(report.head) events, head hash \(report.headHash.hex), \(report.bytes) bytes in \(report.directory)")
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events, streams by category and size of the store.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            var categories: [String: Int] = [:]
            var types: [String: Int] = [:]
            try store.scan { view in
                let stream = view.streamBytes
                let end = stream.firstIndex(of: UInt8(ascii: "-")) ?? stream.endIndex
                categories[String(decoding: stream[stream.startIndex..<end], as: UTF8.self), default: 0] += 1
                types[String(decoding: view.typeBytes, as: UTF8.self), default: 0] += 1
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: options.store + "/data.mdb")[.size] as? Int) ?? 0
            let head = try store.head()
            if json {
                let cats = categories.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\($0.value)" }.joined(separator: ",")
                let typs = types.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\($0.value)" }.joined(separator: ",")
                print("{\"events\":\(head),\"bytes\":\(size),\"categories\":{\(cats)},\"types\":{\(typs)}}")
            } else {
                print("events: \(head)   data file: \(size / 1_048_576) MiB")
                print("by category:")
                for (name, count) in categories.sorted(by: { $0.value > $1.value }) { print("  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(count)") }
                print("by type:")
                for (name, count) in types.sorted(by: { $0.value > $1.value }) { print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count)") }
            }
        }
    }
}

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the last events, then follow new ones live (Ctrl-C ends).")
    @OptionGroup var options: StoreOptions
    @Option(help: "How many stored events to show first.") var last: UInt64 = 10
    @Flag(help: "Stop after the stored events instead of following.") var noFollow = false

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            let head = try store.head()
            let start = head > last ? head - last : 0
            if noFollow {
                for event in try store.events(from: start + 1) { print(line(event)) }
                return
            }
            for try await event in store.subscribe(after: start) { print(line(event)) }
        }
    }

    func line(_ event: RecordedEvent) -> String {
        let time = ISO8601DateFormatter().string(from: event.occurredAt)
        let summary: String
        do {
            summary = try EventRegistry().decode(event).summary
        } catch {
            summary = "undecodable: \(error)"
        }
        return "\(event.position)\t\(time)\t\(event.stream)@\(event.streamVersion)\t\(event.type)\t\(summary.prefix(160))"
    }
}

func jsonString(_ text: String) -> String {
    let data = try? JSONEncoder().encode(text)
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
}
