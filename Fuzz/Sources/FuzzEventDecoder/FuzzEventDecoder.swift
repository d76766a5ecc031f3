// Feeds arbitrary bytes to the event decoder: the first byte picks a catalog type (or an
// unknown one), the second a schema version, the rest is the payload. Every input must end in
// a value or a CodecError; a trap is a finding.
import CRMDomain

let types = DomainEvent.catalogTypes.map { $0.eventType } + ["NoSuchType"]
let registry = EventRegistry()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 2 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let type = types[Int(bytes[0]) % types.count]
    let version = UInt32(bytes[1] % 4)
    let payload = UnsafeRawBufferPointer(rebasing: bytes[2...])
    if let event = try? registry.decode(eventType: type, schemaVersion: version, payload: payload) {
        // Whatever decodes must encode again and decode to the same value.
        let (encodedType, encodedVersion, encoded) = registry.encode(event)
        let again = encoded.withUnsafeBytes { try? registry.decode(eventType: encodedType, schemaVersion: encodedVersion, payload: $0) }
        if again != event { fatalError("re-encoding \(type) changed the value") }
    }
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzEventDecoder_main`; under `-parse-as-library` no
// such symbol exists, so define it and hand over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("FuzzEventDecoder_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
