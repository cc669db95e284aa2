// swift-tools-version: 6.1
//
// callback-doctor — diagnose Alibaba Cloud OSS upload callbacks from tcpdump captures.
//
// The module graph follows the pipeline, one way only: capture → packets → TCP streams → HTTP
// messages (or TLS records) → exchanges → diagnosis → report → rendering, tied together by
// Analysis and driven by the CLI. Each module imports only modules of lower layers; the declared
// dependencies below are exactly the imports (`scripts/import-graph.py --check`, run by
// EndToEndTests' ImportGraphTests).
//
// Module graph (printed by scripts/import-graph.py; a test keeps it in step):
//   0  ByteText
//   0  CaptureModel
//   0  COpenSSL
//   0  CPcap
//   0  CStdioCookie
//   0  CZlib
//   1  CallbackSignature ─► ByteText, COpenSSL
//   1  HTTP1             ─► ByteText, CZlib
//   1  JSONValidation    ─► ByteText
//   1  PacketDecoding    ─► ByteText, CaptureModel
//   1  PcapCapture       ─► ByteText, CaptureModel, CPcap, CStdioCookie, CZlib
//   1  TCPReassembly     ─► CaptureModel
//   2  TLSRecords        ─► TCPReassembly, ByteText, CaptureModel
//   2  UploadCallbacks   ─► HTTP1, JSONValidation, ByteText
//   3  HTTPExchanges     ─► TLSRecords, CallbackSignature, HTTP1, JSONValidation, TCPReassembly, ByteText,
//                           CaptureModel
//   4  Diagnosis         ─► HTTPExchanges, TLSRecords, UploadCallbacks, CallbackSignature, HTTP1, JSONValidation,
//                           TCPReassembly, ByteText, CaptureModel
//   5  ReportModel       ─► Diagnosis, HTTPExchanges, TLSRecords, UploadCallbacks, CallbackSignature, HTTP1,
//                           JSONValidation, TCPReassembly, ByteText, CaptureModel
//   6  Analysis          ─► ReportModel, Diagnosis, HTTPExchanges, CallbackSignature, HTTP1, PacketDecoding,
//                           PcapCapture, TCPReassembly, CaptureModel
//   6  Rendering         ─► ReportModel, Diagnosis, HTTPExchanges, TLSRecords, UploadCallbacks, CallbackSignature,
//                           HTTP1, JSONValidation, TCPReassembly, ByteText, CaptureModel
//   7  callback-doctor   ─► Analysis, Rendering, ReportModel, Diagnosis, HTTPExchanges, CallbackSignature,
//                           PcapCapture, ArgumentParser
// (end of the module graph)
//
// C boundaries: only PcapCapture imports libpcap (and glibc's fopencookie, CStdioCookie), only
// CallbackSignature imports OpenSSL's libcrypto (MD5 and RSA verification of callback
// signatures), and PcapCapture (gzip captures) and HTTP1 (Content-Encoding) import zlib; every
// other module is pure Swift over byte slices. C modules are imported `internal` only, so they
// never leak to an importer.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    // A module's members are visible only where it is imported (SE-0444), and imports are
    // internal unless marked `public` (SE-0409): the declared graph is the real one.
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "callback-doctor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "callback-doctor", targets: ["callback-doctor"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // C boundaries.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // glibc's fopencookie (a GNU extension Swift's Glibc module hides): lets libpcap read
        // gzip captures through a zlib-backed FILE *.
        .target(name: "CStdioCookie"),

        // Stage 0: shared value types (timestamps, link layers, endpoints), and byte text (base64,
        // hex, percent-decoding, ASCII trimming, number formatting): one home for each.
        .target(name: "CaptureModel", swiftSettings: strict),
        .target(name: "ByteText", swiftSettings: strict),
        // Stage 1: capture files and interfaces, through libpcap.
        .target(
            name: "PcapCapture", dependencies: ["ByteText", "CPcap", "CZlib", "CStdioCookie", "CaptureModel"],
            swiftSettings: strict),
        // Stage 2: link / IP / TCP decoding.
        .target(name: "PacketDecoding", dependencies: ["ByteText", "CaptureModel"], swiftSettings: strict),
        // Stage 3: TCP connections and byte streams.
        .target(name: "TCPReassembly", dependencies: ["CaptureModel"], swiftSettings: strict),
        // Stage 4: HTTP/1.x message parsing and content decoding.
        .target(name: "HTTP1", dependencies: ["ByteText", "CZlib"], swiftSettings: strict),
        .target(name: "JSONValidation", dependencies: ["ByteText"], swiftSettings: strict),
        // OSS callback signatures (RSA PKCS#1 v1.5 with MD5), through libcrypto.
        .target(name: "CallbackSignature", dependencies: ["ByteText", "COpenSSL"], swiftSettings: strict),
        // Stage 4b: TLS record layer (HTTPS callbacks seen without decryption).
        .target(
            name: "TLSRecords", dependencies: ["ByteText", "CaptureModel", "TCPReassembly"], swiftSettings: strict),
        // Stage 5: request/response pairing per connection.
        .target(
            name: "HTTPExchanges",
            dependencies: [
                "ByteText", "CaptureModel", "TCPReassembly", "HTTP1", "JSONValidation", "CallbackSignature",
                "TLSRecords",
            ],
            swiftSettings: strict),
        // Stage 5b: the uploader's side (issue #7): callback parameters of uploads to OSS, OSS's error XML.
        .target(name: "UploadCallbacks", dependencies: ["ByteText", "HTTP1", "JSONValidation"], swiftSettings: strict),
        // Stage 6: OSS callback rules.
        .target(
            name: "Diagnosis",
            dependencies: [
                "ByteText",
                "CaptureModel", "TCPReassembly", "HTTPExchanges", "HTTP1", "JSONValidation", "UploadCallbacks",
                "CallbackSignature", "TLSRecords",
            ],
            swiftSettings: strict),
        // Stage 7: the report value and its renderers.
        .target(
            name: "ReportModel",
            dependencies: [
                "ByteText",
                "CaptureModel", "TCPReassembly", "Diagnosis", "HTTPExchanges", "HTTP1", "UploadCallbacks",
                "CallbackSignature",
                "TLSRecords", "JSONValidation",
            ],
            swiftSettings: strict),
        .target(
            name: "Rendering",
            dependencies: [
                "ByteText",
                "ReportModel", "Diagnosis", "HTTPExchanges", "HTTP1", "CaptureModel", "TCPReassembly",
                "CallbackSignature",
                "TLSRecords", "JSONValidation", "UploadCallbacks",
            ],
            swiftSettings: strict),
        // The pipeline that ties the stages together.
        .target(
            name: "Analysis",
            dependencies: [
                "CaptureModel", "PcapCapture", "PacketDecoding", "TCPReassembly", "HTTPExchanges", "Diagnosis",
                "ReportModel", "CallbackSignature", "HTTP1",
            ],
            swiftSettings: strict),
        // The command-line tool.
        .executableTarget(
            name: "callback-doctor",
            dependencies: [
                "Analysis", "Rendering", "ReportModel", "Diagnosis", "CallbackSignature", "PcapCapture",
                "HTTPExchanges", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // Tests, one target per stage plus end to end.
        .target(name: "TestSupport", dependencies: ["CaptureModel"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CaptureModelTests", dependencies: ["CaptureModel"], swiftSettings: strict),
        .testTarget(name: "ByteTextTests", dependencies: ["ByteText", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "PcapCaptureTests", dependencies: ["PcapCapture", "TestSupport", "CaptureModel"],
            swiftSettings: strict),
        .testTarget(
            name: "PacketDecodingTests", dependencies: ["PacketDecoding", "TestSupport", "CaptureModel"],
            swiftSettings: strict),
        .testTarget(
            name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "TestSupport", "CaptureModel"],
            swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "CZlib", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "JSONValidationTests", dependencies: ["JSONValidation", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CallbackSignatureTests", dependencies: ["CallbackSignature"], swiftSettings: strict),
        .testTarget(
            name: "TLSRecordsTests", dependencies: ["TLSRecords", "TCPReassembly", "CaptureModel", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "HTTPExchangesTests",
            dependencies: [
                "HTTPExchanges", "TestSupport", "CallbackSignature", "TLSRecords", "CaptureModel", "HTTP1",
                "JSONValidation", "TCPReassembly",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "UploadCallbacksTests", dependencies: ["UploadCallbacks", "HTTP1", "JSONValidation", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "DiagnosisTests",
            dependencies: [
                "Diagnosis", "TestSupport", "UploadCallbacks", "CallbackSignature", "TLSRecords", "CaptureModel",
                "HTTP1", "HTTPExchanges", "JSONValidation", "TCPReassembly",
            ],
            swiftSettings: strict),
        .testTarget(name: "ReportModelTests", dependencies: ["ReportModel", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "RenderingTests",
            dependencies: [
                "Rendering", "ReportModel", "Diagnosis", "HTTPExchanges", "HTTP1", "CaptureModel", "TCPReassembly",
                "TestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "AnalysisTests",
            dependencies: [
                "Analysis", "PcapCapture", "ReportModel", "Diagnosis", "TestSupport", "CZlib", "CallbackSignature",
                "CaptureModel", "HTTP1", "HTTPExchanges", "TCPReassembly", "TLSRecords",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Analysis", "Rendering", "ReportModel", "TestSupport", "callback-doctor", "CallbackSignature",
                "TLSRecords", "CaptureModel", "Diagnosis", "HTTP1", "HTTPExchanges", "TCPReassembly", "UploadCallbacks",
                "ByteText", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Goldens"],
            swiftSettings: strict),
        // Issue #6: the corpus sweep through the built binary, and resource attacks.
        .testTarget(
            name: "RobustnessTests",
            dependencies: ["callback-doctor", "HTTP1", "JSONValidation", "TestSupport"],
            swiftSettings: strict),
    ]
)
