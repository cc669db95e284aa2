import ArgumentParser
import Diagnosis
import Foundation
import ReportModel

extension CallbackDoctor {
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Explain every rule: when it fires, what OSS reports, why, and the fix.")

        @Option(name: .long, help: "Output format.")
        var format: OutputFormat = .text

        func run() throws {
            switch format {
            case .json:
                let value = JSONValue.array(
                    RuleCatalog.all.map { rule in
                        .object([
                            ("rule", .string(rule.id.rawValue)), ("severity", .string(rule.severity.rawValue)),
                            ("summary", .string(rule.summary)), ("ossError", .optional(rule.ossError)),
                            ("why", .string(rule.why)), ("fix", .string(rule.fix)),
                        ])
                    })
                print(value.serialized(indent: 2))
            case .text:
                for rule in RuleCatalog.all {
                    print("\(rule.id.rawValue) (\(rule.severity.rawValue))")
                    print("  fires when: \(rule.summary)")
                    if let oss = rule.ossError { print("  OSS says:   \(oss)") }
                    print("  why:        \(rule.why)")
                    print("  fix:        \(rule.fix)")
                    print("")
                }
            }
        }
    }
}
