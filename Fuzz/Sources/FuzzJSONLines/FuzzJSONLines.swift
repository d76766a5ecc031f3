// Feeds arbitrary bytes to the JSON Lines line parser (JSON, metadata, event fields). Every
// input must end in an event or an error; a trap is a finding.
import CRMDomain

let registry = EventRegistry()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? JSONLines.event(fromLine: bytes, registry: registry)
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzJSONLines_main`; under `-parse-as-library` no
// such symbol exists, so define it and hand over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("FuzzJSONLines_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
