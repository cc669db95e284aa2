import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One input named on the command line, resolved.
public enum ResolvedInput: Sendable, Equatable {
    /// A file to analyse.
    case file(String)
    /// An argument that named nothing analysable; `message` is the one-line error.
    case unusable(path: String, message: String)
}

/// Turns command-line arguments into capture files: files as given, directories searched
/// recursively for captures, and glob patterns (for shells that pass them through quoted)
/// expanded with glob(3).
public enum InputExpansion {
    /// File name endings treated as captures when searching a directory.
    public static let captureExtensions = [".pcap", ".pcapng", ".cap", ".dmp", ".pcap.gz", ".pcapng.gz"]

    public static func resolve(_ arguments: [String]) -> [ResolvedInput] {
        var result: [ResolvedInput] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let found = captures(inDirectory: argument)
                    if found.isEmpty {
                        result.append(
                            .unusable(
                                path: argument,
                                message:
                                    "\(argument): directory contains no capture files (\(captureExtensions.joined(separator: ", ")))"
                            ))
                    } else {
                        result += found.map(ResolvedInput.file)
                    }
                } else {
                    result.append(.file(argument))
                }
            } else if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                if matches.isEmpty {
                    result.append(.unusable(path: argument, message: "\(argument): no file matches this pattern"))
                } else {
                    result += resolve(matches)
                }
            } else {
                // Let the capture reader produce the precise error (missing file, permission).
                result.append(.file(argument))
            }
        }
        return result
    }

    /// Capture files under `directory`, recursively, sorted by path for a deterministic order.
    static func captures(inDirectory directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let lower = relative.lowercased()
            guard captureExtensions.contains(where: { lower.hasSuffix($0) }) else { continue }
            let path = directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(path)
            }
        }
        return found.sorted()
    }

    /// glob(3) expansion. The corresponding C function is `glob`.
    static func glob(_ pattern: String) -> [String] {
        var state = glob_t()
        defer { globfree(&state) }
        guard Glibc.glob(pattern, 0, nil, &state) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(state.gl_pathc) {
            if let p = state.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }
}
