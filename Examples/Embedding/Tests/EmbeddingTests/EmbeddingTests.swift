import Foundation
import Testing

/// Runs the example program as a user would and checks what it prints.
@Suite struct EmbeddingTests {
    /// The directory holding the built products (`.build/debug`), where the test runner lives.
    var products: URL { Bundle.main.bundleURL }

    @Test func recordsASaleAndATicketPrintsTheCustomer360AndForgetsTheCustomer() throws {
        let program = products.appendingPathComponent("Embedding")
        try #require(FileManager.default.isExecutableFile(atPath: program.path), "not built: \(program.path)")
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-test-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: store)
            try? FileManager.default.removeItem(atPath: store.path + ".master-key")
        }

        let process = Process()
        process.executableURL = program
        process.arguments = [store.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(process.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first?.hasPrefix("rejected (payment.exceeds-open-amount): payment of 500.00 EUR exceeds the open amount 250.00 EUR") == true,
                "\(text)")
        // The log holds the name sealed; the vault opens it.
        #expect(lines.contains("stored name      ‹sealed›"), "\(text)")
        #expect(lines.contains("Customer 360 of Jana Nowak (person, PL)"), "\(text)")
        #expect(lines.contains("registered     2026-03-02"), "\(text)")
        #expect(lines.contains("stage          newCustomer"), "\(text)")
        #expect(lines.contains("open balance   250.00 EUR (overdue 0.00 EUR)"), "\(text)")
        #expect(lines.contains("order          2026-03-03 1250.00 EUR placed"), "\(text)")
        #expect(lines.contains("ticket         high delivery open, first response met"), "\(text)")
        // After forget the name can never be opened again; amounts and orders stay.
        #expect(lines.contains("after forget     ‹erased›, 1 order, open balance 250.00 EUR"), "\(text)")
        // 2 registrations, order, invoice, payment, ticket opened and answered, the erasure; the
        // refused payment appended nothing, and the chain still verifies.
        #expect(lines.last == "log verified     intact, head 8", "\(text)")
        // The master key was created beside the store.
        #expect(FileManager.default.fileExists(atPath: store.path + ".master-key"))
        // The store persists: the directory holds the LMDB environment.
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("data.mdb").path))
    }
}
