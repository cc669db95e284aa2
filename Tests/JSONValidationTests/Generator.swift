import TestSupport

/// Random valid JSON texts and mutations of them, for the streaming and differential tests.
struct DocumentGenerator {
    /// Whether numbers may get exponents large enough to overflow a Double (`1e400`).
    var hugeNumbers = true

    /// A random valid JSON text whose containers nest at most `depth` levels.
    mutating func document(depth: Int, using rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        whitespace(&out, using: &rng)
        value(&out, depth: depth, using: &rng)
        whitespace(&out, using: &rng)
        return out
    }

    private func whitespace(_ out: inout [UInt8], using rng: inout SplitMix64) {
        guard Int.random(in: 0..<4, using: &rng) == 0 else { return }
        let kinds: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            out.append(kinds.randomElement(using: &rng)!)
        }
    }

    private func value(_ out: inout [UInt8], depth: Int, using rng: inout SplitMix64) {
        let choice = Int.random(in: 0..<(depth > 0 ? 8 : 6), using: &rng)
        switch choice {
        case 0, 1: string(&out, using: &rng)
        case 2, 3: number(&out, using: &rng)
        case 4: out += Array(["true", "false", "null"].randomElement(using: &rng)!.utf8)
        case 5: string(&out, using: &rng)
        case 6:
            out.append(UInt8(ascii: "["))
            whitespace(&out, using: &rng)
            let count = Int.random(in: 0...4, using: &rng)
            for index in 0..<count {
                if index > 0 {
                    whitespace(&out, using: &rng)
                    out.append(UInt8(ascii: ","))
                    whitespace(&out, using: &rng)
                }
                value(&out, depth: depth - 1, using: &rng)
            }
            whitespace(&out, using: &rng)
            out.append(UInt8(ascii: "]"))
        default:
            out.append(UInt8(ascii: "{"))
            whitespace(&out, using: &rng)
            let count = Int.random(in: 0...4, using: &rng)
            for index in 0..<count {
                if index > 0 {
                    whitespace(&out, using: &rng)
                    out.append(UInt8(ascii: ","))
                    whitespace(&out, using: &rng)
                }
                string(&out, using: &rng)
                whitespace(&out, using: &rng)
                out.append(UInt8(ascii: ":"))
                whitespace(&out, using: &rng)
                value(&out, depth: depth - 1, using: &rng)
            }
            whitespace(&out, using: &rng)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func string(_ out: inout [UInt8], using rng: inout SplitMix64) {
        out.append(UInt8(ascii: "\""))
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...4:
                // Printable ASCII except `"` and `\`.
                var byte = UInt8.random(in: 0x20...0x7E, using: &rng)
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { byte = UInt8(ascii: "q") }
                out.append(byte)
            case 5:
                out += Array(
                    ["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"].randomElement(using: &rng)!.utf8)
            case 6:
                // A \u escape of a non-surrogate code unit, or a surrogate pair.
                if Bool.random(using: &rng) {
                    var unit = UInt16.random(in: 0...0xFFFF, using: &rng)
                    if unit >= 0xD800 && unit <= 0xDFFF { unit = 0x00E9 }
                    out += escape(unit, using: &rng)
                } else {
                    out += escape(UInt16.random(in: 0xD800...0xDBFF, using: &rng), using: &rng)
                    out += escape(UInt16.random(in: 0xDC00...0xDFFF, using: &rng), using: &rng)
                }
            default:
                // A raw non-ASCII scalar of 2, 3 or 4 UTF-8 bytes.
                let ranges: [ClosedRange<UInt32>] = [0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
                let scalar = Unicode.Scalar(UInt32.random(in: ranges.randomElement(using: &rng)!, using: &rng))!
                out += Array(String(Character(scalar)).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private func escape(_ unit: UInt16, using rng: inout SplitMix64) -> [UInt8] {
        let digits = Array((Bool.random(using: &rng) ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return Array("\\u".utf8) + [12, 8, 4, 0].map { digits[Int(unit >> UInt16($0) & 0xF)] }
    }

    private func number(_ out: inout [UInt8], using rng: inout SplitMix64) {
        if Bool.random(using: &rng) { out.append(UInt8(ascii: "-")) }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            out.append(UInt8(ascii: "0"))
        } else {
            out.append(UInt8.random(in: UInt8(ascii: "1")...UInt8(ascii: "9"), using: &rng))
            for _ in 0..<Int.random(in: 0...12, using: &rng) { out.append(UInt8.random(in: 0x30...0x39, using: &rng)) }
        }
        if Bool.random(using: &rng) {
            out.append(UInt8(ascii: "."))
            for _ in 0..<Int.random(in: 1...6, using: &rng) { out.append(UInt8.random(in: 0x30...0x39, using: &rng)) }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            out.append(Bool.random(using: &rng) ? UInt8(ascii: "e") : UInt8(ascii: "E"))
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: out.append(UInt8(ascii: "+"))
            case 1: out.append(UInt8(ascii: "-"))
            default: break
            }
            let limit = hugeNumbers && Int.random(in: 0..<10, using: &rng) == 0 ? 999 : 99
            out += Array(String(Int.random(in: 0...limit, using: &rng)).utf8)
        }
    }
}

/// Byte-level damage of the kinds a body suffers: cuts, stray bytes, lost or doubled pieces.
enum Mutator {
    /// Bytes that matter to JSON or to UTF-8.
    static let interesting: [UInt8] =
        Array(#"{}[],:"\ 0123456789-+.eEtfnu'/#xXa"#.utf8)
        + [
            0x00, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xA9, 0xE2, 0xED, 0xA0, 0xEF, 0xBB,
            0xF0, 0xF4, 0x90, 0xF5, 0xFE, 0xFF,
        ]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes.remove(at: position)
            case 1:
                bytes.insert(interesting.randomElement(using: &rng)!, at: position)
            case 2 where !bytes.isEmpty:
                bytes[position] = interesting.randomElement(using: &rng)!
            case 3:
                bytes = Array(bytes.prefix(position))
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...6, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            case 5 where bytes.count > 1:
                let other = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.swapAt(position, other)
            case 6 where !bytes.isEmpty:
                bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            default:
                bytes.insert(
                    contentsOf: Array(
                        [",", ",]", ",}", "[", "{", "\"", "\\u", "\\uD800", "1e400", " ", "\u{FEFF}"].randomElement(
                            using: &rng)!.utf8), at: position)
            }
        }
        return bytes
    }
}
