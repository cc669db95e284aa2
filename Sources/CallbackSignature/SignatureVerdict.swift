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
    public var reason: String {
        get { statedReason ?? "The signature verifies with \(verifiedWith ?? "a known key")." }
        set { statedReason = newValue }
    }
    /// The label of the key that verified the signature (``Status/valid`` only).
    public var verifiedWith: String?
    /// The reason as given; nil for ``verified(keyURL:with:)``, whose sentence is worded only when
    /// read — nearly every callback verifies, and few of them are ever listed in a report.
    private var statedReason: String?

    public init(status: Status, keyURL: KeyURL?, reason: String, verifiedWith: String? = nil) {
        self.init(status: status, keyURL: keyURL, statedReason: reason, verifiedWith: verifiedWith)
    }

    private init(status: Status, keyURL: KeyURL?, statedReason: String?, verifiedWith: String?) {
        self.status = status
        self.keyURL = keyURL
        self.statedReason = statedReason
        self.verifiedWith = verifiedWith
    }

    /// A ``Status/valid`` verdict: the signature verifies with the key labelled `label`.
    public static func verified(keyURL: KeyURL?, with label: String) -> SignatureVerdict {
        SignatureVerdict(status: .valid, keyURL: keyURL, statedReason: nil, verifiedWith: label)
    }

    public static func == (lhs: SignatureVerdict, rhs: SignatureVerdict) -> Bool {
        lhs.status == rhs.status && lhs.keyURL == rhs.keyURL && lhs.verifiedWith == rhs.verifiedWith
            && lhs.reason == rhs.reason
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(keyURL)
        hasher.combine(reason)
        hasher.combine(verifiedWith)
    }
}
