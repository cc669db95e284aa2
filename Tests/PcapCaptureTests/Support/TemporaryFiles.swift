import Foundation

/// Removes a temporary directory made by `PcapWriter.makeTemporaryDirectory()`.
func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Writes raw bytes to `path` (for non-capture inputs).
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
