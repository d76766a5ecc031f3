/// Seals and opens personal data for its data subject: the store's key management.
///
/// ``CommandHandler`` seals every ``PersonalText`` field of the events it appends when it has a
/// protector; readers open them with ``DomainEvent/openingPersonalData(with:)``. Forgetting a
/// subject destroys its key, after which its sealed values open as ``PersonalText/erased``.
public protocol PersonalDataProtector: Sendable {
    /// Seals `text` with the key of `subject`, creating the key on first use.
    func seal(_ text: String, for subject: DataSubject) throws -> [UInt8]
    /// Opens sealed bytes with the key of `subject`; `nil` when the subject was forgotten.
    /// Throws when the bytes are damaged or were sealed for another subject.
    func open(_ sealed: [UInt8], for subject: DataSubject) throws -> String?
    /// Makes sure the subjects have keys before ``seal(_:for:)`` is called for them, creating the
    /// missing ones; ``CommandHandler`` awaits it before sealing a command's events, so a
    /// protector can create the keys of many concurrent commands in one durable write instead of
    /// blocking in `seal`. The default does nothing (`seal` creates keys on first use).
    func prepareKeys(for subjects: Set<DataSubject>) async throws
}

extension PersonalDataProtector {
    /// Does nothing: ``seal(_:for:)`` creates keys on first use.
    public func prepareKeys(for subjects: Set<DataSubject>) async throws {}
}

/// Replaces each personal field through `transform`.
private struct PersonalDataWalker: FieldVisitor {
    let transform: (PersonalText) throws -> PersonalText

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) throws {
        if let text = value as? PersonalText { value = try transform(text) as! T }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws {
        if let text = value as? PersonalText { value = try transform(text) as? T }
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws {
        guard T.self == PersonalText.self else { return }
        value = try value.map { try transform($0 as! PersonalText) as! T }
    }
}

extension DomainEvent {
    private func mappingPersonalData(_ transform: (PersonalText) throws -> PersonalText) throws -> DomainEvent {
        guard var message = catalogMessage else { return self }
        return try withoutActuallyEscaping(transform) { transform in
            var walker = PersonalDataWalker(transform: transform)
            try message.visitFields(&walker)
            return message.domainEvent
        }
    }

    /// The subject whose key sealing this event needs: its ``dataSubject`` when at least one
    /// personal field is still in the clear, else `nil`.
    public var subjectToSeal: DataSubject? {
        guard let subject = dataSubject, var message = catalogMessage else { return nil }
        var plain = false
        var walker = PersonalDataWalker { text in
            if case .plain = text { plain = true }
            return text
        }
        try? message.visitFields(&walker)
        return plain ? subject : nil
    }

    /// The event with every plain personal field sealed for its ``dataSubject``.
    public func sealingPersonalData(with protector: any PersonalDataProtector) throws -> DomainEvent {
        guard let subject = dataSubject else { return self }
        return try mappingPersonalData { text in
            guard case .plain(let plain) = text else { return text }
            return .sealed(try protector.seal(plain, for: subject))
        }
    }

    /// The event with every sealed personal field opened: plain when the subject's key exists,
    /// ``PersonalText/erased`` once the subject was forgotten.
    public func openingPersonalData(with protector: any PersonalDataProtector) throws -> DomainEvent {
        guard let subject = dataSubject else { return self }
        return try mappingPersonalData { try $0.opened(with: protector, for: subject) }
    }
}

extension DomainEvent {
    /// The event with the sealed personal fields of a forgotten subject replaced by
    /// ``PersonalText/erased``; values that can still be opened stay sealed.
    public func erasingForgottenPersonalData(with protector: any PersonalDataProtector) throws -> DomainEvent {
        guard let subject = dataSubject else { return self }
        return try mappingPersonalData { text in
            try text.opened(with: protector, for: subject).isErased ? .erased : text
        }
    }
}

extension PersonalText {
    /// The value opened for `subject`: plain when sealed and the subject's key exists,
    /// ``erased`` when the subject was forgotten, unchanged when already plain or erased.
    public func opened(with protector: any PersonalDataProtector, for subject: DataSubject) throws -> PersonalText {
        guard case .sealed(let bytes) = self, !isErased else { return self }
        return try protector.open(bytes, for: subject).map(PersonalText.plain) ?? .erased
    }
}
