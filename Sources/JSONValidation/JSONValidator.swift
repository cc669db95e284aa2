/// A strict RFC 8259 validator that decides, in one streaming pass, whether a byte sequence is a
/// JSON text — without building a tree and without ever holding the whole input.
///
/// Feed the bytes in chunks of any size (a multi-byte UTF-8 sequence, an escape or a number may be
/// split anywhere), then call ``finish()``:
///
/// ```swift
/// var validator = JSONValidator()
/// for segment in segments { validator.feed(segment); if validator.failure != nil { break } }
/// let verdict = validator.finish()
/// ```
///
/// The grammar is RFC 8259's, with no extensions:
/// - any value may stand at the top level (`"x"`, `1`, `true`, `null` pass), surrounded only by
///   space, tab, LF and CR; an empty or whitespace-only input is ``JSONSyntaxError/empty``;
/// - no NaN, Infinity, hex, `+1`, `.5`, `1.`, leading zeros; numbers may be of any length (they
///   are never converted);
/// - no single quotes, comments, trailing commas, or content after the top-level value;
/// - strings must be well-formed UTF-8 without unescaped U+0000–U+001F, and escapes are only
///   `\" \\ \/ \b \f \n \r \t \uXXXX`;
/// - a UTF-8 byte order mark is *not* skipped (it fails as `unexpectedByte(0xEF)` at offset 0):
///   callers strip and report it themselves;
/// - **lone surrogate escapes are rejected** (``JSONSyntaxError/invalidUnicodeEscape``): a `\u`
///   escape in D800–DBFF must be followed at once by one in DC00–DFFF, and one in DC00–DFFF may
///   not appear on its own. RFC 8259 §8.2 leaves the behaviour of receivers unpredictable for such
///   strings, and Foundation's `JSONSerialization` (swift-corelibs, Swift 6.3) rejects them too,
///   so a body that contains one is reported as not interoperable.
///
/// Errors are reported at the earliest byte where the input stops being the start of any valid
/// JSON text (or, for ``JSONSyntaxError/nestingTooDeep(limit:)``, at the bracket over the limit),
/// so ``failure`` turns non-nil on exactly that byte: for example at the `C` of `"\uDC00"`, or at
/// the `"` that cuts a UTF-8 sequence short. Bytes glued to a number or literal (`0x1F`, `truex`)
/// are reported as ``JSONSyntaxError/invalidNumber`` / ``JSONSyntaxError/invalidLiteral`` rather
/// than as trailing content.
///
/// Cost: O(1) work per byte and no allocation per byte. The nesting stack is a bit stack (one bit
/// per level: object or array) in 64-bit words, one more word per 64 levels, so 100,000 levels
/// need 1,563 words — 12.5 KB (the array's growth may reserve up to twice that). The first word
/// is inline: a document at most 64 levels deep allocates nothing at all.
public struct JSONValidator: Sendable {
    /// The deepest nesting of arrays and objects accepted; one more is
    /// ``JSONSyntaxError/nestingTooDeep(limit:)``.
    public let maxDepth: Int

    /// Bytes accepted so far. Once the input is known invalid this stops at the offending byte's
    /// offset (the offending byte itself is not counted) and later ``feed(_:)`` calls change
    /// nothing.
    public private(set) var bytesConsumed: Int64 = 0

    /// Non-nil as soon as the input is known invalid — on the offending byte, or at ``finish()``.
    /// Always a ``JSONVerdict/invalid(_:offset:)``.
    public private(set) var failure: JSONVerdict?

    /// The kind of the top-level value once its first byte has been seen.
    public private(set) var topLevelKind: JSONValueKind?

    /// How many arrays and objects are open right now.
    public var depth: Int { nesting }

    private var state: State = .beforeTopLevelValue
    private var utf8Lower: UInt8 = 0
    private var utf8Upper: UInt8 = 0
    private var utf8Remaining: UInt8 = 0
    private var unicodeRemaining: UInt8 = 0
    private var unicodeHighSurrogate = false
    private var literalWord: Literal = .null
    private var literalMatched: UInt8 = 0
    private var nesting = 0
    /// Whether the innermost open container is an object (a cache of the innermost level's bit).
    private var innermostIsObject = false
    /// Bit `i` is 1 when the container at nesting level `i + 1` is an object, for the first 64
    /// levels: held inline, so the usual document (a few levels deep) allocates nothing.
    private var firstLevels: UInt64 = 0
    /// The same bits for levels 65 and deeper: word `w` holds levels `64 (w + 1) + 1`…`64 (w + 2)`.
    private var deeperLevels: [UInt64] = []
    /// Whether the string being read is a member name (so `:` follows it).
    private var stringIsMemberName = false
    /// Set by `finish()`.
    private var verdict: JSONVerdict?

    /// - Parameter maxDepth: the deepest nesting accepted (≥ 0; 0 allows scalars only).
    public init(maxDepth: Int = 100_000) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        self.maxDepth = maxDepth
    }

    /// Validates a whole input at once.
    public static func validate(_ bytes: some Collection<UInt8>) -> JSONVerdict {
        var validator = JSONValidator()
        validator.feed(bytes)
        return validator.finish()
    }

    /// Feeds the next chunk of input. A cheap no-op once ``failure`` is set.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) {
        guard failure == nil else { return }
        bytes.withUnsafeBufferPointer { consume($0) }
    }

    /// Feeds the next chunk of input from any collection of bytes (`[UInt8]`, `Data`, a buffer…).
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        let done: Void? = bytes.withContiguousStorageIfAvailable { consume($0) }
        guard done == nil else { return }
        // Not contiguous: copy through a small buffer.
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBufferPointer { consume($0) }
                if failure != nil { return }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBufferPointer { consume($0) }
    }

    /// Ends the input and returns the verdict. Calling it again returns the same verdict; feeding
    /// more bytes after a valid verdict is a programming error.
    public mutating func finish() -> JSONVerdict {
        if let verdict { return verdict }
        if let failure {
            verdict = failure
            return failure
        }
        let result: JSONVerdict
        switch state {
        case .beforeTopLevelValue:
            result = .invalid(.empty, offset: bytesConsumed)
        case .afterTopLevelValue:
            result = .valid(topLevelKind ?? .literal)
        case .zero, .integerDigits, .fractionDigits, .exponentDigits, .afterLiteral:
            // A number or literal ends at the end of the input only at the top level.
            result = nesting == 0 ? .valid(topLevelKind ?? .literal) : .invalid(.unexpectedEnd, offset: bytesConsumed)
        case .value, .arrayElement, .arrayElementOrEnd, .afterElement, .memberName, .memberNameOrEnd, .colon,
            .afterMember, .string, .escape, .unicodeFirstDigit, .unicodeSecondDigitAfterD, .unicodeDigits,
            .lowSurrogateBackslash, .lowSurrogateU, .lowSurrogateFirstDigit, .lowSurrogateSecondDigit, .utf8,
            .minus, .fractionFirstDigit, .exponentSignOrDigit, .exponentFirstDigit, .literal:
            result = .invalid(.unexpectedEnd, offset: bytesConsumed)
        case .failed:
            // `failure` is always set with `.failed`; handled above.
            result = failure ?? .invalid(.unexpectedEnd, offset: bytesConsumed)
        }
        if case .invalid = result {
            failure = result
            state = .failed
        }
        verdict = result
        return result
    }

    // MARK: - The state machine

    /// Where the validator stands between two bytes.
    // The state is a plain enum (one jump table per byte); the few states that need more carry
    // it in the stored properties after `state`.
    private enum State: UInt8, Sendable, Equatable {
        // Structure.
        /// Before the top-level value (whitespace allowed).
        case beforeTopLevelValue
        /// After the complete top-level value (only whitespace allowed).
        case afterTopLevelValue
        /// A member value after `:`.
        case value
        /// An array element after `,`.
        case arrayElement
        /// Right after `[`.
        case arrayElementOrEnd
        /// After an array element: `,` or `]`.
        case afterElement
        /// A member name after `,`.
        case memberName
        /// Right after `{`.
        case memberNameOrEnd
        /// After a member name: `:`.
        case colon
        /// After a member value: `,` or `}`.
        case afterMember

        // Strings.
        /// Inside a string.
        case string
        /// After `\`.
        case escape
        /// The first hex digit of a `\u` escape that is not a low surrogate.
        case unicodeFirstDigit
        /// After `\uD`: the second digit decides plain (0–7), high surrogate (8–B) or lone low (C–F).
        case unicodeSecondDigitAfterD
        /// The last `unicodeRemaining` hex digits of a `\u` escape; a high surrogate
        /// (`unicodeHighSurrogate`) needs a low one next.
        case unicodeDigits
        /// After a high surrogate escape: `\` of the low one.
        case lowSurrogateBackslash
        /// After a high surrogate escape and `\`: `u`.
        case lowSurrogateU
        /// The first hex digit of the low surrogate: `D`.
        case lowSurrogateFirstDigit
        /// The second hex digit of the low surrogate: `C`–`F`.
        case lowSurrogateSecondDigit
        /// Inside a multi-byte UTF-8 sequence: the next byte must lie in `utf8Lower...utf8Upper`,
        /// and `utf8Remaining` continuation bytes (this one included) are still due.
        case utf8

        // Numbers.
        /// After `-`.
        case minus
        /// After the integer part `0` (which may not be followed by digits).
        case zero
        /// In a run of digits: an integer part that started with 1–9, the fraction or the exponent.
        case integerDigits, fractionDigits, exponentDigits
        /// After `.`.
        case fractionFirstDigit
        /// After `e` or `E`.
        case exponentSignOrDigit
        /// After the exponent's sign.
        case exponentFirstDigit

        // Literals.
        /// Inside `true`, `false` or `null` (`literalWord`), `literalMatched` bytes matched.
        case literal
        /// Right after a complete literal: a letter or digit glued to it is an invalid literal.
        case afterLiteral

        /// Known invalid; `failure` says why.
        case failed
    }

    /// The three bare words, with their bytes packed little-endian.
    private enum Literal: Sendable, Equatable {
        case `true`, `false`, null

        var packed: UInt64 {
            switch self {
            case .true: return 0x65_75_72_74  // "true"
            case .false: return 0x65_73_6C_61_66  // "false"
            case .null: return 0x6C_6C_75_6E  // "null"
            }
        }

        var count: UInt8 {
            switch self {
            case .true, .null: return 4
            case .false: return 5
            }
        }

        func byte(at index: UInt8) -> UInt8 {
            UInt8(truncatingIfNeeded: packed >> (UInt64(index) &* 8))
        }
    }

    /// Whether the byte loop goes on after a state family has handled the byte at `i`.
    private enum Step {
        /// Go on at `i`: the helper moved it past the bytes it read, or left it on a byte to be
        /// read again in the new state (the byte that ended a number or literal).
        case proceed
        /// Stop this chunk: the input failed (`state` is `.failed`), or a fast path reached the
        /// chunk's end in the middle of a run (the state stays as it was).
        case stop
    }

    /// Runs the state machine over one chunk. Stops at the first error.
    ///
    /// This is the validator's hot loop (every callback body streams through it): one dispatch on
    /// the state, kept in a local, to the `@inline(always)` helper of its family — structure
    /// (RFC 8259 §2, §4, §5), strings and escapes (§7), UTF-8 (§8.1, RFC 3629 §4), numbers (§6),
    /// literals (§3). Each helper moves `i` past what it read itself. The helpers are
    /// `@inline(always)` (SE-0496), not `@inline(__always)`: with the latter the optimizer left the
    /// value-start helper a call (this function is past its inliner's size limit) and the split ran
    /// 2–11 % more instructions than the single switch it replaced. As written it runs 4–8 % fewer
    /// instructions on every workload of `bench/json-validator.sh` (valid, broken, deeply nested,
    /// long escaped strings, numbers) and is not slower there (release, same run).
    private mutating func consume(_ buffer: UnsafeBufferPointer<UInt8>) {
        precondition(verdict == nil, "JSONValidator.feed called after finish()")
        let chunk = Chunk(buffer: buffer, base: bytesConsumed, classes: .shared)
        var state = self.state
        var i = 0
        scan: while i < buffer.count {
            let step: Step
            // One case per state, so each family helper, inlined, sees its state as a constant.
            switch state {
            case .string: step = stringRun(chunk, &i, &state)
            case .utf8: step = utf8Continuation(chunk, &i, &state)
            case .escape: step = escape(.escape, chunk, &i, &state)
            case .unicodeFirstDigit: step = escape(.unicodeFirstDigit, chunk, &i, &state)
            case .unicodeSecondDigitAfterD: step = escape(.unicodeSecondDigitAfterD, chunk, &i, &state)
            case .unicodeDigits: step = escape(.unicodeDigits, chunk, &i, &state)
            case .lowSurrogateBackslash: step = lowSurrogate(.lowSurrogateBackslash, chunk, &i, &state)
            case .lowSurrogateU: step = lowSurrogate(.lowSurrogateU, chunk, &i, &state)
            case .lowSurrogateFirstDigit: step = lowSurrogate(.lowSurrogateFirstDigit, chunk, &i, &state)
            case .lowSurrogateSecondDigit: step = lowSurrogate(.lowSurrogateSecondDigit, chunk, &i, &state)
            case .integerDigits: step = digitRun(.integerDigits, chunk, &i, &state)
            case .fractionDigits: step = digitRun(.fractionDigits, chunk, &i, &state)
            case .exponentDigits: step = digitRun(.exponentDigits, chunk, &i, &state)
            case .minus: step = numberPart(.minus, chunk, &i, &state)
            case .zero: step = numberPart(.zero, chunk, &i, &state)
            case .fractionFirstDigit: step = numberPart(.fractionFirstDigit, chunk, &i, &state)
            case .exponentSignOrDigit: step = numberPart(.exponentSignOrDigit, chunk, &i, &state)
            case .exponentFirstDigit: step = numberPart(.exponentFirstDigit, chunk, &i, &state)
            case .literal: step = literalRest(chunk, &i, &state)
            case .afterLiteral: step = endOfToken(false, chunk, &i, &state)
            case .beforeTopLevelValue, .value: step = valueStart(.value, chunk, &i, &state)
            case .arrayElement: step = valueStart(.arrayElement, chunk, &i, &state)
            case .arrayElementOrEnd: step = valueStart(.arrayElementOrEnd, chunk, &i, &state)
            case .afterElement: step = afterElement(chunk, &i, &state)
            case .memberNameOrEnd: step = memberNameStart(.memberNameOrEnd, chunk, &i, &state)
            case .memberName: step = memberNameStart(.memberName, chunk, &i, &state)
            case .colon: step = colon(chunk, &i, &state)
            case .afterMember: step = afterMember(chunk, &i, &state)
            case .afterTopLevelValue: step = afterTopLevelValue(chunk, &i, &state)
            case .failed: step = .stop  // not reached: `feed` returns early once `failure` is set
            }
            if case .stop = step { break scan }
        }
        self.state = state
        if case .failed = state { return }
        bytesConsumed = chunk.base + Int64(buffer.count)
    }

    /// One chunk of input as the state families see it. (Each family helper takes the state twice:
    /// `current`, the state it is called for — a constant at each call site of the dispatch, so
    /// its switch folds away once inlined — and `state`, the loop's state it updates.)
    private struct Chunk {
        let buffer: UnsafeBufferPointer<UInt8>
        /// The input offset of `buffer[0]`.
        let base: Int64
        let classes: ByteClasses

        /// The input offset of `buffer[i]`.
        @inline(always) func offset(_ i: Int) -> Int64 { base &+ Int64(i) }
    }

    /// Records `error` at `offset`, sets `state` to `.failed` and stops the loop.
    @inline(always)
    private mutating func stop(_ error: JSONSyntaxError, _ state: inout State, at offset: Int64) -> Step {
        state = fail(error, at: offset)
        return .stop
    }

    // MARK: Structure (RFC 8259 §2 ws and structural characters, §4 objects, §5 arrays)

    /// `.beforeTopLevelValue`, `.value`, `.arrayElement` and `.arrayElementOrEnd` (right after `[`,
    /// where `]` may close the array): whitespace, or the first byte of a value
    /// (``beginValue(_:expecting:at:)``); anything else is `unexpectedByte(expecting:)`.
    @inline(always)
    private mutating func valueStart(_ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        if chunk.classes.isWhitespace(byte) {
            i &+= 1
            return .proceed
        }
        if byte == UInt8(ascii: "]") && current == .arrayElementOrEnd {
            state = closeContainer()
            i &+= 1
            return .proceed
        }
        let expecting: JSONExpectation
        switch current {
        case .arrayElement: expecting = .arrayElement
        case .arrayElementOrEnd: expecting = .arrayElementOrEnd
        default: expecting = .value
        }
        state = beginValue(byte, expecting: expecting, at: chunk.offset(i))
        if case .failed = state { return .stop }
        i &+= 1
        return .proceed
    }

    /// `.afterElement`: whitespace, `,` (another element follows) or `]`.
    @inline(always)
    private mutating func afterElement(_ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09: break
        case UInt8(ascii: ","): state = .arrayElement
        case UInt8(ascii: "]"): state = closeContainer()
        default: return stop(.unexpectedByte(byte, expecting: .commaOrArrayEnd), &state, at: chunk.offset(i))
        }
        i &+= 1
        return .proceed
    }

    /// `.memberNameOrEnd` (right after `{`, where `}` may close the object) and `.memberName`
    /// (after `,`, where it may not: a trailing comma): whitespace, or the `"` of a member name.
    @inline(always)
    private mutating func memberNameStart(_ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State)
        -> Step
    {
        let byte = chunk.buffer[i]
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09: break
        case UInt8(ascii: "\""):
            stringIsMemberName = true
            state = .string
        case UInt8(ascii: "}") where current == .memberNameOrEnd: state = closeContainer()
        default:
            let expecting: JSONExpectation = current == .memberNameOrEnd ? .memberNameOrEnd : .memberName
            return stop(.unexpectedByte(byte, expecting: expecting), &state, at: chunk.offset(i))
        }
        i &+= 1
        return .proceed
    }

    /// `.colon`: whitespace, or the `:` after a member name.
    @inline(always)
    private mutating func colon(_ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09: break
        case UInt8(ascii: ":"): state = .value
        default: return stop(.unexpectedByte(byte, expecting: .colon), &state, at: chunk.offset(i))
        }
        i &+= 1
        return .proceed
    }

    /// `.afterMember`: whitespace, `,` (another member follows: its name's `"` right after the
    /// comma, the usual spelling, is read here too) or `}`.
    @inline(always)
    private mutating func afterMember(
        _ chunk: Chunk, _ i: inout Int, _ state: inout State
    ) -> Step {
        let buffer = chunk.buffer
        let byte = buffer[i]
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09:
            break
        case UInt8(ascii: ","):
            if i &+ 1 < buffer.count && buffer[i &+ 1] == UInt8(ascii: "\"") {
                i &+= 1
                stringIsMemberName = true
                state = .string
            } else {
                state = .memberName
            }
        case UInt8(ascii: "}"):
            state = closeContainer()
        default:
            return stop(.unexpectedByte(byte, expecting: .commaOrObjectEnd), &state, at: chunk.offset(i))
        }
        i &+= 1
        return .proceed
    }

    /// `.afterTopLevelValue`: only whitespace may follow the top-level value (RFC 8259 §2).
    @inline(always)
    private mutating func afterTopLevelValue(_ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        if chunk.classes.isWhitespace(byte) {
            i &+= 1
            return .proceed
        }
        return stop(.trailingContent, &state, at: chunk.offset(i))
    }

    // MARK: Strings (RFC 8259 §7) and UTF-8 (§8.1, RFC 3629 §4)

    /// `.string`: runs over plain printable ASCII at once, then handles the byte that ends the run:
    /// the closing `"` (a member name's `:` right after it is read here too), `\` (an escape),
    /// an unescaped control character U+0000–U+001F (an error), or a UTF-8 lead byte.
    @inline(always)
    private mutating func stringRun(
        _ chunk: Chunk, _ i: inout Int, _ state: inout State
    ) -> Step {
        let buffer = chunk.buffer
        let count = buffer.count
        var j = i
        var b = buffer[j]
        while b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
            j &+= 1
            if j == count { return .stop }  // the chunk ends inside the string
            b = buffer[j]
        }
        i = j
        switch b {
        case UInt8(ascii: "\""):
            if !stringIsMemberName {
                state = endOfValue()
            } else if i &+ 1 < count && buffer[i &+ 1] == UInt8(ascii: ":") {
                i &+= 1
                state = .value
            } else {
                state = .colon
            }
        case UInt8(ascii: "\\"):
            state = .escape
        case 0x00...0x1F:
            return stop(.controlCharacterInString, &state, at: chunk.offset(i))
        // A UTF-8 lead byte, by RFC 3629 §4's table: the range of the first continuation byte
        // and how many are due.
        case 0xC2...0xDF: state = enterUTF8(0x80, 0xBF, 1)
        case 0xE0: state = enterUTF8(0xA0, 0xBF, 2)  // no overlong forms
        case 0xE1...0xEC, 0xEE, 0xEF: state = enterUTF8(0x80, 0xBF, 2)
        case 0xED: state = enterUTF8(0x80, 0x9F, 2)  // no encoded surrogates
        case 0xF0: state = enterUTF8(0x90, 0xBF, 3)  // no overlong forms
        case 0xF1...0xF3: state = enterUTF8(0x80, 0xBF, 3)
        case 0xF4: state = enterUTF8(0x80, 0x8F, 3)  // nothing above U+10FFFF
        default:
            // 0x80–0xC1 (a stray continuation byte or an overlong lead) and 0xF5–0xFF.
            return stop(.invalidUTF8, &state, at: chunk.offset(i))
        }
        i &+= 1
        return .proceed
    }

    /// `.utf8`: a continuation byte within `utf8Lower...utf8Upper`; after the last one the string
    /// goes on.
    @inline(always)
    private mutating func utf8Continuation(_ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        guard byte >= utf8Lower && byte <= utf8Upper else { return stop(.invalidUTF8, &state, at: chunk.offset(i)) }
        state = utf8Remaining == 1 ? .string : enterUTF8(0x80, 0xBF, utf8Remaining &- 1)
        i &+= 1
        return .proceed
    }

    /// `.escape` (after `\`: one of `" \ / b f n r t u`), and the four hex digits of a `\u`
    /// escape (`.unicodeFirstDigit`, `.unicodeSecondDigitAfterD`, `.unicodeDigits`). A `\uD`
    /// escape's second digit decides: 0–7 an ordinary code unit, 8–B a high surrogate (a low one
    /// must follow at once), C–F a lone low surrogate (rejected, see ``JSONValidator``).
    @inline(always)
    private mutating func escape(_ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        let classes = chunk.classes
        switch current {
        case .escape:
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                state = .string
            case UInt8(ascii: "u"): state = .unicodeFirstDigit
            default: return stop(.invalidEscape, &state, at: chunk.offset(i))
            }
        case .unicodeFirstDigit:
            if byte | 0x20 == UInt8(ascii: "d") {
                state = .unicodeSecondDigitAfterD
            } else if classes.isHexDigit(byte) {
                state = enterUnicodeDigits(3, highSurrogate: false)
            } else {
                return stop(.invalidUnicodeEscape, &state, at: chunk.offset(i))
            }
        case .unicodeSecondDigitAfterD:
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"): state = enterUnicodeDigits(2, highSurrogate: false)
            case UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "A"), UInt8(ascii: "B"), UInt8(ascii: "a"),
                UInt8(ascii: "b"):
                state = enterUnicodeDigits(2, highSurrogate: true)
            default: return stop(.invalidUnicodeEscape, &state, at: chunk.offset(i))  // C–F: a lone low surrogate
            }
        default:  // .unicodeDigits
            guard classes.isHexDigit(byte) else { return stop(.invalidUnicodeEscape, &state, at: chunk.offset(i)) }
            if unicodeRemaining > 1 {
                unicodeRemaining &-= 1
            } else {
                state = unicodeHighSurrogate ? .lowSurrogateBackslash : .string
            }
        }
        i &+= 1
        return .proceed
    }

    /// After a high surrogate escape, the `\`, `u`, `D` and `C`–`F` that must start its low
    /// surrogate (RFC 8259 §7's twelve-character form for characters outside the BMP); the last
    /// two hex digits are read as `.unicodeDigits`.
    @inline(always)
    private mutating func lowSurrogate(_ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        let next: State
        switch current {
        case .lowSurrogateBackslash where byte == UInt8(ascii: "\\"): next = .lowSurrogateU
        case .lowSurrogateU where byte == UInt8(ascii: "u"): next = .lowSurrogateFirstDigit
        case .lowSurrogateFirstDigit where byte | 0x20 == UInt8(ascii: "d"): next = .lowSurrogateSecondDigit
        case .lowSurrogateSecondDigit where byte | 0x20 >= UInt8(ascii: "c") && byte | 0x20 <= UInt8(ascii: "f"):
            next = enterUnicodeDigits(2, highSurrogate: false)
        default: return stop(.invalidUnicodeEscape, &state, at: chunk.offset(i))
        }
        state = next
        i &+= 1
        return .proceed
    }

    // MARK: Numbers (RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?)

    /// `.integerDigits`, `.fractionDigits`, `.exponentDigits`: runs over digits at once, then reads
    /// the byte after them: `.` (after the integer part), `e`/`E` (before the exponent), or the
    /// end of the number (``endOfToken(_:_:_:_:)``).
    @inline(always)
    private mutating func digitRun(
        _ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State
    ) -> Step {
        let buffer = chunk.buffer
        let count = buffer.count
        var j = i
        var b = buffer[j]
        while b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
            j &+= 1
            if j == count { return .stop }  // the chunk ends inside the digits
            b = buffer[j]
        }
        i = j
        if b == UInt8(ascii: "."), current == .integerDigits {
            state = .fractionFirstDigit
        } else if b | 0x20 == UInt8(ascii: "e"), current != .exponentDigits {
            state = .exponentSignOrDigit
        } else {
            return endOfToken(true, chunk, &i, &state)
        }
        i &+= 1
        return .proceed
    }

    /// The states inside a number that see one byte each: `.minus`, `.zero` (no leading zeros),
    /// `.fractionFirstDigit`, `.exponentSignOrDigit`, `.exponentFirstDigit`.
    @inline(always)
    private mutating func numberPart(_ current: State, _ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let next: State
        switch current {
        case .minus where byte == UInt8(ascii: "0"): next = .zero
        case .minus where isDigit: next = .integerDigits
        case .zero where byte == UInt8(ascii: "."): next = .fractionFirstDigit
        case .zero where byte | 0x20 == UInt8(ascii: "e"): next = .exponentSignOrDigit
        case .zero: return endOfToken(true, chunk, &i, &state)  // digits included: no leading zeros
        case .fractionFirstDigit where isDigit: next = .fractionDigits
        case .exponentSignOrDigit where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"):
            next = .exponentFirstDigit
        case .exponentSignOrDigit where isDigit, .exponentFirstDigit where isDigit: next = .exponentDigits
        default: return stop(.invalidNumber, &state, at: chunk.offset(i))
        }
        state = next
        i &+= 1
        return .proceed
    }

    /// The byte after a complete number or literal. One glued to it makes the token invalid —
    /// after a number a letter, digit, `.`, `+` or `-` (`0x1F`, `1.5.3`), after a literal a
    /// letter or digit (`trueish`); anything else ends the value and is read again in the new
    /// state.
    @inline(always)
    private mutating func endOfToken(_ isNumber: Bool, _ chunk: Chunk, _ i: inout Int, _ state: inout State) -> Step {
        let byte = chunk.buffer[i]
        if isNumber ? chunk.classes.isGluedToNumber(byte) : chunk.classes.isLetterOrDigit(byte) {
            return stop(isNumber ? .invalidNumber : .invalidLiteral, &state, at: chunk.offset(i))
        }
        state = endOfValue()
        return .proceed  // `i` stays: the byte is read again in the new state
    }

    // MARK: Literals (RFC 8259 §3: true, false, null)

    /// `.literal`: the rest of `literalWord`, compared at once when it lies in this chunk (the
    /// usual case), else one byte at a time.
    @inline(always)
    private mutating func literalRest(
        _ chunk: Chunk, _ i: inout Int, _ state: inout State
    ) -> Step {
        let buffer = chunk.buffer
        let word = literalWord
        let matched = literalMatched
        let rest = Int(word.count &- matched)
        if buffer.count &- i >= rest {
            var k = 0
            while k < rest, buffer[i &+ k] == word.byte(at: matched &+ UInt8(k)) { k &+= 1 }
            i &+= k
            guard k == rest else { return stop(.invalidLiteral, &state, at: chunk.offset(i)) }
            state = .afterLiteral
            return .proceed  // `i` is on the byte after the word
        }
        guard buffer[i] == word.byte(at: matched) else {
            return stop(.invalidLiteral, &state, at: chunk.offset(i))
        }
        if matched &+ 1 == word.count {
            state = .afterLiteral
        } else {
            literalMatched = matched &+ 1
        }
        i &+= 1
        return .proceed
    }

    // MARK: State helpers

    /// Enters `.utf8`: the next byte must lie in `lower...upper`, and `remaining` continuation
    /// bytes (that one included) are due.
    @inline(always)
    private mutating func enterUTF8(_ lower: UInt8, _ upper: UInt8, _ remaining: UInt8) -> State {
        utf8Lower = lower
        utf8Upper = upper
        utf8Remaining = remaining
        return .utf8
    }

    @inline(always)
    private mutating func enterUnicodeDigits(_ remaining: UInt8, highSurrogate: Bool) -> State {
        unicodeRemaining = remaining
        unicodeHighSurrogate = highSurrogate
        return .unicodeDigits
    }

    /// Records an error at `offset` and returns `.failed`.
    private mutating func fail(_ error: JSONSyntaxError, at offset: Int64) -> State {
        failure = .invalid(error, offset: offset)
        bytesConsumed = offset
        return .failed
    }

    /// The state after `byte` where a value should start, or `.failed` (recorded) when `byte`
    /// cannot start one or opens a container beyond `maxDepth`.
    @inline(always)
    private mutating func beginValue(_ byte: UInt8, expecting: JSONExpectation, at offset: Int64) -> State {
        let kind: JSONValueKind
        let next: State
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard nesting < maxDepth else { return fail(.nestingTooDeep(limit: maxDepth), at: offset) }
            let isObject = byte == UInt8(ascii: "{")
            push(isObject: isObject)
            kind = isObject ? .object : .array
            next = isObject ? .memberNameOrEnd : .arrayElementOrEnd
        case UInt8(ascii: "\""):
            stringIsMemberName = false
            kind = .string
            next = .string
        case UInt8(ascii: "-"):
            kind = .number
            next = .minus
        case UInt8(ascii: "0"):
            kind = .number
            next = .zero
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            kind = .number
            next = .integerDigits
        case UInt8(ascii: "t"):
            kind = .literal
            literalWord = .true
            literalMatched = 1
            next = .literal
        case UInt8(ascii: "f"):
            kind = .literal
            literalWord = .false
            literalMatched = 1
            next = .literal
        case UInt8(ascii: "n"):
            kind = .literal
            literalWord = .null
            literalMatched = 1
            next = .literal
        default:
            return fail(.unexpectedByte(byte, expecting: expecting), at: offset)
        }
        if topLevelKind == nil { topLevelKind = kind }
        return next
    }

    /// The state after a complete value (scalar or container) at the current nesting.
    @inline(always)
    private func endOfValue() -> State {
        if nesting == 0 { return .afterTopLevelValue }
        return innermostIsObject ? .afterMember : .afterElement
    }

    /// Pops the innermost container (already checked to match the closing byte) and ends its value.
    @inline(always)
    private mutating func closeContainer() -> State {
        nesting &-= 1
        if nesting > 0 {
            let level = nesting &- 1
            let word = level < 64 ? firstLevels : deeperLevels[(level >> 6) &- 1]
            innermostIsObject = word >> UInt64(level & 63) & 1 == 1
        } else {
            innermostIsObject = false
        }
        return endOfValue()
    }

    private mutating func push(isObject: Bool) {
        let level = nesting
        let bit: UInt64 = 1 << UInt64(level & 63)
        if level < 64 {
            firstLevels = isObject ? firstLevels | bit : firstLevels & ~bit
        } else {
            let word = (level >> 6) &- 1
            if word == deeperLevels.count { deeperLevels.append(0) }
            if isObject {
                deeperLevels[word] |= bit
            } else {
                deeperLevels[word] &= ~bit
            }
        }
        nesting = level &+ 1
        innermostIsObject = isObject
    }

    /// Bytes allocated for the nesting stack (for tests of the memory bound): the first 64
    /// levels are inline and count nothing.
    var stackCapacityInBytes: Int { deeperLevels.capacity * MemoryLayout<UInt64>.stride }

    // MARK: - Byte classes

    /// The byte classes the states test, as one 256-entry table. Tested with arithmetic instead,
    /// the letter-or-digit test that several states share was hoisted by the optimizer above the
    /// state dispatch and ran for every byte (about ten instructions each); a table lookup costs
    /// one load wherever it lands.
    struct ByteClasses: @unchecked Sendable {
        private static let whitespace: UInt8 = 1  // SP, HT, LF, CR (RFC 8259 §2 ws)
        private static let digit: UInt8 = 2  // 0–9
        private static let letter: UInt8 = 4  // A–Z, a–z
        private static let hexDigit: UInt8 = 8  // 0–9, A–F, a–f
        private static let gluedToNumber: UInt8 = 16  // a letter, a digit, ".", "+" or "-"

        /// Immutable once built, and never freed: shared by every validator on every thread.
        static let shared: ByteClasses = {
            let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
            for value in 0..<256 {
                let byte = UInt8(value)
                var bits: UInt8 = 0
                if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { bits |= whitespace }
                let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                let isLetter = byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")
                if isDigit { bits |= digit }
                if isLetter { bits |= letter }
                if isDigit || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f")) {
                    bits |= hexDigit
                }
                if isDigit || isLetter || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+")
                    || byte == UInt8(ascii: "-")
                {
                    bits |= gluedToNumber
                }
                table[value] = bits
            }
            return ByteClasses(table: UnsafePointer(table))
        }()

        private let table: UnsafePointer<UInt8>

        @inline(always) func isWhitespace(_ byte: UInt8) -> Bool { table[Int(byte)] & Self.whitespace != 0 }
        @inline(always) func isHexDigit(_ byte: UInt8) -> Bool { table[Int(byte)] & Self.hexDigit != 0 }
        @inline(always) func isLetterOrDigit(_ byte: UInt8) -> Bool {
            table[Int(byte)] & (Self.letter | Self.digit) != 0
        }
        /// Bytes that, right after a number, make it a malformed number rather than the end of it.
        @inline(always) func isGluedToNumber(_ byte: UInt8) -> Bool { table[Int(byte)] & Self.gluedToNumber != 0 }
    }
}
