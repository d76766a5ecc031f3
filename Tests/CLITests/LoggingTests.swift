import Foundation
import Testing
import TestSupport

/// `--log-level` and `--verbose`: log lines go to standard error only, the report stays as it was.
@Suite struct LoggingTests {
    @Test func logLevelLogsToStandardErrorAndLeavesTheOutputAlone() throws {
        let demo = DemoStore.shared
        let quiet = try crm(["head", "--store", demo.store, "--json"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr == "")

        let logged = try crm(["head", "--store", demo.store, "--json", "--log-level", "debug"])
        #expect(logged.status == 0)
        #expect(logged.stdout == quiet.stdout)
        let opened = logged.stderrLines.filter { $0.contains("opened event store") }
        #expect(opened.count == 1, "\(logged.stderr)")
        #expect(opened.first?.contains("debug") == true)
        #expect(opened.first?.contains("head=\(demo.head)") == true, "\(logged.stderr)")

        let verbose = try crm(["head", "--store", demo.store, "--json", "--verbose"])
        #expect(verbose.stdout == quiet.stdout)
        #expect(verbose.stderrLines.filter { $0.contains("opened event store") }.count == 1)

        // Above debug the open is not logged.
        let warnings = try crm(["head", "--store", demo.store, "--json", "--log-level", "warning"])
        #expect(warnings.stderr == "")
    }

    @Test func anUnknownLogLevelIsAUsageError() throws {
        let run = try crm(["head", "--store", DemoStore.shared.store, "--log-level", "loud"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("loud"), "\(run.stderr)")
    }
}
