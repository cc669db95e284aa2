import Diagnosis
import HTTPExchanges
import TCPReassembly

/// Everything that shapes an analysis.
public struct AnalysisOptions: Sendable {
    public var diagnosis = DiagnosisSettings()
    /// BPF capture filter applied by libpcap before decoding (`-f`, as tcpdump's expression).
    public var filter: String?
    public var reassembly = ReassemblyLimits()
    public var exchanges = ExchangeLimits()
    /// How many passed callbacks of each capture are listed in full in the report; the ones after
    /// are only counted (`CaptureSummary.passingExchangesSummarised`), so the summary stays exact
    /// while memory stays bounded however long the capture. Failing and unknown callbacks,
    /// refused connections and non-callback exchanges are always listed. Default 100; `Int.max`
    /// lists everything.
    public var maxPassingExchangesKept = 100
    public init() {}
}
