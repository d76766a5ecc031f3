import Foundation
import Synchronization

/// Deterministic crash points for the fault-injection suite (docs/reliability.md).
///
/// Multi-step state changes (a rebuild's generation switch, a backup, a chunked import) call
/// ``reach(_:)`` between their steps. When the environment variable `CRMKIT_CRASH_AT` names the
/// point (or `CRMKIT_CRASH_AT=<point>#<n>` its n-th visit), the process kills itself with SIGKILL
/// there — as `kill -9` would, with no cleanup, no flush and no `deinit`. Without the variable a
/// crash point costs one comparison against a cached value.
package enum CrashPoints {
    private static let target: (name: String, visit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["CRMKIT_CRASH_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "#", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let visits = Mutex<[String: Int]>([:])

    /// Kills the process with SIGKILL when `CRMKIT_CRASH_AT` names `point` (and this is its chosen visit).
    @inline(__always)
    package static func reach(_ point: StaticString) {
        guard let target else { return }
        let name = "\(point)"
        guard name == target.name else { return }
        let visit = visits.withLock { counts -> Int in
            counts[name, default: 0] += 1
            return counts[name]!
        }
        if visit == target.visit { kill(getpid(), SIGKILL) }
    }
}
