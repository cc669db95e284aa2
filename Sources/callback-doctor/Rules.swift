import ArgumentParser
import Foundation
import Rendering

extension CallbackDoctor {
    struct Rules: ParsableCommand {
        enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

        static let configuration = CommandConfiguration(
            abstract: "Explain every rule: when it fires, what OSS reports, why, and the fix.")

        @Option(name: .long, help: "Output format.")
        var format: Format = .text

        func run() throws {
            let text: String
            switch format {
            case .text: text = RulesRenderer.text()
            case .markdown: text = RulesRenderer.markdown()
            case .json: text = RulesRenderer.json()
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
