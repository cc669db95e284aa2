import Analysis
import CallbackSignature
import Foundation
import Testing

/// The sender's own record of what happened on the wire (`samples/recording.json`), written by
/// `samples/oss_sender.py` while `samples/record.sh` captured. This, not our parser, is the
/// ground truth the end-to-end tests compare with.
struct SampleRecording {
    struct Exchange {
        var status: Int?
        var latencySeconds: Double?
        var method: String?
        var target: String?
        /// The sender's own `openssl dgst -verify` of the signature over the bytes it sent, with
        /// the test public key (`request.signature.validAsSent`); nil when no callback was sent.
        var signatureValidAsSent: Bool?
        /// An OSS-style callback sent without an `Authorization` header (`request.signed == false`).
        var unsigned: Bool = false
        /// This exchange's own `expect` where the exchanges of one connection differ
        /// (`exchanges[].expect`); nil: the scenario's.
        var expect: [String]?
    }

    /// What the sender saw of TLS, for an HTTPS scenario.
    struct TLS {
        var sni: String?
        /// `completed` or `failed`.
        var handshake: String
        /// `TLS 1.3`, `TLS 1.2`, or nil when the handshake failed.
        var version: String?
        /// OpenSSL's reason for a failed handshake, e.g. `TLSV1_UNRECOGNIZED_NAME`.
        var reason: String?
    }

    struct Scenario {
        var tls: TLS?
        var name: String
        var capture: String
        var expect: [String]
        var isCallback: Bool
        var client: String
        var server: String
        var outcome: String
        var exchanges: [Exchange]
    }

    var scenarios: [Scenario]

    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samplesDirectory = packageRoot.appendingPathComponent("samples")

    /// `recording.json` (record.sh: the scenarios in the combined `captures/all-*` files) followed
    /// by `recording-field.json` (record-field.sh: the field servers of issue #16, in `captures/field/`)
    /// and `recording-hints.json` (record-hints.sh: nginx, PHP, the JDK, … of issue #19,
    /// in `captures/hints/`).
    static func loadEverySample() throws -> SampleRecording {
        let fieldTruth = samplesDirectory.appendingPathComponent("recording-field.json")
        let stacksTruth = samplesDirectory.appendingPathComponent("recording-hints.json")
        return SampleRecording(
            scenarios: try load().scenarios + load(from: fieldTruth).scenarios + load(from: stacksTruth).scenarios)
    }

    /// Reads `recording.json`, or another recording written by `oss_sender.py --out`.
    static func load(from url: URL = samplesDirectory.appendingPathComponent("recording.json")) throws
        -> SampleRecording
    {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let scenarios = root["scenarios"] as? [[String: Any]]
        else { throw CocoaError(.fileReadCorruptFile) }
        return SampleRecording(
            scenarios: scenarios.map { s in
                let exchanges = (s["exchanges"] as? [[String: Any]] ?? []).map { e -> Exchange in
                    let response = e["response"] as? [String: Any]
                    let request = e["request"] as? [String: Any]
                    return Exchange(
                        status: response?["status"] as? Int, latencySeconds: e["latencySeconds"] as? Double,
                        method: request?["method"] as? String, target: request?["target"] as? String,
                        signatureValidAsSent: (request?["signature"] as? [String: Any])?["validAsSent"] as? Bool,
                        unsigned: request?["signed"] as? Bool == false, expect: e["expect"] as? [String])
                }
                let tls = (s["tls"] as? [String: Any]).map { t in
                    TLS(
                        sni: t["sni"] as? String, handshake: t["handshake"] as? String ?? "",
                        version: t["version"] as? String,
                        reason: t["reason"] as? String)
                }
                return Scenario(
                    tls: tls, name: s["name"] as? String ?? "", capture: s["capture"] as? String ?? "",
                    expect: s["expect"] as? [String] ?? [],
                    isCallback: s["isCallback"] as? Bool ?? false, client: s["client"] as? String ?? "",
                    server: s["server"] as? String ?? "", outcome: s["outcome"] as? String ?? "", exchanges: exchanges)
            })
    }

    static func path(_ relative: String) -> String { samplesDirectory.appendingPathComponent(relative).path }

    /// The samples' test public key (`samples/keys/test-callback-public.pem`): every sample
    /// callback is signed with its private half, not OSS's key.
    /// A missing or unreadable file fails the calling test with a message naming it.
    static func testKey(sourceLocation: SourceLocation = #_sourceLocation) throws -> CallbackPublicKey {
        let file = path("keys/test-callback-public.pem")
        let pem = try #require(
            FileManager.default.contents(atPath: file), "cannot read \(file)", sourceLocation: sourceLocation)
        return try CallbackPublicKey(
            pem: String(decoding: pem, as: UTF8.self), label: "samples/keys/test-callback-public.pem")
    }

    /// Analysis options for the samples: the defaults plus ``testKey(sourceLocation:)``.
    static func analysisOptions(sourceLocation: SourceLocation = #_sourceLocation) throws -> AnalysisOptions {
        var options = AnalysisOptions()
        options.publicKeys = [try testKey(sourceLocation: sourceLocation)]
        // Every sample port: record.sh 9001-9040 (HTTPS on 9030-9034), record-field.sh 9041-9059,
        // record-uploads.sh 9060-9063, record-hints.sh 9100-9109.
        options.servers = [ServerName(address: nil, ports: 9001...9063), ServerName(address: nil, ports: 9100...9109)]
        return options
    }
}

/// Where the shared corpus lives (`../shared/corpus` beside the checkout), if present.
enum SharedCorpus {
    static var directory: URL? {
        let url = SampleRecording.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
