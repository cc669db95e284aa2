import Testing

@testable import JSONValidation

/// The corpus, each document validated whole, byte by byte and in seeded random splits.
@Suite("Table of documents")
struct TableTests {
    @Test("verdict", arguments: Corpus.all)
    func verdict(_ document: Case) {
        #expect(streamingVerdict(document.bytes) == document.expected)
    }

    @Test("names are unique and their prefix matches the verdict")
    func names() {
        #expect(Set(Corpus.all.map(\.name)).count == Corpus.all.count)
        for document in Corpus.all {
            if document.name.hasPrefix("y_") {
                #expect(document.expected.isValid, "\(document.name)")
            } else if document.name.hasPrefix("n_") {
                #expect(!document.expected.isValid, "\(document.name)")
            } else {
                #expect(document.name.hasPrefix("i_"), "\(document.name)")
            }
        }
    }

    /// Every valid document stays valid wrapped in an array and as a member value, and every
    /// byte of an invalid one keeps its offset when shifted by leading whitespace.
    @Test("context invariance", arguments: Corpus.all)
    func contextInvariance(_ document: Case) {
        switch document.expected {
        case .valid:
            let inArray = Array(utf8: "[") + document.bytes + Array(utf8: "]")
            #expect(JSONValidator.validate(inArray) == .valid(.array))
            let asMember = Array(utf8: "{\"k\":") + document.bytes + Array(utf8: ",\"z\":[]}")
            #expect(JSONValidator.validate(asMember) == .valid(.object))
        case .invalid(let error, let offset):
            let shifted = Array(utf8: " \r\n\t") + document.bytes
            #expect(JSONValidator.validate(shifted) == .invalid(error, offset: offset + 4))
        }
    }
}
