import CRMKit
import Foundation
import Testing
import TestSupport

/// swift-metrics as a backend sees them. swift-metrics is bootstrapped once per process, so the
/// probe runs in a child process (`EventLogTestHelper metrics`) with the test backend.
@Suite struct MetricsTests {
    @Test func appendsCommitsFoldsLagAndRebuildsAreReported() throws {
        let directory = TemporaryDirectory("metrics")
        let (status, lines) = try runHelper(["metrics", directory.sub("store")])
        #expect(status == 0, "\(lines)")
        #expect(lines == [
            // 2 + 1 + 2 events in three commits.
            "crmkit_log_appended_events_total backend=lmdb 5",
            "crmkit_log_commit_events backend=lmdb 2,1,2",
            "crmkit_log_commit_duration backend=lmdb count=3 positive=true",
            // 3 events in one stored batch (head 3), then 2 in batches of one (head 5).
            "crmkit_projection_folded_events_total model=crm 5",
            "crmkit_projection_lag_events model=crm 0,1,0",
            "crmkit_projection_rebuild_events_per_second model=crm count=1 positive=true",
        ])
    }
}
