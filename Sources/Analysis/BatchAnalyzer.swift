import Diagnosis
import ReportModel

/// Analyses several inputs and merges them into one report.
public enum BatchAnalyzer {
    /// Resolves `arguments` (files, directories, globs), analyses every capture, and returns the
    /// merged report. Unusable inputs appear as captures with `error` set; the rest go on.
    public static func analyze(arguments: [String], options: AnalysisOptions, tool: ToolInfo) -> Report {
        var captures: [CaptureSummary] = []
        var exchanges: [ReportedExchange] = []
        for input in InputExpansion.resolve(arguments) {
            switch input {
            case .file(let path):
                let analysis = CaptureAnalyzer.analyze(path: path, options: options)
                captures.append(analysis.summary)
                exchanges += analysis.exchanges
            case .unusable(let path, let message):
                var summary = CaptureSummary(path: path)
                summary.error = message
                summary.complete = false
                captures.append(summary)
            }
        }
        return Report(
            tool: tool, settings: ReportSettings(diagnosis: options.diagnosis, filter: options.filter), captures: captures,
            exchanges: exchanges)
    }
}
