import ArgumentParser
import Foundation
import Rendering

extension CallbackDoctor {
    struct Rules: ParsableCommand {
        enum Format: String, DefaultedFormat {
            case text, markdown, json

            static let standard = Format.text
        }

        static let configuration = CommandConfiguration(
            abstract: "Explain every rule: when it fires, what OSS reports, why, and the fix.")

        @OptionGroup var formatting: FormatOption<Format>

        func run() throws {
            let text: String
            switch formatting.format {
            case .text: text = RulesRenderer.text()
            case .markdown: text = RulesRenderer.markdown()
            case .json: text = RulesRenderer.json()
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
