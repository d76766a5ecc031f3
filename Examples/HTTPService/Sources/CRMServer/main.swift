import CRMHTTP
import CRMKit
import Foundation
import Hummingbird

// crm-server [--store PATH] [--host HOST] [--port PORT]
var options = ["--store": "./crm-store", "--host": "127.0.0.1", "--port": "8080"]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard options[name] != nil, let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("usage: crm-server [--store PATH] [--host HOST] [--port PORT]\n".utf8))
        exit(2)
    }
    options[name] = value
}
guard let port = Int(options["--port"]!), (0...65_535).contains(port) else {
    FileHandle.standardError.write(Data("crm-server: '\(options["--port"]!)' is not a port\n".utf8))
    exit(2)
}

let path = options["--store"]!
// Personal data sealed with the master key beside the store (<store>.master-key).
let crm = try await CRMStore.open(path: path)
let service = try await CRMService(crm: crm)
let app = service.application(host: options["--host"]!, port: port) { channel in
    print("crm-server: listening on \(channel.localAddress.map { "\($0)" } ?? "?"), store \(path)")
}
try await app.runService()
crm.close()
