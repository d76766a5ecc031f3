@testable import CRMAudit
import CRMDomain
import CRMProjections
@testable import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
import TestSupport

private func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }
private func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }
private func at(_ text: String, minutes: Int = 720) -> CommandContext {
    CommandContext(actor: "user:anna", occurredAt: day(text).startDate.addingTimeInterval(Double(minutes) * 60))
}

/// Every file below `directory`, recursively, as bytes.
private func filesBelow(_ directory: String) -> [(String, [UInt8])] {
    let files = FileManager.default
    guard let names = files.enumerator(atPath: directory) else { return [] }
    return names.compactMap { name -> (String, [UInt8])? in
        let path = directory + "/" + (name as! String)
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = files.contents(atPath: path) else { return nil }
        return (path, [UInt8](data))
    }
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    let first = needle[0]
    var index = 0
    while let start = haystack[index...].firstIndex(of: first), start + needle.count <= haystack.count {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        index = start + 1
    }
    return false
}

/// A store whose personal data is sealed, with two customers' histories.
struct SealedStore {
    let directory = TemporaryDirectory("audit")
    let keys = TemporaryDirectory("keys")
    let store: EventStore
    let vault: KeyVault
    let handler: CommandHandler
    let zofia = CustomerID(UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!)
    let jan = CustomerID(UUID(uuidString: "00000000-0000-0000-0000-00000000000b")!)
    let agent = EmployeeID(UUID(uuidString: "00000000-0000-0000-0000-0000000000e1")!)
    let order = OrderID(UUID(uuidString: "00000000-0000-0000-0000-0000000000d1")!)
    let invoice = InvoiceID(UUID(uuidString: "00000000-0000-0000-0000-0000000000c1")!)
    static let secrets = ["Zofia Wiśniewska", "zofia.wisniewska@example.pl", "+48 600 700 800", "ul. Różana 7, Kraków",
                          "Zofia fragt nach der Lieferung nach Kraków", "Paket beschädigt, bitte Ersatz", "Zofia: Lieferung fehlt"]

    init() async throws {
        store = try EventStore(path: directory.sub("store"))
        vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: try FileMasterKeyStore(path: keys.sub("master.key")))
        handler = CommandHandler(store: store, protector: vault)
        let commands: [(CRMCommand, CommandContext)] = [
            (.registerEmployee(agent, name: "Anna Roth", role: "service"), at("2026-01-01")),
            (.registerCustomer(zofia, kind: .person, name: PersonalText(Self.secrets[0]), email: PersonalText(Self.secrets[1]),
                               phone: PersonalText(Self.secrets[2]), address: PersonalText(Self.secrets[3]), country: "PL"), at("2026-01-05")),
            (.registerCustomer(jan, kind: .person, name: "Jan Kowalski", email: "jan@example.pl"), at("2026-01-06")),
            (.giveConsent(zofia, purpose: .newsletter, channel: .email, source: "web form"), at("2026-01-05")),
            (.recordInteraction(InteractionID(UUID(uuidString: "00000000-0000-0000-0000-0000000000f1")!), customer: zofia, channel: .phone,
                                direction: .inbound, employee: agent, durationSeconds: 300, subject: "Lieferung",
                                text: PersonalText(Self.secrets[4])), at("2026-01-10")),
            (.placeOrder(order, customer: zofia, lines: [OrderLine(product: "GR-1", quantity: 2, unitPrice: eur(25_000))], channel: .web),
             at("2026-01-12")),
            (.shipOrder(order), at("2026-01-13")),
            (.deliverOrder(order), at("2026-01-15")),
            (.issueInvoice(invoice, customer: zofia, order: order, amount: eur(50_000), dueOn: day("2026-02-12")), at("2026-01-15")),
            (.receiveFeedback(zofia, kind: .complaint, channel: .email, text: PersonalText(Self.secrets[5])), at("2026-01-16")),
            (.openTicket(TicketID(UUID(uuidString: "00000000-0000-0000-0000-0000000000b1")!), customer: zofia, channel: .email,
                         priority: .high, category: "delivery", subject: PersonalText(Self.secrets[6]), slaPolicy: "standard",
                         firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440), at("2026-01-16")),
            (.answerNPS(zofia, score: 4, comment: "schade"), at("2026-01-20")),
            (.recordPayment(invoice, amount: eur(50_000), method: .bankTransfer), at("2026-01-25")),
            (.withdrawConsent(zofia, purpose: .newsletter, channel: .email), at("2026-02-01")),
        ]
        for (command, context) in commands { try await handler.execute(command, context: context) }
    }

    func close() { store.close() }
}

@Suite("Audit and data protection")
struct AuditTests {
    @Test("forget: no plaintext and no key bytes anywhere in the environment, its backup or an export; verify passes; history unchanged")
    func forget() async throws {
        let s = try await SealedStore()
        defer { s.close() }
        let projector = try Projector<CRMReadModels>(store: s.store, state: StateStore(environment: s.store.environment))
        try projector.catchUp()
        try projector.activate()
        let january = projector.read { $0.scorecard(.month(year: 2026, month: 1)) }
        let key = try #require(try s.vault.keyBytes(for: .customer(s.zofia)))
        #expect(key.count == 32)

        // Sealed from the start: the plaintext never reached the log or the projections.
        let before = filesBelow(s.directory.path)
        for secret in SealedStore.secrets {
            #expect(!before.contains { contains($0.1, Array(secret.utf8)) }, "before forget: '\(secret)' in a file")
        }
        let opened = try #require(projector.read { $0.customer360.customer(s.zofia) }).openingPersonalData(of: s.zofia, with: s.vault)
        #expect(opened.name == PersonalText(SealedStore.secrets[0]))
        #expect(opened.address == PersonalText(SealedStore.secrets[3]))

        let position = try await DataProtection.forget(.customer(s.zofia), vault: s.vault, handler: s.handler)
        try projector.catchUp()
        let backup = try await s.store.backup(to: s.directory.sub("backup"))
        #expect(backup.head == position)
        let export = s.directory.sub("export.jsonl")
        try JSONLines.export(from: s.store, to: export)
        // With the vault, the export shows the forgotten subject as erased.
        let erasedExport = s.directory.sub("erased.jsonl")
        try JSONLines.export(from: s.store, to: erasedExport, protector: s.vault)
        let lines = String(decoding: FileManager.default.contents(atPath: erasedExport)!, as: UTF8.self).split(separator: "\n")
        #expect(lines[1].contains("\"name\":{\"sealed\":\"\"},\"email\":{\"sealed\":\"\"}"))
        #expect(!lines[2].contains("{\"sealed\":\"\"}"))  // Jan's registration stays sealed, not erased

        for (path, bytes) in filesBelow(s.directory.path) {
            #expect(!contains(bytes, key), "the subject key is in \(path)")
            for secret in SealedStore.secrets {
                #expect(!contains(bytes, Array(secret.utf8)), "'\(secret)' is in \(path)")
            }
        }
        #expect(try s.store.verifyNow().isIntact)
        #expect(try s.vault.hasKey(for: .customer(s.zofia)) == false)

        // The subject shows as erased; the facts stay, so January's scorecard is unchanged.
        let record = try #require(projector.read { $0.customer360.customer(s.zofia) })
        #expect(record.personalDataErased)
        #expect(record.name.isErased && record.email?.isErased == true && record.feedback.first?.text.isErased == true)
        #expect(record.name.description == "‹erased›")
        #expect(record.orderCount == 1)
        #expect(record.years.first?.revenue == 50_000)
        #expect(projector.read { $0.scorecard(.month(year: 2026, month: 1)) } == january)
        let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: s.store)
        #expect(rebuilt.scorecard(.month(year: 2026, month: 1)) == january)
        // Sealed values still in the log open as erased; the other customer's still open.
        let events = try s.store.events(.stream(s.zofia.stream))
        guard case .customerRegistered(let registered) = try EventRegistry().decode(events[0]).openingPersonalData(with: s.vault) else {
            Issue.record("not a registration")
            return
        }
        #expect(registered.name == .erased)
        let jan = try #require(projector.read { $0.customer360.customer(s.jan) }).openingPersonalData(of: s.jan, with: s.vault)
        #expect(jan.name == "Jan Kowalski")
        // The audit trail shows the facts with the personal data erased.
        let trail = try AuditTrail(store: s.store, protector: s.vault).history(of: s.zofia.stream)
        #expect(trail.first?.summary == "kind: person, name: ‹erased›, email: ‹erased›, phone: ‹erased›, address: ‹erased›, country: PL")
        #expect(trail.last?.eventType == "PersonalDataErased")
        #expect(trail.last?.actor == "data-protection")

        // The vault reopens with the same master key (forget rotates nothing); another key does not open it.
        let reopened = try KeyVault(state: StateStore(environment: s.store.environment), masterKeys: try FileMasterKeyStore(path: s.keys.sub("master.key")))
        #expect(try reopened.open(try s.vault.seal("x", for: .customer(s.jan)), for: .customer(s.jan)) == "x")
        #expect(throws: KeyVaultError.wrongMasterKey) {
            try KeyVault(state: StateStore(environment: s.store.environment), masterKeys: try FileMasterKeyStore(path: s.keys.sub("other.key")))
        }
    }

    @Test("keys created while other subjects are forgotten stay readable under the master key that survives")
    func keyCreationDuringForget() async throws {
        let directory = TemporaryDirectory("vault-race")
        let keys = TemporaryDirectory("vault-race-keys")
        let store = try EventStore(path: directory.sub("store"), configuration: .init(durability: .relaxed))
        defer { store.close() }
        let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: try FileMasterKeyStore(path: keys.sub("master.key")))
        func subject(_ n: Int) -> DataSubject {
            .customer(CustomerID(UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!))
        }
        // Subjects 1000… exist to be forgotten; 0…199 are created while that happens, some in
        // batches (prepareKeys), some one by one (seal).
        for n in 1_000..<1_030 { _ = try vault.seal("old \(n)", for: subject(n)) }
        let sealed = try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            group.addTask {
                for n in 1_000..<1_030 {
                    try vault.beginErasure(of: subject(n))
                    try vault.finishErasure(of: subject(n))
                }
                return []
            }
            for worker in 0..<4 {
                group.addTask {
                    var result: [(Int, [UInt8])] = []
                    for n in stride(from: worker, to: 200, by: 4) {
                        if n % 3 == 0 { try await vault.prepareKeys(for: [subject(n)]) }
                        result.append((n, try vault.seal("text \(n)", for: subject(n))))
                    }
                    return result
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(sealed.count == 200)
        // Opened by this vault and by one reopened from the files: every new key was wrapped
        // with the master key that survived the rotations.
        let reopened = try KeyVault(state: StateStore(environment: store.environment), masterKeys: try FileMasterKeyStore(path: keys.sub("master.key")))
        for (n, bytes) in sealed {
            #expect(try vault.open(bytes, for: subject(n)) == "text \(n)")
            #expect(try reopened.open(bytes, for: subject(n)) == "text \(n)")
        }
        for n in 1_000..<1_030 { #expect(try reopened.hasKey(for: subject(n)) == false) }
    }

    @Test("a restored backup verifies; restoring into a used directory is refused")
    func restore() async throws {
        let s = try await SealedStore()
        defer { s.close() }
        let backup = try await s.store.backup(to: s.directory.sub("backup"))
        let report = try DataProtection.restore(backup: backup.directory, to: s.directory.sub("restored"))
        #expect(report.isIntact)
        #expect(report.head == (try s.store.head()))
        #expect(throws: EventLogError.backupTargetNotEmpty(s.directory.sub("restored"))) {
            try DataProtection.restore(backup: backup.directory, to: s.directory.sub("restored"))
        }
    }

    @Test("audit trail of an order and what was known about a customer on a past day")
    func auditTrail() async throws {
        let s = try await SealedStore()
        defer { s.close() }
        let trail = AuditTrail(store: s.store, protector: s.vault)
        let order = try trail.history(of: s.order.stream)
        #expect(order.map(\.eventType) == ["OrderPlaced", "OrderShipped", "OrderDelivered"])
        #expect(order.map(\.streamVersion) == [1, 2, 3])
        #expect(order.allSatisfy { $0.actor == "user:anna" })
        #expect(order.map { CalendarDay(containing: $0.occurredAt) } == [day("2026-01-12"), day("2026-01-13"), day("2026-01-15")])
        #expect(order.first?.summary == "lines: [(product: GR-1, quantity: 2, unitPrice: 250.00 EUR)], total: 500.00 EUR, channel: web")

        // Recorded times are when the test ran (each command synced before the next): cut at the
        // delivery, position 8.
        let cut = try #require(try s.store.event(at: 8)).recordedAt
        #expect(try trail.position(recordedBy: cut) == 8)
        let (view, since) = try trail.knowledge(of: s.zofia, at: cut)
        let known = try #require(view)
        #expect(known.record.name == PersonalText(SealedStore.secrets[0]))
        #expect(known.record.orderCount == 1)
        #expect(known.record.invoices.isEmpty)
        #expect(known.record.orders.first?.status == .delivered)
        // Since then, about Zofia: the invoice, the complaint, the ticket, the NPS answer, the
        // payment and the withdrawn consent (positions 9–14), each with its actor.
        #expect(since.map(\.eventType) == ["InvoiceIssued", "FeedbackReceived", "TicketOpened", "NPSAnswered", "PaymentReceived",
                                           "ConsentWithdrawn"])
        #expect(since.map(\.position) == [9, 10, 11, 12, 13, 14])
        #expect(since.map(\.stream) == [s.invoice.stream, s.zofia.stream, "ticket-00000000-0000-0000-0000-0000000000b1",
                                        s.zofia.stream, s.invoice.stream, s.zofia.stream])
    }

    @Test("consent: history, consent in force at a day, may-contact")
    func consent() async throws {
        let s = try await SealedStore()
        defer { s.close() }
        let ledger = ConsentLedger(store: s.store)
        let history = try ledger.history(of: s.zofia)
        #expect(history.map(\.given) == [true, false])
        #expect(history.map(\.purpose) == [.newsletter, .newsletter])
        #expect(history.first?.source == "web form")
        #expect(try ledger.current(of: s.zofia, at: day("2026-01-20").startDate) == [.newsletter: [.email]])
        #expect(try ledger.mayContact(s.zofia, for: .newsletter, on: .email, at: day("2026-01-20").startDate))
        #expect(try !ledger.mayContact(s.zofia, for: .newsletter, on: .phone, at: day("2026-01-20").startDate))
        #expect(try !ledger.mayContact(s.zofia, for: .newsletter, on: .email, at: day("2026-02-02").startDate))
        #expect(try ledger.current(of: s.zofia, at: day("2026-02-02").startDate).isEmpty)
        #expect(try !ledger.mayContact(s.jan, for: .marketing, on: .email))
    }

    @Test("an access hook that refuses an actor leaves the log unchanged and names its reason")
    func accessHook() async throws {
        let s = try await SealedStore()
        defer { s.close() }
        struct Refusal: Error, CustomStringConvertible {
            let description: String
        }
        s.store.setAppendAuthorizer { request in
            if request.actors.contains("intern") { throw Refusal(description: "interns may not change customer data") }
        }
        let head = try s.store.head(), hash = try s.store.hash(at: head)
        await #expect(throws: EventLogError.appendRefused(reason: "interns may not change customer data")) {
            try await s.handler.execute(.answerNPS(s.jan, score: 10), context: CommandContext(actor: "intern"))
        }
        await #expect(throws: EventLogError.appendRefused(reason: "interns may not change customer data")) {
            try await s.store.append(to: "note-1", events: [NewEvent(type: "Note", actor: "intern", payload: [])])
        }
        #expect(try s.store.head() == head)
        #expect(try s.store.hash(at: head) == hash)
        try await s.handler.execute(.answerNPS(s.jan, score: 10), context: CommandContext(actor: "user:anna"))
        #expect(try s.store.head() == head + 1)
        s.store.setAppendAuthorizer(nil)
        try await s.handler.execute(.answerNPS(s.jan, score: 9), context: CommandContext(actor: "intern"))
        #expect(try s.store.head() == head + 2)
    }
}
