import CRMHTTP
import CRMKit
import Foundation
import Hummingbird
import ServiceLifecycle
import Testing

/// Each test starts the real server on a free loopback port over a fresh store, talks to it over
/// TCP with ``LoopbackClient``, and stops it.
@Suite struct ServiceTests {
    /// Runs `body` against a server on 127.0.0.1; returns once the server has stopped.
    func withServer(_ body: (LoopbackClient, any EventLogStore) async throws -> Void) async throws {
        try await withServer { client, store, _ in try await body(client, store) }
    }

    /// The same, also handing `body` the server's service group (to shut it down early).
    func withServer(_ body: (LoopbackClient, any EventLogStore, ServiceGroup) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-http-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + ".master-key")
        }
        let crm = try await CRMStore.open(path: directory)
        defer { crm.close() }
        let store = crm.log
        let service = try await CRMService(crm: crm)
        // The server reports its port once it listens: the readiness signal, no polling.
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = service.application(port: 0) { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
        }
        let server = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: app.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portSink.finish() }
                try await server.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next(), "the server stopped before it listened")
            try #require(port > 0)
            do {
                try await body(LoopbackClient(port: port), store, server)
            } catch {
                await server.triggerGracefulShutdown()
                throw error
            }
            // Graceful: in-flight requests finish, then the server closes and run() returns.
            await server.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Posts a command, expects 201, and returns the entity id and the appended positions.
    @discardableResult
    func post(_ client: LoopbackClient, _ body: String) async throws -> (id: String, positions: [UInt64]) {
        let reply = try await client.send(.POST, "/commands", json: body)
        let text = String(decoding: reply.body, as: UTF8.self)
        try #require(reply.status == 201, "\(body) → \(reply.status) \(text)")
        let response = try JSONDecoder().decode(CommandResponse.self, from: reply.body)
        return (response.id, response.events.map(\.position))
    }

    @Test(.timeLimit(.minutes(2))) func commandsFlowIntoTheReadModelsAndTheLiveStream() async throws {
        try await withServer { client, store in
            let anna = try await post(client, #"{"type": "registerEmployee", "name": "Anna Roth", "role": "sales"}"#)
            #expect(anna.positions == [1])
            let customer = try await post(client, """
                {"type": "registerCustomer", "kind": "account", "name": "Kunststoff AG", "country": "DE",
                 "occurredAt": "2026-07-01T09:00:00Z"}
                """)
            #expect(customer.positions == [2])
            #expect(UUID(uuidString: customer.id) != nil)

            // Follow the log from position 1: position 2 is caught up, the rest arrives live.
            let streamed = try await client.withEventStream("/events", headers: [("Last-Event-ID", "1")]) { status, contentType, reader in
                #expect(status == 200)
                #expect(contentType == "text/event-stream")
                #expect(try await reader.next()?.comment == "following the log after position 1")

                let deal = try await post(client, """
                    {"type": "openOpportunity", "customer": "\(customer.id)", "title": "Spritzguss", "product": "SG-3",
                     "expectedRevenue": {"amount": 1200000, "currency": "EUR"}, "expectedCloseOn": "2026-09-30",
                     "probability": 40, "owner": "\(anna.id)", "occurredAt": "2026-07-02T10:00:00Z"}
                    """)
                try await post(client, """
                    {"type": "openOpportunity", "customer": "\(customer.id)", "title": "Folie", "product": "FO-2",
                     "expectedRevenue": {"amount": 300000, "currency": "EUR"}, "expectedCloseOn": "2026-10-15",
                     "probability": 50, "owner": "\(anna.id)", "occurredAt": "2026-07-03T10:00:00Z"}
                    """)
                try await post(client, """
                    {"type": "winOpportunity", "id": "\(deal.id)", "amount": {"amount": 1150000, "currency": "EUR"},
                     "occurredAt": "2026-07-20T15:00:00Z"}
                    """)
                let order = try await post(client, """
                    {"type": "placeOrder", "customer": "\(customer.id)", "channel": "web", "occurredAt": "2026-07-21T08:00:00Z",
                     "lines": [{"product": "SG-3", "quantity": 2, "unitPrice": {"amount": 62500, "currency": "EUR"}}]}
                    """)
                let ticket = try await post(client, """
                    {"type": "openTicket", "customer": "\(customer.id)", "channel": "email", "priority": "high",
                     "category": "delivery", "subject": "Lieferung unvollständig", "firstResponseTargetMinutes": 60,
                     "resolutionTargetMinutes": 480, "occurredAt": "2026-07-22T10:00:00Z"}
                    """)
                try await post(client, """
                    {"type": "respondToTicket", "id": "\(ticket.id)", "employee": "\(anna.id)", "channel": "phone",
                     "occurredAt": "2026-07-22T10:30:00Z"}
                    """)
                try await post(client, """
                    {"type": "resolveTicket", "id": "\(ticket.id)", "firstContactResolution": true,
                     "occurredAt": "2026-07-22T12:00:00Z"}
                    """)
                let nps = try await post(client, """
                    {"type": "answerNPS", "customer": "\(customer.id)", "score": 9, "occurredAt": "2026-07-25T12:00:00Z"}
                    """)
                #expect(nps.positions == [10])

                var frames: [LoopbackClient.Frame] = []
                while frames.count < 9, let frame = try await reader.nextEvent() { frames.append(frame) }
                return (frames, order.id, ticket.id, deal.id)
            }
            let (frames, orderID, ticketID, dealID) = streamed
            #expect(frames.map(\.id) == (2...10).map { "\($0)" })
            #expect(frames.map(\.event) == [
                "CustomerRegistered", "OpportunityOpened", "OpportunityOpened", "OpportunityWon", "OrderPlaced",
                "TicketOpened", "TicketFirstResponseGiven", "TicketResolved", "NPSAnswered",
            ])
            let placed = try json(Data(try #require(frames[4].data).utf8))
            #expect(placed["position"] as? Int == 6)
            #expect(placed["stream"] as? String == "order-\(orderID)")
            #expect(placed["type"] as? String == "OrderPlaced")
            #expect(placed["occurredAt"] as? String == "2026-07-21T08:00:00.000000Z")

            // The customer 360 holds what the commands said.
            let page = try await client.send(.GET, "/customers/\(customer.id)")
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type") == "application/json; charset=utf-8")
            let view = try JSONDecoder().decode(Customer360JSON.self, from: page.body)
            #expect(view.id == customer.id)
            #expect(view.kind == "account")
            #expect(view.name == "Kunststoff AG")
            #expect(view.country == "DE")
            #expect(view.registeredOn.description == "2026-07-01")
            #expect(view.nps == 9)
            let order = try #require(view.orders.first)
            #expect(view.orders.count == 1)
            #expect(order.id == orderID)
            #expect(order.placedOn == CalendarDay(year: 2026, month: 7, day: 21))
            #expect(order.total == Money(minorUnits: 125_000, currency: .eur))
            #expect(order.status == "placed")
            let ticket = try #require(view.tickets.first)
            #expect(view.tickets.count == 1)
            #expect(ticket.id == ticketID)
            #expect(ticket.category == "delivery")
            #expect(ticket.priority == "high")
            #expect(ticket.status == "resolved")
            #expect(ticket.firstResponse == "met")
            #expect(ticket.resolution == "met")
            let won = try #require(view.opportunities.first { $0.id == dealID })
            #expect(won.status == "won")
            #expect(won.amount == Money(minorUnits: 1_150_000, currency: .eur))
            #expect(view.opportunities.count == 2)
            #expect(view.openBalance == Money(minorUnits: 0, currency: .eur))

            // The pipeline: one open opportunity left, one won.
            let pipelineReply = try await client.send(.GET, "/pipeline")
            #expect(pipelineReply.status == 200)
            let pipeline = try JSONDecoder().decode(PipelineJSON.self, from: pipelineReply.body)
            #expect(pipeline.open.count == 1)
            #expect(pipeline.open.amount == Money(minorUnits: 300_000, currency: .eur))
            #expect(pipeline.open.weightedAmount == Money(minorUnits: 150_000, currency: .eur))
            #expect(pipeline.won == 1)
            #expect(pipeline.lost == 0)
            #expect(pipeline.wonAmount == Money(minorUnits: 1_150_000, currency: .eur))
            #expect(pipeline.byStage.map(\.stage) == ["prospecting", "qualification", "needsAnalysis", "proposal", "negotiation"])
            #expect(pipeline.byStage.first?.figures.count == 1)
            #expect(pipeline.forecast.map(\.month) == ["2026-10"])

            // The scorecard of the quarter the facts happened in.
            let scorecardReply = try await client.send(.GET, "/scorecard?period=2026-Q3")
            #expect(scorecardReply.status == 200)
            let scorecard = try JSONDecoder().decode(ScorecardJSON.self, from: scorecardReply.body)
            #expect(scorecard.period == "2026-Q3")
            let kpis = Dictionary(uniqueKeysWithValues: scorecard.kpis.map { ($0.name, $0) })
            #expect(kpis["revenue"]?.value == 125_000)
            #expect(kpis["nps"]?.value == 100)
            #expect(kpis["firstContactResolutionRate"]?.value == 1)
            #expect(kpis["answeredWithinTarget"]?.value == 1)
            #expect(kpis["revenue"]?.perspective == .financial)

            #expect(try store.head() == 10)
        }
    }

    @Test(.timeLimit(.minutes(2))) func eventStreamEndsWhenTheServerShutsDown() async throws {
        try await withServer { client, _, server in
            try await post(client, #"{"type": "registerEmployee", "name": "Anna Roth", "role": "sales"}"#)
            let (first, afterShutdown) = try await client.withEventStream("/events?after=0") { status, _, reader in
                #expect(status == 200)
                #expect(try await reader.next()?.comment == "following the log after position 0")
                let first = try await reader.nextEvent()
                // A client is still following: shutting down ends its stream instead of waiting for it.
                await server.triggerGracefulShutdown()
                return (first, try await reader.next())
            }
            #expect(first?.id == "1")
            #expect(first?.event == "EmployeeJoined")
            #expect(afterShutdown == nil)
        }
    }

    @Test(.timeLimit(.minutes(2))) func errorsAreTypedJSONAndAppendNothing() async throws {
        try await withServer { client, store in
            let anna = try await post(client, #"{"type": "registerEmployee", "name": "Anna Roth", "role": "sales"}"#)
            let customer = try await post(client, #"{"type": "registerCustomer", "kind": "person", "name": "Jana Nowak"}"#)
            let deal = try await post(client, """
                {"type": "openOpportunity", "customer": "\(customer.id)", "title": "Presse", "product": "PR-4000",
                 "expectedRevenue": {"amount": 500000, "currency": "EUR"}, "expectedCloseOn": "2026-12-31",
                 "probability": 20, "owner": "\(anna.id)"}
                """)
            try await post(client, #"{"type": "loseOpportunity", "id": "\#(deal.id)", "reason": "price"}"#)
            #expect(try store.head() == 4)

            func expectError(_ reply: LoopbackClient.Reply, _ status: Int, _ rule: String, _ message: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
                #expect(reply.status == status, sourceLocation: sourceLocation)
                #expect(reply.headers.first(name: "Content-Type") == "application/json; charset=utf-8", sourceLocation: sourceLocation)
                let error = try APIError.decode(reply.body)
                #expect(error.statusCode == status, sourceLocation: sourceLocation)
                #expect(error.rule == rule, sourceLocation: sourceLocation)
                #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
            }

            // Domain rules: 400 with the rule that was broken.
            try expectError(try await client.send(.POST, "/commands", json: """
                {"type": "winOpportunity", "id": "\(deal.id)", "amount": {"amount": 500000, "currency": "EUR"}}
                """), 400, "opportunity.closed", "already closed")
            let stranger = UUID().uuidString.lowercased()
            try expectError(try await client.send(.POST, "/commands", json: """
                {"type": "placeOrder", "customer": "\(stranger)", "channel": "web",
                 "lines": [{"product": "SG-3", "quantity": 1, "unitPrice": {"amount": 100, "currency": "EUR"}}]}
                """), 400, "customer.unknown", stranger)
            try expectError(try await client.send(.POST, "/commands", json: """
                {"type": "answerNPS", "customer": "\(customer.id)", "score": 11}
                """), 400, "nps.score-range", "11")

            // Requests that do not parse: 400 request.invalid, naming what is wrong.
            try expectError(try await client.send(.POST, "/commands", json: #"{"type": "fly"}"#),
                            400, "request.invalid", "unknown command type 'fly'")
            try expectError(try await client.send(.POST, "/commands", json: #"{"type": "registerCustomer", "kind": "person"}"#),
                            400, "request.invalid", "missing field 'name'")
            try expectError(try await client.send(.POST, "/commands", json: #"{"type": "registerCustomer", "kind": "robot", "name": "R2"}"#),
                            400, "request.invalid", "'robot' is not one of person, account")
            try expectError(try await client.send(.POST, "/commands", json: "{not json"), 400, "request.invalid", "not valid JSON")
            #expect(try store.head() == 4)

            // Reads: 404 for an unknown customer, 400 for what is not an id, period or position.
            try expectError(try await client.send(.GET, "/customers/\(stranger)"), 404, "customer.unknown", stranger)
            try expectError(try await client.send(.GET, "/customers/42"), 400, "request.invalid", "'42' is not a customer id")
            try expectError(try await client.send(.GET, "/scorecard?period=2026-Q5"), 400, "request.invalid", "'2026-Q5' is not a period")
            try expectError(try await client.send(.GET, "/events?after=soon"), 400, "request.invalid", "'soon' is not a log position")

            // The rejected commands left the read models as they were.
            let pipeline = try JSONDecoder().decode(PipelineJSON.self, from: try await client.send(.GET, "/pipeline").body)
            #expect(pipeline.lost == 1)
            #expect(pipeline.won == 0)
            #expect(pipeline.open.count == 0)
        }
    }
}
