import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The CRM over HTTP, embedding CRMKit in a Hummingbird application.
///
/// | endpoint | what it does |
/// |---|---|
/// | `POST /commands` | executes a ``CommandRequest``; 201 with the appended positions, 400 with the broken rule |
/// | `GET /customers/{id}` | the customer 360 as ``Customer360JSON``; 404 for an unknown customer |
/// | `GET /pipeline` | the sales pipeline as ``PipelineJSON`` |
/// | `GET /scorecard?period=2026-Q3` | the balanced scorecard as ``ScorecardJSON`` (default: the current quarter) |
/// | `GET /events` | the log as server-sent events, live; resumes after `Last-Event-ID` or `?after=` |
///
/// Commands go through `CommandHandler`, so every domain rule holds and a rejected command
/// appends nothing. The read endpoints fold what was appended since the last request into the
/// persisted projection first (exactly once, state and checkpoint in one transaction), so a
/// client reads its own writes. That catch-up is a short synchronous LMDB transaction, and a
/// no-op when nothing new was appended; a service with heavy write traffic would rather run
/// `Projector.follow()` in the background and wait for the checkpoint to pass the position of
/// its own append.
public struct CRMService: Sendable {
    /// The store; open it once per process.
    public let store: EventStore
    /// Executes commands against the store.
    public let commands: CommandHandler
    /// The persisted read models.
    public let projector: Projector<CRMReadModels>

    /// Opens the read models of `store` and brings them up to its head.
    public init(store: EventStore, rules: CRMRules = .standard) throws {
        self.store = store
        commands = CommandHandler(store: store)
        projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment), rules: rules)
        try projector.catchUp()
        try projector.activate()
    }

    /// The routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("commands") { request, context in try await self.execute(request, context: context) }
        router.get("customers/:id") { _, context in try await self.customer(context.parameters.require("id")) }
        router.get("pipeline") { _, _ in try await self.pipeline() }
        router.get("scorecard") { request, _ in try await self.scorecard(request.uri.queryParameters.get("period")) }
        router.get("events") { request, _ in try self.events(request) }
        return router
    }

    /// The application listening on `host`:`port` (port 0 picks a free one; `onServerRunning`
    /// receives the channel, whose local address tells which).
    public func application(
        host: String = "127.0.0.1", port: Int = 8080,
        onServerRunning: @escaping @Sendable (any NIOCore.Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "crm-server"),
                    onServerRunning: onServerRunning)
    }

    // MARK: Commands

    func execute(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let command: CommandRequest
        do {
            command = try JSONDecoder().decode(CommandRequest.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw APIError(status: .badRequest, rule: "request.invalid", message: describe(error))
        }
        let actor = request.headers[.init("X-Actor")!] ?? "http"
        let result: AppendResult
        do {
            result = try await crm.execute(command.command, context: CommandContext(actor: actor, occurredAt: command.occurredAt ?? Date()))
        } catch let error as DomainRuleError {
            throw APIError(error)
        }
        try await models.catchUp()
        let appended = result.events.map { CommandResponse.Appended(position: $0.position, stream: $0.stream) }
        return try JSONResponse.make(CommandResponse(id: command.id, events: appended), status: .created)
    }

    // MARK: Reads

    func customer(_ text: String) async throws -> Response {
        guard let id = CustomerID(text) else {
            throw APIError(status: .badRequest, rule: "request.invalid", message: "'\(text)' is not a customer id (a UUID)")
        }
        try await models.catchUp()
        guard let view = models.customer360(id) else {
            throw APIError(status: .notFound, rule: "customer.unknown", message: "no customer \(id)")
        }
        // The log and the read models hold personal data sealed; the vault opens it for display.
        let record = try crm.vault.map { try view.record.openingPersonalData(of: id, with: $0) } ?? view.record
        return try JSONResponse.make(Customer360JSON(view, record: record, currency: models.read { $0.rules.currency }))
    }

    func pipeline() async throws -> Response {
        try await models.catchUp()
        return try JSONResponse.make(PipelineJSON(models.pipeline()))
    }

    func scorecard(_ text: String?) async throws -> Response {
        let period: Period
        if let text {
            guard let parsed = Period(text: text) else {
                throw APIError(status: .badRequest, rule: "request.invalid",
                               message: "'\(text)' is not a period (2026-Q3, 2026-07 or 2026)")
            }
            period = parsed
        } else {
            let (year, month, _) = CalendarDay(containing: Date()).parts
            period = .quarter(year: year, quarter: (month - 1) / 3 + 1)
        }
        try await models.catchUp()
        return try JSONResponse.make(ScorecardJSON(models.read { $0.scorecard(period) }))
    }

    // MARK: Live

    /// Server-sent events: a comment line once the subscription is open, then each event as
    /// `id: <position>`, `event: <type>`, `data: <the JSON Lines form>`. The stream ends when the
    /// client disconnects, the server shuts down gracefully, or the store closes.
    func events(_ request: Request) throws -> Response {
        let after: UInt64
        let resume = request.headers[.init("Last-Event-ID")!] ?? request.uri.queryParameters.get("after")
        if let resume {
            guard let position = UInt64(resume) else {
                throw APIError(status: .badRequest, rule: "request.invalid", message: "'\(resume)' is not a log position")
            }
            after = position
        } else {
            after = try crm.log.head()
        }
        let log = crm.log, registry = crm.commands.registry
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Cancelled when the client goes away; the subscription also ends on graceful shutdown.
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await writer.write(ByteBuffer(string: ": following the log after position \(after)\n\n"))
                for try await event in log.subscribe(after: after).cancelOnGracefulShutdown() {
                    let data = try JSONLines.line(for: event, registry: registry)
                    try await writer.write(ByteBuffer(string: "id: \(event.position)\nevent: \(event.type)\ndata: \(data)\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }
}
