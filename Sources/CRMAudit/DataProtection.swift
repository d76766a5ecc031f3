import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import CRMLMDB

/// GDPR operations over a store whose personal data is sealed by a ``KeyVault``.
public enum DataProtection {
    /// Forgets a data subject (GDPR Art. 17 by crypto-shredding): destroys the subject's key,
    /// then appends `PersonalDataErased` (which holds no personal data) to the subject's
    /// stream. The log itself is not rewritten, so `verify` still passes; every sealed value of
    /// the subject now opens as `PersonalText.erased`, while amounts, dates and stages stay.
    ///
    /// - Returns: the position of the erasure event.
    @discardableResult
    public static func forget(_ subject: DataSubject, vault: KeyVault, handler: CommandHandler,
                              context: CommandContext = CommandContext(actor: "data-protection")) async throws -> UInt64 {
        try vault.forget(subject)
        return try await handler.execute(.recordErasure(subject), context: context).lastPosition
    }

    /// Restores a backup directory (as written by `EventStore.backup(to:)`) into the empty or
    /// new directory `path`, then opens and verifies the restored store.
    ///
    /// - Returns: the verification report of the restored store.
    public static func restore(backup: String, to path: String) throws -> VerificationReport {
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            guard (try files.contentsOfDirectory(atPath: path)).isEmpty else {
                throw EventLogError.backupTargetNotEmpty(path)
            }
        } else {
            try files.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: backup + "/data.mdb", toPath: path + "/data.mdb")
        let store = try EventStore(path: path)
        defer { store.close() }
        let report = try store.verifyNow()
        guard report.isIntact else {
            throw EventLogError.backupVerificationFailed(directory: path, problem: report.problem.map { "\($0)" } ?? "unknown")
        }
        return report
    }
}

extension CustomerRecord {
    /// The record with its personal data opened: plain where the subjects' keys exist,
    /// `PersonalText.erased` where they were forgotten.
    public func openingPersonalData(of id: CustomerID, with protector: any PersonalDataProtector) throws -> CustomerRecord {
        func open(_ text: PersonalText, _ subject: DataSubject) throws -> PersonalText {
            try text.opened(with: protector, for: subject)
        }
        let subject = DataSubject.customer(id)
        var copy = self
        copy.name = try open(name, subject)
        copy.email = try email.map { try open($0, subject) }
        copy.phone = try phone.map { try open($0, subject) }
        copy.address = try address.map { try open($0, subject) }
        for index in copy.feedback.indices { copy.feedback[index].text = try open(feedback[index].text, subject) }
        for index in copy.contacts.indices {
            let contact = DataSubject.contact(contacts[index].contactID)
            copy.contacts[index].name = try open(contacts[index].name, contact)
            copy.contacts[index].email = try contacts[index].email.map { try open($0, contact) }
            copy.contacts[index].phone = try contacts[index].phone.map { try open($0, contact) }
        }
        return copy
    }
}
