@testable import CRMAudit
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMProjections
import Foundation
import Testing
import TestSupport

private func customer(_ n: Int) -> CustomerID { CustomerID(UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!) }

/// Whether any file below `directory` holds `text`.
private func anyFile(below directory: String, holds text: String) -> Bool {
    let needle = Data(text.utf8)
    return (FileManager.default.subpaths(atPath: directory) ?? []).contains { name in
        FileManager.default.contents(atPath: directory + "/" + name)?.range(of: needle) != nil
    }
}

@Suite("Key store: import into a sealing store")
struct SealingImportTests {
    @Test("point 11: plaintext personal data imported into a sealed store is sealed on the way in, so forget erases it")
    func importSealsPlaintext() async throws {
        // The original wrong behaviour: a store without a protector holds the names in the clear.
        let source = TemporaryDirectory("plain-source")
        let plain = try EventStore(path: source.sub("store"))
        let plainHandler = CommandHandler(store: plain)
        for n in 1...3 {
            try await plainHandler.execute(.registerCustomer(customer(n), kind: .person, name: PersonalText("Plain Person \(n)")),
                                           context: CommandContext(actor: "test"))
        }
        let export = source.sub("plain.jsonl")
        try JSONLines.export(from: plain, to: export)
        plain.close()
        #expect(try String(contentsOfFile: export, encoding: .utf8).contains("Plain Person 2"))

        let target = TemporaryDirectory("sealing-target")
        let store = try EventStore(path: target.sub("store"))
        defer { store.close() }
        let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: target.sub("master.key")))
        #expect(try await JSONLines.importFile(export, into: store, mode: .chunks(lines: 2), protector: vault) == 3)
        #expect(try store.head() == 3)
        #expect(try store.verifyNow().isIntact)
        for n in 1...3 {
            #expect(!anyFile(below: target.path, holds: "Plain Person \(n)"))
            let event = try EventRegistry().decode(#require(try store.events(.stream(customer(n).stream)).first))
            #expect(event.subjectToSeal == nil)
            guard case .customerRegistered(let registered) = try event.openingPersonalData(with: vault) else {
                Issue.record("not a registration")
                continue
            }
            #expect(registered.name == PersonalText("Plain Person \(n)"))
        }
        // forget now erases: the value opens as erased, and no file of the store holds it.
        try await DataProtection.forget(.customer(customer(2)), vault: vault, handler: CommandHandler(store: store, protector: vault))
        let erased = try EventRegistry().decode(#require(try store.events(.stream(customer(2).stream)).first)).openingPersonalData(with: vault)
        guard case .customerRegistered(let registered) = erased else {
            Issue.record("not a registration")
            return
        }
        #expect(registered.name == .erased)
        let reexport = target.sub("again.jsonl")
        try JSONLines.export(from: store, to: reexport)
        let text = try String(contentsOfFile: reexport, encoding: .utf8)
        #expect(!text.contains("Plain Person"))
        #expect(text.split(separator: "\n").count == 4)
    }
}
