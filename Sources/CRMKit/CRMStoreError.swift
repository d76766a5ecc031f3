/// Why the facade refused an operation.
public enum CRMStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A PostgreSQL location was given without the local directory where this instance keeps
    /// its read models and subject keys.
    case stateDirectoryRequired(String)
    /// The store was opened without sealing, so there is no subject key to destroy.
    case sealingDisabled
    /// The store was opened read-only.
    case readOnly(String)
    /// No store exists at the location (a read-only open never creates one).
    case noStore(String)

    /// One line naming what was wrong.
    public var description: String {
        switch self {
        case .stateDirectoryRequired(let url):
            return "\(url) is a PostgreSQL log: give the local directory where this instance keeps its read models and subject keys"
        case .sealingDisabled:
            return "this store was opened without sealing personal data, so a subject cannot be forgotten (open it with sealing on)"
        case .readOnly(let location):
            return "\(location) is open read-only"
        case .noStore(let location):
            return "no store at \(location) (run `crm demo` to create one)"
        }
    }
}
