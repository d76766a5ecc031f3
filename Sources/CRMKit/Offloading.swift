import Dispatch

/// Runs blocking work (a fold over the log, an LMDB transaction series) on a dispatch queue, so
/// the cooperative thread pool of Swift concurrency is never blocked by it. Cancellation is
/// checked before the work starts; long work checks it between batches itself.
func offloaded<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
    try Task.checkCancellation()
    return try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
