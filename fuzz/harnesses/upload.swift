// libFuzzer target (e): the uploader's side — UploadCallbacks' decoders over arbitrary input.
//
// Byte 0 (mod 8) picks what the rest of the input goes to:
//   0  StrictBase64.decode (and encode)
//   1  SmallJSON.parse, differentially against JSONValidator
//   2  CallbackURL.parse and IPAddress.parseIPv4 / parseIPv6
//   3  MultipartFormPrefix: first line = Content-Type value (or the boundary itself), rest = body
//   4  UploadCallbackRequest.inspect: a flags byte, then target, x-oss-callback,
//      x-oss-callback-var, Content-Type and body separated by NUL bytes (body is the rest)
//   5  the same callback JSON (NUL, then optionally a callback-var JSON) Base64-encoded by this
//      harness and sent as header, as query and as PostObject form field
//   6  OSSErrorDocument.parse / CallbackFailedResponse over a response body
//   7  CallbackFailureMeaning(message:) and XML entity decoding of a text (NUL splits a
//      second text, used as the message of a built error document)
//
// Checked, beyond "no trap / no ASan report": every decoder is deterministic (same input twice,
// same result) and its outputs are bounded as documented; Base64 decode/encode round-trip, and
// failures point at the offending byte; SmallJSON accepts exactly what JSONValidator accepts
// (nested at most 32 deep) and its values round-trip through serialisation; a parsed callback
// URL's parts are in its text, its address re-parses from its description, and `http://` in
// front of a scheme-less entry changes nothing; a form read from a prefix of a body agrees with
// the whole body on every field the prefix completes; inspect's results are consistent
// (location, predicted rejection, exactly one of too-long / not-Base64 / not-JSON when no
// configuration) and the same configuration gives the same verdict from header, query and form;
// an error document ignores everything past 16 KiB and gives back the text of elements built from
// escaped strings; the failure meaning ignores ASCII case and spaces around `:` and `.`.
// A violation prints what broke and aborts, so libFuzzer keeps the input as a crash artifact.
import HTTP1
import JSONValidation
import UploadCallbacks

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("upload fuzz: \(message())")
        fatalError("invariant broken")
    }
}

private func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    guard needle.count <= hay.count else { return false }
    for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) {
        return true
    }
    return false
}

private func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: Array(bytes), as: UTF8.self) }

// MARK: - 0 Base64

private func checkBase64(_ input: [UInt8]) {
    let limit = UploadCallbackRequest.maxEncodedBytes
    let result = StrictBase64.decode(input, limit: limit)
    check(result == StrictBase64.decode(input[...], limit: limit), "Base64 decode not deterministic")
    switch result {
    case .success(let bytes):
        check(input.count % 4 == 0 && input.count <= limit, "decoded \(input.count) characters")
        let padding = input.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        check(padding <= 2 && bytes.count == input.count / 4 * 3 - padding, "\(bytes.count) bytes from \(input.count) characters, \(padding) '='")
        let again = StrictBase64.encode(bytes)
        check(again.utf8.count == input.count, "re-encoded to \(again.utf8.count) characters")
        // Only the pad bits of the last character may differ.
        let same = input.count - padding - 1
        check(same < 0 || Array(again.utf8.prefix(same)) == Array(input.prefix(same)), "re-encoding differs before the last character")
        check(StrictBase64.decode(Array(again.utf8), limit: limit) == .success(bytes), "re-encoded text decodes differently")
        check(
            StrictBase64.decode(input, limit: input.count - 1) == .failure(.tooLong(length: input.count, limit: input.count - 1)),
            "a limit one below the length does not fail with tooLong")
    case .failure(let failure):
        check(!failure.description.isEmpty, "empty description")
        switch failure {
        case .empty: check(input.isEmpty, ".empty for \(input.count) bytes")
        case .tooLong(let length, let l): check(length == input.count && l == limit && length > limit, "\(failure)")
        case .invalidCharacter(let byte, let offset):
            check(offset < input.count && input[offset] == byte, "\(failure) but the byte there is \(offset < input.count ? input[offset] : 0)")
        case .urlSafeAlphabet(let offset):
            check(offset < input.count && (input[offset] == UInt8(ascii: "-") || input[offset] == UInt8(ascii: "_")), "\(failure)")
        case .badLength(let n): check(n == input.count && n % 4 != 0, "\(failure)")
        case .misplacedPadding(let offset): check(offset < input.count && input[offset] == UInt8(ascii: "="), "\(failure)")
        }
    }
    // Any bytes round-trip.
    let encoded = StrictBase64.encode(input)
    check(
        StrictBase64.decode(Array(encoded.utf8), limit: Int.max) == (input.isEmpty ? .failure(.empty) : .success(input)),
        "encode/decode round trip of \(input.count) bytes")
}

// MARK: - 1 SmallJSON

/// The deepest value of a valid JSON text, counted as SmallJSON does: the top-level value is at
/// depth 0, a member or element of a container at depth d is at d + 1.
private func deepestValue(_ bytes: [UInt8]) -> Int {
    var depth = 0, deepest = 0, i = 0, inString = false
    while i < bytes.count {
        let b = bytes[i]
        if inString {
            if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
        } else if b == UInt8(ascii: "\"") {
            inString = true
        } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
            deepest = max(deepest, depth)
            depth += 1
            var j = i + 1
            while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
            if j < bytes.count, bytes[j] != UInt8(ascii: "]"), bytes[j] != UInt8(ascii: "}") { deepest = max(deepest, depth) }
        } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
            depth -= 1
        }
        i += 1
    }
    return deepest
}

private func serialise(_ value: SmallJSONValue, into out: inout [UInt8]) {
    func string(_ s: String) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array("\\u00".utf8) + [Array("0123456789abcdef".utf8)[Int(byte >> 4)], Array("0123456789abcdef".utf8)[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
    switch value {
    case .object(let members):
        out.append(UInt8(ascii: "{"))
        for (n, member) in members.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            string(member.key)
            out.append(UInt8(ascii: ":"))
            serialise(member.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    case .array(let items):
        out.append(UInt8(ascii: "["))
        for (n, item) in items.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            serialise(item, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    case .string(let s): string(s)
    case .number(let n): out += Array(n.utf8)
    case .bool(let b): out += Array((b ? "true" : "false").utf8)
    case .null: out += Array("null".utf8)
    }
}

private func show(_ bytes: [UInt8]) -> String {
    bytes.prefix(300).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
}

private func checkJSON(_ input: [UInt8]) {
    let parsed = SmallJSON.parse(input)
    check(parsed == SmallJSON.parse(input), "SmallJSON not deterministic")
    let verdict = JSONValidator.validate(input)
    switch parsed {
    case .success(let value):
        check(verdict.isValid, "SmallJSON accepts what JSONValidator rejects (\(verdict)): \(show(input))")
        check(deepestValue(input) < SmallJSON.maxDepth, "SmallJSON accepts a value nested \(deepestValue(input)) deep")
        var out: [UInt8] = []
        serialise(value, into: &out)
        check(JSONValidator.validate(out).isValid, "serialised value is not JSON: \(show(out))")
        check(SmallJSON.parse(out) == .success(value), "value does not round-trip: \(show(input)) → \(show(out))")
        if case .object = value { check(value.typeName == "object", "typeName") }
    case .failure(let failure):
        check(failure.offset >= 0 && failure.offset <= input.count, "failure offset \(failure.offset) of \(input.count)")
        check(!failure.reason.isEmpty, "empty reason")
        if verdict.isValid {
            check(
                failure.reason.contains("nested deeper") && deepestValue(input) >= SmallJSON.maxDepth,
                "SmallJSON rejects valid JSON (\(failure)), deepest value \(deepestValue(input)): \(show(input))")
        }
    }
}

// MARK: - 2 callbackUrl

private func trimSpaces(_ s: String) -> String {
    var t = Substring(s)
    while let f = t.first, f == " " || f == "\t" { t.removeFirst() }
    while let l = t.last, l == " " || l == "\t" { t.removeLast() }
    return String(t)
}

private func checkAddress(_ address: IPAddress) {
    switch address {
    case .v4:
        check(IPAddress.parseIPv4(address.description) == address, "IPv4 \(address) does not re-parse")
    case .v6(let bytes):
        check(bytes.count == 16, "IPv6 of \(bytes.count) bytes")
        check(IPAddress.parseIPv6(address.description) == address, "IPv6 \(address) does not re-parse")
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            let v4 = IPAddress.v4(UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15]))
            check((address.privateRange != nil) == (v4.privateRange != nil), "mapped \(address) and \(v4) disagree on privacy")
        }
    }
    check(address.privateRange == address.privateRange, "privateRange not deterministic")
}

private func checkURL(_ input: [UInt8]) {
    let entry = text(input)
    let result = CallbackURL.parse(entry)
    check(result == CallbackURL.parse(entry), "CallbackURL.parse not deterministic")
    if case .success(let url) = result {
        check(url.text == trimSpaces(entry), "text \(url.text) of \(entry)")
        check(!url.host.isEmpty && url.text.contains(url.host), "host \(url.host) of \(url.text)")
        check(url.text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }, "invalid character accepted in \(url.text)")
        check(url.port.map { (1...65535).contains($0) } ?? true, "port \(url.port!)")
        check(url.scheme == nil || url.scheme == "http" || url.scheme == "https", "scheme \(url.scheme!)")
        check(url.pathAndQuery == "/" || url.pathAndQuery.first.map { "/?#".contains($0) } == true, "path \(url.pathAndQuery)")
        if let address = url.address { checkAddress(address) }
        if url.scheme == nil {
            if case .success(let again) = CallbackURL.parse("http://" + url.text) {
                check(
                    again.host == url.host && again.port == url.port && again.pathAndQuery == url.pathAndQuery
                        && again.address == url.address && again.scheme == "http",
                    "http:// in front of \(url.text) changes it to \(again)")
            } else {
                check(false, "http:// in front of \(url.text) makes it invalid")
            }
        }
    } else if case .failure(let error) = result {
        check(!error.description.isEmpty, "empty description")
    }
    if let v4 = IPAddress.parseIPv4(entry) { checkAddress(v4) }
    if let v6 = IPAddress.parseIPv6(entry) { checkAddress(v6) }
}

// MARK: - 3 PostObject form

private func checkForm(_ body: [UInt8], boundary: String) {
    let form = MultipartFormPrefix(body: body, boundary: boundary)
    check(form == MultipartFormPrefix(body: body, boundary: boundary), "form not deterministic")
    check(form.fields.count <= MultipartFormPrefix.maxFields, "\(form.fields.count) fields")
    for field in form.fields {
        check(field.value.count <= MultipartFormPrefix.maxValueBytes, "value of \(field.value.count) bytes")
        check(field.length >= 0 && field.length <= body.count && field.value.count <= field.length, "field length \(field.length), value \(field.value.count), body \(body.count)")
        if field.complete { check(field.value.count == field.length, "complete field of \(field.length) bytes keeps \(field.value.count)") }
        check(contains(body, field.value), "value not in the body")
    }
    // Prefixes of the body agree on what they complete.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in body.prefix(256) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    for _ in 0..<3 where !body.isEmpty {
        hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let cut = Int(hash >> 33) % body.count
        let prefix = MultipartFormPrefix(body: Array(body[..<cut]), boundary: boundary)
        check(prefix.fields.count <= form.fields.count, "the \(cut)-byte prefix has more fields")
        if prefix.reachedFileOrEnd { check(prefix == form, "the \(cut)-byte prefix reached the end but differs") }
        for (n, field) in prefix.fields.enumerated() where field.complete {
            check(form.fields[n] == field, "field \(n) complete in the \(cut)-byte prefix differs from the whole body's")
        }
    }
}

// MARK: - 4 / 5 inspect

private func checkRequest(_ r: UploadCallbackRequest, callbackHeader: Bool) {
    if let first = r.locations.first { check(r.location == first, "location \(r.location), locations \(r.locations)") }
    if callbackHeader { check(r.locations.first == .header, "x-oss-callback given, locations \(r.locations)") }
    check(r.locations.count <= 2 + MultipartFormPrefix.maxFields, "\(r.locations.count) locations")
    check((0...2).contains(r.encodedTexts.count - r.locations.count), "\(r.encodedTexts.count) texts for \(r.locations.count) locations")
    check(r.encodedLength >= 0 && (r.locations.isEmpty ? r.encodedLength == 0 : true), "encodedLength \(r.encodedLength)")
    let both = r.problems.filter { $0.rejection == .bothCallbackPlaces }.count
    check(both == (r.locations.count > 1 ? 1 : 0), "\(both) bothCallbackPlaces for locations \(r.locations)")
    check(r.predictedRejection == r.problems.first { $0.rejection != nil }, "predictedRejection")
    check(r.problems.allSatisfy { !$0.detail.isEmpty && ($0.ec == nil || $0.ossMessage != nil) }, "problem without detail")
    let undecodable = r.problems.filter { [.callbackTooLong, .notBase64, .notJSON].contains($0.rejection) }.count
    if r.locations.isEmpty {
        check(r.configuration == nil && undecodable == 0, "a configuration without a callback")
    } else if let config = r.configuration {
        check(undecodable == 0, "configuration decoded, yet \(undecodable) decoding problems")
        let tooMany = r.problems.contains { $0.rejection == .tooManyURLs }
        check(tooMany == (config.callbackURLs.count > 5), "\(config.callbackURLs.count) URLs, tooManyURLs \(tooMany)")
        check(r.problems.filter { $0.rejection == .invalidURL }.count <= 5, "more invalidURL problems than URLs checked")
    } else {
        check(undecodable == 1, "no configuration, \(undecodable) decoding problems: \(r.problems)")
    }
    if let unverifiable = r.unverifiable { check(!unverifiable.isEmpty, "empty unverifiable") }
}

private func inspect(target: String, headers: [(String, String)], body: [UInt8], complete: Bool) -> UploadCallbackRequest? {
    let r = UploadCallbackRequest.inspect(target: target, headers: HTTPHeaders(headers), body: body, bodyComplete: complete)
    check(r == UploadCallbackRequest.inspect(target: target, headers: HTTPHeaders(headers), body: body, bodyComplete: complete), "inspect not deterministic")
    if let r { checkRequest(r, callbackHeader: headers.contains { $0.0 == "x-oss-callback" }) }
    return r
}

private func checkInspect(_ input: [UInt8]) {
    guard let flags = input.first else { return }
    let parts = input.dropFirst().split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false)
    func part(_ n: Int) -> ArraySlice<UInt8>? { n < parts.count ? parts[n] : nil }
    let target = part(0).map(text).flatMap { $0.isEmpty ? nil : $0 } ?? "/"
    var headers: [(String, String)] = [("Host", "bucket.oss-cn-hangzhou.aliyuncs.com")]
    for (n, name) in [(1, "x-oss-callback"), (2, "x-oss-callback-var"), (3, "Content-Type")] {
        if let value = part(n), !value.isEmpty || flags & 2 != 0 { headers.append((name, text(value))) }
    }
    let body = part(4).map(Array.init) ?? []
    let r = inspect(target: target, headers: headers, body: body, complete: flags & 1 != 0)
    if headers.contains(where: { $0.0.hasPrefix("x-oss-callback") }) { check(r != nil, "callback headers, but no result") }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
private func percentEncode(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || "-._~".utf8.contains(byte) {
            out.append(Character(UnicodeScalar(byte)))
        } else {
            out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: false)
        }
    }
    return out
}

private func checkLocations(_ input: [UInt8]) {
    let split = input.firstIndex(of: 0)
    let config = Array(input[..<(split ?? input.count)])
    let vars = split.map { Array(input[($0 + 1)...]) }
    let encoded = StrictBase64.encode(config)
    let encodedVars = vars.map(StrictBase64.encode)
    let raw = input.count % 2 == 0  // Base64 in the query as is (+ / = unescaped), or percent-encoded.
    let query = "/object.jpg?callback=" + (raw ? encoded : percentEncode(encoded)) + (encodedVars.map { "&callback-var=" + (raw ? $0 : percentEncode($0)) } ?? "")

    let header = inspect(
        target: "/object.jpg", headers: [("x-oss-callback", encoded)] + (encodedVars.map { [("x-oss-callback-var", $0)] } ?? []), body: [],
        complete: true)
    let headerOnly = vars == nil ? header : inspect(target: "/object.jpg", headers: [("x-oss-callback", encoded)], body: [], complete: true)
    let inQuery = inspect(target: query, headers: [], body: [], complete: true)
    let boundary = "----FuzzBoundary7MA4YWxkTrZu0gW"
    let form = Array(
        ("--\(boundary)\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nobject.jpg\r\n--\(boundary)\r\n"
            + "Content-Disposition: form-data; name=\"callback\"\r\n\r\n\(encoded)\r\n--\(boundary)\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{FF}\u{D8}\r\n--\(boundary)--\r\n").utf8)
    let inForm = inspect(target: "/", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: form, complete: true)

    guard let header, let headerOnly, let inQuery, let inForm else {
        check(false, "a callback given, no result: header \(header == nil), query \(inQuery == nil), form \(inForm == nil)")
        return
    }
    check(header.locations == [.header] && inQuery.locations == [.query] && inForm.locations == [.form], "locations")
    for r in [header, inQuery, inForm] { check(r.encodedLength == encoded.utf8.count, "encodedLength \(r.encodedLength) of \(encoded.utf8.count)") }
    check(header.configuration == inQuery.configuration && header.configuration == inForm.configuration, "the configuration depends on where it was sent")
    check(header.problems == inQuery.problems, "header and query differ:\n  \(header.problems)\n  \(inQuery.problems)")
    check(header.variables.map(\.name) == inQuery.variables.map(\.name) && header.variables.map(\.value) == inQuery.variables.map(\.value), "variables")
    check(headerOnly.problems == inForm.problems, "header and form differ:\n  \(headerOnly.problems)\n  \(inForm.problems)")

    // What the configuration must decode to.
    let rejections = headerOnly.problems.compactMap(\.rejection)
    check(!rejections.contains(.notBase64) || config.isEmpty, "harness-encoded Base64 called not Base64")
    if encoded.utf8.count > UploadCallbackRequest.maxEncodedBytes {
        check(rejections == [.callbackTooLong] && headerOnly.configuration == nil, "\(encoded.utf8.count) Base64 bytes: \(rejections)")
    } else if config.isEmpty {
        check(rejections.first == .notBase64, "empty callback: \(rejections)")
    } else if case .success(.object(let members)) = SmallJSON.parse(config) {
        let cfg = headerOnly.configuration
        check(cfg != nil, "a JSON object, no configuration: \(headerOnly.problems)")
        if case .string(let urls)? = SmallJSONValue.object(members)["callbackUrl"] {
            check(cfg?.callbackURLs.count == urls.split(separator: ";", omittingEmptySubsequences: false).count, "callbackURLs")
        }
        if case .string(let body)? = SmallJSONValue.object(members)["callbackBody"] { check(cfg?.callbackBody == body, "callbackBody") }
        if case .bool(let sni)? = SmallJSONValue.object(members)["callbackSNI"] { check(cfg?.callbackSNI == sni, "callbackSNI") }
    } else {
        check(rejections.first == .notJSON && headerOnly.configuration == nil, "not a JSON object: \(rejections)")
    }
    if let vars, let encodedVars, encodedVars.utf8.count <= UploadCallbackRequest.maxEncodedBytes, !vars.isEmpty,
        case .success(.object(let members)) = SmallJSON.parse(vars)
    {
        let strings = members.compactMap { member -> (String, String)? in if case .string(let s) = member.value { (member.key, s) } else { nil } }
        check(header.variables.map(\.name) == strings.map(\.0) && header.variables.map(\.value) == strings.map(\.1), "variables \(header.variables) of \(strings)")
        let notJSON = header.problems.filter { $0.rejection == .varNotJSON }.count
        check(notJSON == members.count - strings.count, "\(notJSON) varNotJSON for \(members.count - strings.count) non-string members")
    }
}

// MARK: - 6 / 7 OSS error documents and messages

private let kib16 = OSSErrorDocument.maxInputBytes

private func checkDocument(_ body: [UInt8]) {
    let doc = OSSErrorDocument.parse(body)
    check(doc == OSSErrorDocument.parse(body[...]), "parse not deterministic")
    if let doc {
        check(!doc.code.isEmpty, "empty code")
        check(contains(Array(body.prefix(kib16)), Array("<Error>".utf8)), "a document without <Error>")
        for field in [doc.code, doc.message, doc.ec, doc.requestId, doc.hostId, doc.argumentName, doc.argumentValue] {
            if let field { check(field.unicodeScalars.count <= OSSErrorDocument.maxTextBytes, "a field of \(field.unicodeScalars.count) scalars") }
        }
    }
    if body.count > kib16 {
        check(doc == OSSErrorDocument.parse(body.prefix(kib16)), "bytes past 16 KiB changed the document")
    } else {
        let padded = body + [UInt8](repeating: 0x20, count: kib16 - body.count)
        check(OSSErrorDocument.parse(padded + body) == OSSErrorDocument.parse(padded), "bytes past 16 KiB changed the document")
    }
    let failed = CallbackFailedResponse(status: 203, body: body)
    check((failed != nil) == (doc?.code.lowercased() == "callbackfailed"), "CallbackFailedResponse for code \(doc?.code ?? "-")")
    if let failed {
        check(failed.document == doc && failed.meaning == CallbackFailureMeaning(message: doc?.message ?? ""), "CallbackFailedResponse contents")
        check(failed.message == (doc?.message ?? "") && failed.ec == doc?.ec, "CallbackFailedResponse accessors")
    }
    check(CallbackFailedResponse(status: 200, body: body) == nil, "CallbackFailedResponse for status 200")
}

private func asciiCase(_ s: String, upper: Bool) -> String {
    String(
        String.UnicodeScalarView(
            s.unicodeScalars.map { c in
                if upper, ("a"..."z").contains(c) { return Unicode.Scalar(c.value - 32)! }
                if !upper, ("A"..."Z").contains(c) { return Unicode.Scalar(c.value + 32)! }
                return c
            }))
}

private func escapeXML(_ s: String, numeric: Bool) -> String {
    var out = ""
    for (n, scalar) in s.unicodeScalars.enumerated() {
        let v = scalar.value
        if numeric, v >= 0x20 || v == 0x09 || v == 0x0A || v == 0x0D {
            out += n % 2 == 0 ? "&#x" + String(v, radix: 16, uppercase: n % 4 == 0) + ";" : "&#\(v);"
            continue
        }
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private func trimXMLSpace(_ s: String) -> String {
    let space: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
    var t = Substring(s)
    while let f = t.first, space.contains(f) { t.removeFirst() }
    while let l = t.last, space.contains(l) { t.removeLast() }
    return String(t)
}

private func checkMessage(_ input: [UInt8]) {
    let split = input.firstIndex(of: 0)
    let first = text(input[..<(split ?? input.count)])
    let second = split.map { text(input[($0 + 1)...]) }

    let meaning = CallbackFailureMeaning(message: first)
    check(meaning == CallbackFailureMeaning(message: first), "meaning not deterministic")
    check(!meaning.key.isEmpty && !meaning.explanation.isEmpty, "meaning without key or explanation")
    if case .serverStatus(let status) = meaning { check(status != -1 && (-99_999...999_999).contains(status), "status \(status)") }
    check(CallbackFailureMeaning(message: asciiCase(first, upper: true)) == meaning, "meaning depends on upper case: \(first)")
    check(CallbackFailureMeaning(message: asciiCase(first, upper: false)) == meaning, "meaning depends on lower case: \(first)")
    var spaced = ""
    for c in first { if c == ":" || c == "." { spaced += " \(c)\t" } else { spaced.append(c) } }
    check(CallbackFailureMeaning(message: spaced) == meaning, "meaning depends on spaces around ':' and '.': \(first)")

    // Entities.
    check(OSSErrorDocument.decodeEntities(Array(first.utf8)) == OSSErrorDocument.decodeEntities(Array(first.utf8)), "decodeEntities not deterministic")
    check(OSSErrorDocument.decodeEntities(Array(escapeXML(first, numeric: false).utf8)) == first, "entity round trip of \(first)")
    check(OSSErrorDocument.decodeEntities(Array(escapeXML(first, numeric: true).utf8)) == first, "character reference round trip of \(first)")
    if !first.contains("&") && !first.contains("<![CDATA[") {
        check(OSSErrorDocument.decodeEntities(Array(first.utf8)) == first, "text without references changed")
    }

    // A built document gives its texts back.
    let code = first, message = second ?? "Error status : 502."
    let escapedCode = escapeXML(code, numeric: code.count % 3 == 0), escapedMessage = escapeXML(message, numeric: false)
    let document = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>\(escapedCode)</Code>\n  <Message>\(escapedMessage)</Message>\n  <EC>0007-00000203</EC>\n</Error>\n".utf8)
    let doc = OSSErrorDocument.parse(document)
    if escapedCode.utf8.count <= OSSErrorDocument.maxTextBytes, escapedMessage.utf8.count <= OSSErrorDocument.maxTextBytes,
        document.count <= kib16
    {
        if trimXMLSpace(code).isEmpty {
            check(doc == nil, "a document with an empty code")
        } else {
            check(doc?.code == trimXMLSpace(code), "code \(doc?.code ?? "nil"), expected \(trimXMLSpace(code))")
            check(doc?.message == trimXMLSpace(message), "message \(doc?.message ?? "nil"), expected \(trimXMLSpace(message))")
            check(doc?.ec == "0007-00000203", "EC")
        }
    }
    checkDocument(document)
}

// MARK: - Entry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let payload = Array(input[1...])
    switch input[0] % 8 {
    case 0: checkBase64(payload)
    case 1: checkJSON(payload)
    case 2: checkURL(payload)
    case 3:
        let newline = payload.firstIndex(of: 0x0A) ?? payload.count
        let line = text(payload[..<newline])
        let body = newline < payload.count ? Array(payload[(newline + 1)...]) : []
        if let boundary = MultipartFormPrefix.boundary(contentType: line) {
            check((1...70).contains(boundary.utf8.count), "boundary of \(boundary.utf8.count) bytes")
            checkForm(body, boundary: boundary)
        } else if (1...70).contains(line.utf8.count) {
            checkForm(body, boundary: line)
        }
    case 4: checkInspect(payload)
    case 5: checkLocations(payload)
    case 6: checkDocument(payload)
    default: checkMessage(payload)
    }
    return 0
}
