/// What the capture shows about one callback's signature.
public struct SignatureVerdict: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// A key (OSS's, or one given with `--public-key`) verifies the signature over the bytes captured.
        case valid
        /// No key verifies it, or `authorization` is not a signature at all.
        case invalid
        /// The request is a callback by its other signals but lacks `authorization` or `x-oss-pub-key-url`.
        case missing
        /// Bytes needed to rebuild the signed string were not captured (or cannot be rebuilt): no verdict.
        case unverifiable
    }

    public var status: Status
    /// The key URL and whether it is OSS's; nil without an `x-oss-pub-key-url` header.
    public var keyURL: KeyURL?
    /// Why the status is what it is, in one sentence.
    public var reason: String
    /// The label of the key that verified the signature (``Status/valid`` only).
    public var verifiedWith: String?

    public init(status: Status, keyURL: KeyURL?, reason: String, verifiedWith: String? = nil) {
        self.status = status
        self.keyURL = keyURL
        self.reason = reason
        self.verifiedWith = verifiedWith
    }
}
