import CRMDomain
import CRMEventLog
import Foundation

/// Why a projection stopped.
public enum ProjectionError: Error, Sendable, CustomStringConvertible {
    /// An event the model folds could not be decoded.
    case undecodable(position: UInt64, error: CodecError)
    /// The persisted state could not be read.
    case corruptState(model: String, generation: String, reason: String)
    /// The persisted state was built with other rules than the ones given.
    case rulesMismatch(model: String, generation: String, stored: Int, given: Int)
    /// A generation name is empty or contains characters other than letters, digits, `-` and `_`.
    case invalidGeneration(String)
    /// The log or the state store is read-only; a projector writes its state.
    case readOnlyStore
    /// No ``StateStore`` was given where projection state is needed (a PostgreSQL log opened
    /// without a local state directory).
    case noLocalState
    /// A live projector was handed an event that does not follow its checkpoint: the log (or a
    /// subscription) skipped a position. Nothing of the batch was stored.
    case gap(model: String, checkpoint: UInt64, next: UInt64)

    /// A sentence naming what went wrong.
    public var description: String {
        switch self {
        case .undecodable(let position, let error): return "the event at position \(position) cannot be decoded: \(error)"
        case .corruptState(let model, let generation, let reason): return "the stored state of \(model) generation \(generation) is unreadable: \(reason)"
        case .rulesMismatch(let model, let generation, let stored, let given):
            return "\(model) generation \(generation) was built with rules version \(stored), not \(given); rebuild it"
        case .invalidGeneration(let name): return "'\(name)' is not a generation name (letters, digits, '-' and '_')"
        case .readOnlyStore: return "the store is open read-only; a projector needs to write its state"
        case .gap(let model, let checkpoint, let next):
            return "\(model) is at position \(checkpoint) but was handed the event at \(next): the log skipped positions; nothing was folded"
        case .noLocalState: return "the store has no local state directory for projections; give it one (a StateStore; `--state DIR` on the command line)"
        }
    }
}
