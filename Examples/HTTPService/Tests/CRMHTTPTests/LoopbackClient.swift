import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client over a real TCP connection to the server on loopback: one request
/// per connection, plus incremental reading of a server-sent event stream.
struct LoopbackClient: Sendable {
    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data
    }

    /// One server-sent event frame: a comment line, or an event with id, type and data.
    struct Frame: Sendable, Equatable {
        var comment: String?
        var id: String?
        var event: String?
        var data: String?
    }

    struct ConnectionClosed: Error {}

    let port: Int

    private typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private func connect() async throws -> Connection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func head(_ method: HTTPMethod, _ uri: String, headers: [(String, String)], bodyLength: Int?) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        if let bodyLength {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(bodyLength)")
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        return head
    }

    /// Sends one request and reads the whole response.
    func send(_ method: HTTPMethod, _ uri: String, json: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        let connection = try await connect()
        return try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head(method, uri, headers: headers + [("Connection", "close")], bodyLength: json?.utf8.count)))
            if let json { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: json)))) }
            try await outbound.write(.end(nil))
            var status = 0, responseHeaders = HTTPHeaders(), body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head):
                    status = Int(head.status.code)
                    responseHeaders = head.headers
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    return Reply(status: status, headers: responseHeaders, body: Data(body.readableBytesView))
                }
            }
            throw ConnectionClosed()
        }
    }

    /// Opens `uri` as an event stream and hands `body` a reader of its frames; the connection
    /// closes when `body` returns.
    func withEventStream<R: Sendable>(_ uri: String, headers: [(String, String)] = [],
                                      _ body: (_ status: Int, _ contentType: String?, inout EventStreamReader) async throws -> R)
        async throws -> R {
        let connection = try await connect()
        return try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head(.GET, uri, headers: headers + [("Accept", "text/event-stream")], bodyLength: nil)))
            try await outbound.write(.end(nil))
            var reader = EventStreamReader(parts: inbound.makeAsyncIterator())
            guard case .head(let head)? = try await reader.parts.next() else { throw ConnectionClosed() }
            return try await body(Int(head.status.code), head.headers.first(name: "Content-Type"), &reader)
        }
    }
}

/// Reads server-sent event frames from a response body as it arrives.
struct EventStreamReader {
    var parts: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private var pending = ""

    init(parts: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator) {
        self.parts = parts
    }

    /// The next frame (frames end with a blank line); `nil` when the response ends.
    mutating func next() async throws -> LoopbackClient.Frame? {
        while true {
            if let end = pending.range(of: "\n\n") {
                let block = pending[..<end.lowerBound]
                pending.removeSubrange(..<end.upperBound)
                var frame = LoopbackClient.Frame()
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") {
                        frame.comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                    } else if let colon = line.firstIndex(of: ":") {
                        let value = String(line[line.index(after: colon)...].drop { $0 == " " })
                        switch line[..<colon] {
                        case "id": frame.id = value
                        case "event": frame.event = value
                        case "data": frame.data = (frame.data.map { $0 + "\n" } ?? "") + value
                        default: break
                        }
                    }
                }
                return frame
            }
            switch try await parts.next() {
            case .body(let chunk)?: pending += String(buffer: chunk)
            case .end?, nil: return nil
            case .head?: continue
            }
        }
    }

    /// The next frame that is an event (skipping comments).
    mutating func nextEvent() async throws -> LoopbackClient.Frame? {
        while let frame = try await next() {
            if frame.event != nil || frame.data != nil { return frame }
        }
        return nil
    }
}
