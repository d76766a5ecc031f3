import Foundation

/// The progress display of long commands, on standard error: a bar when the total is known,
/// elapsed seconds when it is not. Shown only on a terminal and without `--quiet`, so
/// redirected output and scripts see nothing of it; the line is cleared when the work ends.
final class ProgressDisplay: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let lock = NSLock()
    private var shown = ""
    private var finished = false
    let enabled: Bool

    /// A bar over `total` units (at least 1), labelled `label`.
    init(total: Int, label: String, quiet: Bool) {
        self.total = max(total, 1)
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Shows `count` of the total done (whole percents only, so a fast loop writes at most 101 times).
    func set(_ count: Int) {
        guard enabled else { return }
        let percent = min(100, max(0, count) * 100 / total)
        let bar = String(repeating: "█", count: percent / 4) + String(repeating: "·", count: 25 - percent / 4)
        show("\(label) \(bar) \(percent)%")
    }

    /// Shows `text` after the label (for work whose total is not known).
    func show(status text: String) {
        guard enabled else { return }
        show("\(label) \(text)")
    }

    private func show(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished, line != shown else { return }
        shown = line
        FileHandle.standardError.write(Data("\r\u{1B}[K  \(line)".utf8))
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        finished = true
    }

    /// Runs `work` while the elapsed seconds tick beside `label` (work without a known total:
    /// a rebuild, a backup), then clears the line.
    static func ticking<T>(_ label: String, quiet: Bool, _ work: () async throws -> T) async rethrows -> T {
        let progress = ProgressDisplay(total: 1, label: label, quiet: quiet)
        guard progress.enabled else { return try await work() }
        let started = Date()
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(250))
        timer.setEventHandler { progress.show(status: "… \(Int(Date().timeIntervalSince(started))) s") }
        timer.resume()
        defer {
            timer.cancel()
            progress.finish()
        }
        return try await work()
    }
}
