import HTTP1
import TestSupport
import Testing

@testable import UploadCallbacks

/// Hostile inputs at the sizes the pipeline can hand over (a 64 KiB request-body prefix, an
/// 8 KiB response preview, a header of any length) stay cheap and bounded.
///
/// Time is measured and printed, and held to a generous limit that only catches a runaway (a
/// quadratic scan of 64 KiB takes minutes in a debug build), never to a window a loaded machine
/// could miss: the bounds themselves are asserted on the results (field counts, rejections).
@Suite struct BoundsTests {
    /// Far above any honest run, debug build, busy machine included.
    static let runawayMilliseconds = 30_000.0

    static func milliseconds(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let d = clock.measure(body)
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    @Test func nearMissBoundaryOverA64KiBBody() {
        let boundary = String(repeating: "-", count: 69) + "x"
        let body = [UInt8](repeating: UInt8(ascii: "-"), count: 64 * 1024)
        var result: UploadCallbackRequest?
        let ms = Self.milliseconds {
            result = UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], body: body,
                bodyComplete: false)
        }
        #expect(result == nil)
        print("near-miss boundary over 64 KiB: \(ms) ms")
        #expect(ms < Self.runawayMilliseconds)
    }

    @Test func manyTinyFieldsStopAtTheFieldBound() {
        var text = ""
        for i in 0..<3000 { text += "--b\r\nContent-Disposition: form-data; name=\"x:v\(i)\"\r\n\r\n\(i)\r\n" }
        let body = Array(text.utf8.prefix(64 * 1024))
        var result: UploadCallbackRequest?
        let ms = Self.milliseconds {
            result = UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": "multipart/form-data; boundary=b"], body: body,
                bodyComplete: false)
        }
        #expect(result?.variables.count == MultipartFormPrefix.maxFields)
        #expect(result?.unverifiable != nil)
        print("3000 form fields in 64 KiB: \(ms) ms")
        #expect(ms < Self.runawayMilliseconds)
    }

    @Test func hugeHeaderIsNotDecoded() {
        let huge = String(repeating: "QUFB", count: 250_000)  // 1 MB of valid Base64
        var result: UploadCallbackRequest?
        let ms = Self.milliseconds {
            result = UploadCallbackRequest.inspect(
                target: "/", headers: ["x-oss-callback": huge], body: [], bodyComplete: true)
        }
        #expect(result?.problems.compactMap(\.rejection) == [.callbackTooLong])
        #expect(result?.configuration == nil)
        print("1 MB x-oss-callback: \(ms) ms")
        #expect(ms < Self.runawayMilliseconds)
    }

    @Test func kmpFindAgreesWithANaiveSearch() {
        var random = SplitMix64.forTest(seed: 7)
        func next() -> UInt8 { UInt8(truncatingIfNeeded: random.next() >> 61) }  // 8 symbols: many partial matches
        for _ in 0..<300 {
            let hay = (0..<Int(next()) * 9).map { _ in next() }
            let needle = (0..<Int(next() % 5) + 1).map { _ in next() }
            let from = hay.isEmpty ? 0 : Int(next()) % (hay.count + 1)
            var naive: Int?
            if needle.count <= hay.count - from {
                for i in from...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) {
                    naive = i
                    break
                }
            }
            #expect(
                OSSErrorDocument.find(needle, in: hay, from: from) == naive,
                "\(hay) \(needle) \(from), \(random.replay)")
        }
    }

    @Test func deeplyNestedJSONIsRejectedNotRecursedInto() {
        let nested = String(repeating: "[", count: 3000)
        #expect(rejections(inspectHeader(nested)) == [.notJSON])
        guard case .failure(let f) = SmallJSON.parse(Array(nested.utf8)) else {
            Issue.record("3000 nested brackets parsed")
            return
        }
        #expect(f.reason.contains("nested deeper"))
    }

    @Test func xmlNearMissesOver16KiB() {
        let hostile = String(repeating: "<Error<Code>&#x110000;&#99999999999;&", count: 2000)
        var doc: OSSErrorDocument?
        let ms = Self.milliseconds { doc = OSSErrorDocument.parse(Array(hostile.utf8)) }
        #expect(doc == nil)
        let entities = "<Error><Code>CallbackFailed</Code><Message>&#x110000;&#0;&#99999999999;&amp</Message></Error>"
        #expect(OSSErrorDocument.parse(Array(entities.utf8))?.message == "&#x110000;&#0;&#99999999999;&amp")
        print("hostile XML: \(ms) ms")
        #expect(ms < Self.runawayMilliseconds)
    }
}
