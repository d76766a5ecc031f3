import Foundation

extension UUID {
    /// The all-zero UUID, the placeholder of records before the decoder fills them in.
    static let allZero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
