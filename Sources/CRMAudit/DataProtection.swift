import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import CRMLMDB

/// GDPR operations over a store whose personal data is sealed by a ``KeyVault``.
public enum DataProtection {
    /// Forgets a data subject (GDPR Art. 17 by crypto-shredding): marks the subject's key as
    /// being erased, appends `PersonalDataErased` (which holds no personal data) to the subject's
    /// stream, then overwrites the key with zeros in the subject-key file. The log itself is not
    /// rewritten, so `verify` still passes; every sealed value of the subject now opens as
    /// `PersonalText.erased`, while amounts, dates and stages stay.
    ///
    /// Killed at any step, the outcome is decided by the log alone: with the erasure event in
    /// the log the key is destroyed (by the next `forget` or ``KeyVault/completeErasures(recordedIn:)``),
    /// without it the subject keeps its key and `forget` can simply run again.
    ///
    /// - Returns: the position of the erasure event.
    /// - Throws: ``KeyVaultError/unknownSubject(_:)`` when the subject has no key (nothing is
    ///   appended, no key is touched), ``KeyVaultError/alreadyForgotten(_:)`` when it was forgotten.
    @discardableResult
    public static func forget(_ subject: DataSubject, vault: KeyVault, handler: CommandHandler,
                              context: CommandContext = CommandContext(actor: "data-protection")) async throws -> UInt64 {
        try vault.completeErasures(recordedIn: handler.store)
        try vault.beginErasure(of: subject)
        crashPoint("forget.beforeAppend")
        let position = try await handler.execute(.recordErasure(subject), context: context).lastPosition
        crashPoint("forget.afterAppend")
        try vault.finishErasure(of: subject)
        return position
    }

    /// Writes a verified hot copy of `store` into the empty or new directory `directory`, with
    /// the subject-key file of `vault` (keys wrapped, never in the clear) beside it.
    ///
    /// - Returns: the backup's verification report.
    public static func backup(_ store: EventStore, vault: KeyVault?, to directory: String) async throws -> BackupReport {
        // The key file is written into the copy before it is renamed into place: a backup killed
        // at any step is whole (data and keys) or absent.
        guard let vault else { return try await store.backup(to: directory) }
        return try await store.backup(to: directory) { copy in try vault.exportKeys(to: copy + "/subject-keys") }
    }

    /// The subjects whose `PersonalDataErased` events are in `log`: what a restore of an older
    /// backup must erase again (``restore(backup:to:reapplyingErasures:)``).
    public static func erasedSubjects(in log: any EventLogStore) throws -> [DataSubject] {
        var subjects: [DataSubject] = []
        try log.scan(.eventTypes([PersonalDataErased.eventType])) { view in
            if let subject = DataSubject(String(decoding: view.streamBytes, as: UTF8.self)) { subjects.append(subject) }
        }
        return subjects
    }

    /// Restores a backup directory (as written by ``backup(_:vault:to:)`` or
    /// `EventStore.backup(to:)`) into the empty or new directory `path`: copies the data file
    /// and the subject-key file (when the backup has one), destroys the keys of `erasures`
    /// (see ``erasedSubjects(in:)``: the erasures recorded in the live store since the backup
    /// was taken), then opens and verifies the restored store.
    ///
    /// - Returns: the verification report of the restored store.
    public static func restore(backup: String, to path: String, reapplyingErasures erasures: [DataSubject] = []) throws -> VerificationReport {
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            guard (try files.contentsOfDirectory(atPath: path)).isEmpty else {
                throw EventLogError.backupTargetNotEmpty(path)
            }
        } else {
            try files.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: backup + "/data.mdb", toPath: path + "/data.mdb")
        let keyFile = backup + "/subject-keys"
        if files.fileExists(atPath: keyFile) {
            let temporary = path + "/subject-keys.restoring"
            try files.copyItem(atPath: keyFile, toPath: temporary)
            let fd = open(temporary, O_RDWR)
            guard fd >= 0 else { throw KeyVaultError.keyFile(path: temporary, reason: FileOps.reason("cannot open")) }
            fchmod(fd, 0o600)
            let synced = fsync(fd)
            close(fd)
            guard synced == 0 else { throw KeyVaultError.keyFile(path: temporary, reason: FileOps.reason("cannot sync")) }
            guard rename(temporary, path + "/subject-keys") == 0 else {
                throw KeyVaultError.keyFile(path: temporary, reason: FileOps.reason("cannot rename"))
            }
            try FileOps.syncDirectory(of: path + "/subject-keys", recorder: nil)
        }
        if !erasures.isEmpty {
            let keys = SubjectKeyFile(path: path + "/subject-keys", readOnly: false)
            guard keys.exists else { throw KeyVaultError.keyFile(path: keys.path, reason: "the backup has no subject-key file to erase keys in") }
            _ = try keys.insertIfAbsent(erasures.map { ($0.description, .erased) })
            for subject in erasures { try keys.erase(subject.description) }
        }
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
