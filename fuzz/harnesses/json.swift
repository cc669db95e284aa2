// libFuzzer target (c): JSONValidator, differentially against Foundation's JSONSerialization.
//
// For every input:
// 1. the validator's verdict on the whole input equals its verdict when the same bytes are fed
//    in pieces (split points derived from the input, so a crash reproduces exactly);
// 2. accept/reject agrees with `JSONSerialization.jsonObject(with:options: [.fragmentsAllowed])`,
//    except for the intentional differences listed in
//    Tests/JSONValidationTests/FoundationDifferentialTests.swift (BOM, UTF-16/32 sniffing,
//    trailing commas, nesting deeper than 512, numbers outside Double's range). Each is checked,
//    not assumed, exactly as that test does.
// A violation prints the input and aborts, so libFuzzer keeps it as a crash artifact.
import Foundation
import JSONValidation

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
private let quote = UInt8(ascii: "\"")

private func foundationAccepts(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}

private func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

/// Foundation's encoding guess: true when it would not read the input as UTF-8.
private func sniffsOtherEncoding(_ b: [UInt8]) -> Bool {
    if b.count >= 4 {
        if b.starts(with: bom) { return false }
        if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            return true
        }
        return (b[0] == 0 && b[1] == 0 && b[2] == 0) || (b[1] == 0 && b[2] == 0 && b[3] == 0)
            || (b[0] == 0 && b[2] == 0) || (b[1] == 0 && b[3] == 0)
    }
    if b.count >= 2 { return b[0] == 0 || b[1] == 0 }
    return false
}

/// Deepest nesting and the number tokens of a valid JSON text.
private func scan(_ bytes: [UInt8]) -> (depth: Int, numbers: [ArraySlice<UInt8>]) {
    var depth = 0, deepest = 0, index = 0, inString = false
    var numbers: [ArraySlice<UInt8>] = []
    let numberBytes = Array("0123456789+-.eE".utf8)
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            if byte == UInt8(ascii: "\\") { index += 1 } else if byte == quote { inString = false }
        } else {
            switch byte {
            case quote: inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                while index + 1 < bytes.count, numberBytes.contains(bytes[index + 1]) { index += 1 }
                numbers.append(bytes[start...index])
            default: break
            }
        }
        index += 1
    }
    return (deepest, numbers)
}

/// True when a listed intentional difference explains the disagreement.
private func explained(_ bytes: [UInt8], ours: JSONVerdict, foundation: Bool) -> Bool {
    if foundation && !ours.isValid {
        if sniffsOtherEncoding(bytes) { return true }
        var text = bytes
        if text.count >= 4 && text.starts(with: bom) { text.removeFirst(3) }
        while case .invalid(.unexpectedByte(let byte, let expecting), let offset) = JSONValidator.validate(text),
            (byte == UInt8(ascii: "]") && expecting == .arrayElement)
                || (byte == UInt8(ascii: "}") && expecting == .memberName)
        {
            guard let comma = text[..<Int(offset)].lastIndex(where: { !isWhitespace($0) }),
                text[comma] == UInt8(ascii: ",")
            else { return false }
            text.remove(at: comma)
        }
        return JSONValidator.validate(text).isValid
    }
    if !foundation && ours.isValid {
        let (depth, numbers) = scan(bytes)
        if depth > 512 { return true }
        return numbers.contains { Double(String(decoding: $0, as: UTF8.self))?.isInfinite ?? true }
    }
    return true
}

private func show(_ bytes: [UInt8]) -> String {
    bytes.prefix(400).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
}

private func fail(_ message: String, _ bytes: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("JSON fuzz: \(message)\ninput (\(bytes.count) bytes): \(show(bytes))\n".utf8))
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let whole = JSONValidator.validate(bytes)

    // Streaming: feed in pieces whose sizes come from a hash of the input.
    var validator = JSONValidator()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    var start = 0
    while start < bytes.count {
        hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let length = Int(hash >> 60) + 1  // 1…16 bytes
        let end = min(bytes.count, start + length)
        validator.feed(bytes[start..<end])
        start = end
    }
    let streamed = validator.finish()
    if streamed != whole { fail("streamed verdict \(streamed) differs from whole verdict \(whole)", bytes) }

    let foundation = foundationAccepts(bytes)
    if foundation != whole.isValid, !explained(bytes, ours: whole, foundation: foundation) {
        fail("unexplained disagreement: Foundation \(foundation ? "accepts" : "rejects"), validator says \(whole)", bytes)
    }
    return 0
}
