import Foundation
import Testing
import TestSupport

/// The HTML report rendered in headless Chromium (Debian's `chromium`, which `make test`
/// installs): no console messages, and a screenshot of the charts is written.
@Suite(.serialized) struct ChromiumTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Renders `page` to `screenshot` and returns Chromium's log lines that report console
    /// messages (`…:CONSOLE…`).
    func render(_ page: String, screenshot: String) throws -> (status: Int32, console: [String]) {
        let binary = try #require(Self.chromium, "chromium is not installed; `make test` installs it (apt-get install -y chromium)")
        let log = page + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--log-level=0",
                             "--window-size=1300,3200", "--screenshot=\(screenshot)", "file://\(page)"]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        return (process.terminationStatus, text.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") })
    }

    @Test func reportRendersWithoutConsoleMessages() throws {
        let demo = DemoStore.shared
        let dir = TemporaryDirectory("chromium")
        let page = dir.sub("report.html")
        try FileManager.default.copyItem(atPath: demo.report, toPath: page)
        let shot = dir.sub("report.png")
        let result = try render(page, screenshot: shot)
        #expect(result.status == 0)
        #expect(result.console == [])
        let png = try #require(FileManager.default.contents(atPath: shot))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(png.count > 50_000)
    }

    @Test func consoleErrorsAreSeen() throws {
        let dir = TemporaryDirectory("chromium-control")
        let page = dir.sub("broken.html")
        try Data("<!DOCTYPE html><html><body><script>console.error('broken on purpose')</script></body></html>".utf8)
            .write(to: URL(fileURLWithPath: page))
        let result = try render(page, screenshot: dir.sub("broken.png"))
        #expect(result.console.count == 1)
        #expect(result.console.first?.contains("\"broken on purpose\"") == true)
    }
}
