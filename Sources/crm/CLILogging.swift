import ArgumentParser
import Logging

/// The command line's logging: silent unless `--log-level LEVEL` or `--verbose` is given, then
/// swift-log's stream handler on standard error (never standard output, which carries the
/// reports and JSON).
enum CLILogging {
    /// A logger that logs nothing.
    static let silent = Logger(label: "crm", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A logger writing to standard error at `level`, or ``silent`` for `nil`.
    static func logger(level: Logger.Level?) -> Logger {
        guard let level else { return silent }
        var logger = Logger(label: "crm", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = level
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
