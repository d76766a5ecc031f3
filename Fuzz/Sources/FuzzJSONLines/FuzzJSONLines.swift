// Feeds arbitrary bytes to the JSON Lines line parser (JSON, metadata, event fields). Every
// input must end in an event or an error; a trap is a finding.
import CRMDomain

let registry = EventRegistry()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? JSONLines.event(fromLine: bytes, registry: registry)
    return 0
}
