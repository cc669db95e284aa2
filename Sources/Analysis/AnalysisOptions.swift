import CallbackSignature
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly

/// Everything that shapes an analysis.
public struct AnalysisOptions: Sendable {
    public var diagnosis = DiagnosisSettings()
    /// BPF capture filter applied by libpcap before decoding (`-f`, as tcpdump's expression).
    public var filter: String?
    public var reassembly = ReassemblyLimits()
    public var exchanges = ExchangeLimits()
    /// How many passed callbacks, and how many exchanges that are not callbacks, of each capture
    /// are listed in full in the report (each; default 100). The rest are only counted
    /// (`CaptureSummary.unlisted`): the summary stays exact while memory stays bounded however long
    /// the capture. `Int.max` lists everything.
    public var maxPassingExchangesKept = 100
    /// How many failing or unknown callbacks and refused connection attempts of each capture are
    /// listed in full, per rule (their first, most important finding; default 100) — so every kind
    /// of failure keeps examples, a capture with 10,000 of one kind does not hold them all, and the
    /// counts by rule stay exact. `Int.max` lists everything.
    public var maxFailingExchangesKeptPerRule = 100
    /// Keys callback signatures may verify with besides OSS's published one (`--public-key`,
    /// for self-hosted tests that sign with their own key).
    public var publicKeys: [CallbackPublicKey] = []
    /// Callback servers named by the user (`--server`, repeatable). HTTPS to a named server is
    /// judged as a callback (as is HTTPS to a server plaintext callbacks went to, see
    /// `HTTPSJudging`); when any is named, only exchanges with the named servers are listed —
    /// the counts still cover the whole capture.
    public var servers: [ServerName] = []
    /// Which exchanges are listed (`--since`, `--until`, `--rule`, `--failed`); the rest are
    /// counted as unlisted, so the summary stays the whole capture's.
    public var listing = ListingFilter()
    public init() {}
}
