// swift-tools-version: 6.1
//
// callback-doctor — diagnose Alibaba Cloud OSS upload callbacks from tcpdump captures.
//
// The module graph follows the pipeline, one way only:
//
//   CPcap, CZlib ─► PcapCapture ─┐
//   CaptureModel ─► PacketDecoding ─► TCPReassembly ─┬─► TLSRecords ─┐
//   CZlib ─► HTTP1 ──────────────────────────────────┼───────────────┼─► HTTPExchanges ─► Diagnosis ─► ReportModel ─► Rendering
//   JSONValidation ──────────────────────────────────┤               │    ▲                                 │
//   COpenSSL ─► CallbackSignature ───────────────────┴───────────────┘    │                                 │
//   UploadCallbacks (HTTP1, JSONValidation) ──────────────────────────────┘ (the uploader's side, issue #7)  │
//   Analysis (the pipeline: capture → … → report) ◄──────────────────────────────────────────────────────────┘
//   callback-doctor (CLI) ─► Analysis, Rendering (and PcapCapture, to open a live capture for `watch`)
//
// Only PcapCapture imports libpcap and only CallbackSignature imports OpenSSL's libcrypto (MD5 and
// RSA verification of callback signatures); every other stage is pure Swift over byte slices.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "callback-doctor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "callback-doctor", targets: ["callback-doctor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C boundaries.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // glibc's fopencookie (a GNU extension Swift's Glibc module hides): lets libpcap read
        // gzip captures through a zlib-backed FILE *.
        .target(name: "CStdioCookie"),

        // Stage 0: shared value types (timestamps, link layers, endpoints).
        .target(name: "CaptureModel", swiftSettings: strict),
        // Stage 1: capture files and interfaces, through libpcap.
        .target(name: "PcapCapture", dependencies: ["CPcap", "CZlib", "CStdioCookie", "CaptureModel"], swiftSettings: strict),
        // Stage 2: link / IP / TCP decoding.
        .target(name: "PacketDecoding", dependencies: ["CaptureModel"], swiftSettings: strict),
        // Stage 3: TCP connections and byte streams.
        .target(name: "TCPReassembly", dependencies: ["CaptureModel"], swiftSettings: strict),
        // Stage 4: HTTP/1.x message parsing and content decoding.
        .target(name: "HTTP1", dependencies: ["CZlib"], swiftSettings: strict),
        .target(name: "JSONValidation", swiftSettings: strict),
        // OSS callback signatures (RSA PKCS#1 v1.5 with MD5), through libcrypto.
        .target(name: "CallbackSignature", dependencies: ["COpenSSL"], swiftSettings: strict),
        // Stage 4b: TLS record layer (HTTPS callbacks seen without decryption).
        .target(name: "TLSRecords", dependencies: ["CaptureModel", "TCPReassembly"], swiftSettings: strict),
        // Stage 5: request/response pairing per connection.
        .target(
            name: "HTTPExchanges",
            dependencies: ["CaptureModel", "TCPReassembly", "HTTP1", "JSONValidation", "CallbackSignature", "TLSRecords"],
            swiftSettings: strict),
        // Stage 5b: the uploader's side (issue #7): callback parameters of uploads to OSS, OSS's error XML.
        .target(name: "UploadCallbacks", dependencies: ["HTTP1", "JSONValidation"], swiftSettings: strict),
        // Stage 6: OSS callback rules.
        .target(name: "Diagnosis", dependencies: ["CaptureModel", "HTTPExchanges", "HTTP1", "UploadCallbacks", "CallbackSignature", "TLSRecords"], swiftSettings: strict),
        // Stage 7: the report value and its renderers.
        .target(
            name: "ReportModel", dependencies: ["CaptureModel", "Diagnosis", "HTTPExchanges", "HTTP1", "UploadCallbacks", "CallbackSignature", "TLSRecords"],
            swiftSettings: strict),
        .target(
            name: "Rendering",
            dependencies: ["ReportModel", "Diagnosis", "HTTPExchanges", "HTTP1", "CaptureModel", "UploadCallbacks", "CallbackSignature", "TLSRecords"],
            swiftSettings: strict),
        // The pipeline that ties the stages together.
        .target(
            name: "Analysis",
            dependencies: [
                "CaptureModel", "PcapCapture", "PacketDecoding", "TCPReassembly", "HTTPExchanges", "Diagnosis",
                "ReportModel", "CallbackSignature",
            ],
            swiftSettings: strict),
        // The command-line tool.
        .executableTarget(
            name: "callback-doctor",
            dependencies: [
                "Analysis", "Rendering", "ReportModel", "Diagnosis", "CallbackSignature", "PcapCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // Tests, one target per stage plus end to end.
        .target(name: "TestSupport", dependencies: ["CaptureModel"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CaptureModelTests", dependencies: ["CaptureModel"], swiftSettings: strict),
        .testTarget(name: "PcapCaptureTests", dependencies: ["PcapCapture", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PacketDecodingTests", dependencies: ["PacketDecoding", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "JSONValidationTests", dependencies: ["JSONValidation", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CallbackSignatureTests", dependencies: ["CallbackSignature"], swiftSettings: strict),
        .testTarget(name: "TLSRecordsTests", dependencies: ["TLSRecords", "TCPReassembly", "CaptureModel", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "HTTPExchangesTests", dependencies: ["HTTPExchanges", "TestSupport", "CallbackSignature", "TLSRecords"],
            swiftSettings: strict),
        .testTarget(name: "UploadCallbacksTests", dependencies: ["UploadCallbacks", "HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DiagnosisTests", dependencies: ["Diagnosis", "TestSupport", "UploadCallbacks", "CallbackSignature", "TLSRecords"],
            swiftSettings: strict),
        .testTarget(name: "ReportModelTests", dependencies: ["ReportModel", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "RenderingTests",
            dependencies: ["Rendering", "ReportModel", "Diagnosis", "HTTPExchanges", "HTTP1", "CaptureModel", "TCPReassembly", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "PcapCapture", "ReportModel", "Diagnosis", "TestSupport", "CZlib", "CallbackSignature"],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Analysis", "Rendering", "ReportModel", "TestSupport", "callback-doctor", "CallbackSignature", "TLSRecords"],
            exclude: ["Goldens"],
            swiftSettings: strict),
        // Issue #6: the corpus sweep through the built binary, and resource attacks.
        .testTarget(
            name: "RobustnessTests",
            dependencies: [
                "callback-doctor", "Analysis", "CaptureModel", "PacketDecoding", "HTTP1", "JSONValidation", "TestSupport",
            ],
            swiftSettings: strict),
    ]
)
