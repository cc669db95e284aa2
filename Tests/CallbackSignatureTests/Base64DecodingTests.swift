import Foundation
import Testing

@testable import CallbackSignature

/// RFC 4648 §4 decoding, against Foundation's encoder for every length and padding, and the exact
/// place of the first bad byte.
@Suite struct Base64DecodingTests {
    @Test func decodesWhatFoundationEncodesAtEveryLength() {
        var bytes: [UInt8] = []
        for length in 1...130 {
            bytes.append(UInt8(truncatingIfNeeded: length &* 151 &+ 7))
            let text = Data(bytes).base64EncodedString()
            guard case .success(let decoded) = Base64Decoding.decode(Array(text.utf8)) else {
                Issue.record("length \(length): \(text) refused")
                continue
            }
            #expect(decoded == bytes, "length \(length)")
        }
    }

    @Test func namesTheFirstByteOutsideTheAlphabet() {
        #expect(Base64Decoding.decode(Array("".utf8)) == .failure(.empty))
        #expect(Base64Decoding.decode(Array("QUJD=".utf8)) == .failure(.length(5)))
        #expect(Base64Decoding.decode(Array("QU-D".utf8)) == .failure(.character(offset: 2, byte: UInt8(ascii: "-"))))
        #expect(
            Base64Decoding.decode(Array("QUJDRE=F".utf8)) == .failure(.character(offset: 6, byte: UInt8(ascii: "="))))
        #expect(
            Base64Decoding.decode(Array("QUJD====".utf8)) == .failure(.character(offset: 4, byte: UInt8(ascii: "="))))
        #expect(Base64Decoding.decode(Array("QUJD\nQUJD".utf8)) == .failure(.length(9)))
        #expect(Base64Decoding.decode(Array("QQ==".utf8)) == .success([0x41]))
        #expect(Base64Decoding.decode(Array("QUI=".utf8)) == .success([0x41, 0x42]))
    }
}
