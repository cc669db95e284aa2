import Analysis
import ArgumentParser
import CallbackSignature
import Diagnosis
import Foundation
import Rendering

/// `--latency-threshold SECONDS`: how the exchanges are judged (`analyze`, `exchanges`, `stats`,
/// `show`, `watch`).
struct JudgementOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("A response completing later than this fails (OSS waits 5 s).", valueName: "SECONDS"))
    var latencyThreshold: Double = 5.0

    mutating func validate() throws {
        guard latencyThreshold > 0, latencyThreshold.isFinite else {
            throw ValidationError("--latency-threshold must be a positive number of seconds (got \(latencyThreshold)).")
        }
    }
}

/// `--public-key FILE.pem` (repeatable): keys callback signatures may verify with besides OSS's
/// (`analyze`, `exchanges`, `stats`, `show`, `watch`).
struct VerificationOptions: ParsableArguments {
    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp(
            "Also verify callback signatures with this RSA public key (PEM), besides OSS's published one; repeatable. For self-hosted tests that sign with their own key.",
            valueName: "FILE.pem"))
    var publicKeyFiles: [String] = []

    /// Every file must hold a key, before anything is read.
    mutating func validate() throws {
        for file in publicKeyFiles { _ = try Self.loadKey(file) }
    }

    /// The keys, read again (checked by ``validate()``): a file that changed since is left out and
    /// named on standard error.
    func keys() -> [CallbackPublicKey] {
        publicKeyFiles.compactMap { file in
            do {
                return try Self.loadKey(file)
            } catch {
                printError(TerminalSafety.escape("\(error)"))
                return nil
            }
        }
    }

    /// Reads and parses one `--public-key` file; the error names the file.
    static func loadKey(_ path: String) throws -> CallbackPublicKey {
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("--public-key \(path): cannot read the file.")
        }
        do {
            return try CallbackPublicKey(pem: pem, label: path)
        } catch {
            throw ValidationError("--public-key \(error.description)")
        }
    }
}

/// `--server HOST:PORT` (repeatable): the callback servers (`analyze`, `exchanges`, `stats`, `watch`).
struct ServerOptions: ParsableArguments {
    @Option(
        name: .customLong("server"),
        help: ArgumentHelp(
            "A callback server: HOST:PORT, [IPV6]:PORT or :PORT (any host), PORT a number or a range FIRST-LAST; repeatable. HTTPS to it is judged as OSS callbacks (by default only HTTPS to a server:port that plaintext callbacks went to is), and only exchanges with the named servers are listed (the counts still cover the whole capture).",
            valueName: "HOST:PORT"))
    var serverTexts: [String] = []

    mutating func validate() throws {
        for text in serverTexts {
            do {
                _ = try ServerName(parsing: text)
            } catch {
                throw ValidationError("--server \(error.description)")
            }
        }
    }

    /// The parsed names (checked by ``validate()``).
    var names: [ServerName] { serverTexts.compactMap { try? ServerName(parsing: $0) } }
}

extension AnalysisOptions {
    /// The analysis settings of every subcommand that analyses (`analyze`, `exchanges`, `stats`,
    /// `show`, `watch`), made from its option groups in this one place.
    ///
    /// - Parameters:
    ///   - servers: nil for a subcommand without `--server` (`show`).
    ///   - listAll: `--list-all`: no exchange is left unlisted (else 100 passing, 100
    ///     non-callback and 100 per failing rule, per capture).
    ///   - narrowing: `--since`, `--until`, `--rule`, `--failed` (checked by their group); nil
    ///     lists by kind only.
    ///   - statisticsOnly: nothing is listed: every exchange is only counted into the report's
    ///     aggregates, which hold the statistics (memory stays that of the open connections).
    init(
        filter: CaptureFilterOption, judgement: JudgementOptions, verification: VerificationOptions,
        servers: ServerOptions?, listAll: Bool, narrowing: NarrowingOptions?, statisticsOnly: Bool = false
    ) {
        self.init()
        self.filter = filter.expression
        diagnosis.latencyThresholdSeconds = judgement.latencyThreshold
        publicKeys = verification.keys()
        self.servers = servers?.names ?? []
        if let narrowing { listing = narrowing.listingFilter }
        if listAll { listEverything() }
        if statisticsOnly { listAtMost(0) }
    }

    /// Lists every exchange (`--list-all`).
    mutating func listEverything() {
        maxPassingExchangesKept = .max
        maxFailingExchangesKeptPerRule = .max
    }

    /// Lists at most `count` exchanges of each kind (passing, non-callback, each failing rule):
    /// fewer only where the quota is already lower.
    mutating func listAtMost(_ count: Int) {
        maxPassingExchangesKept = min(count, maxPassingExchangesKept)
        maxFailingExchangesKeptPerRule = min(count, maxFailingExchangesKeptPerRule)
    }
}
