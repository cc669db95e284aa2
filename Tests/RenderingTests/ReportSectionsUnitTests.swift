import Testing

@testable import Rendering

/// The pieces of the section model that need no capture: capture labels, the wording of cut
/// lists, clipping, and the density chart's latency bins.
@Suite struct ReportSectionsUnitTests {
    @Test func captureLabelsAreFileNamesUnlessTwoShareOne() {
        #expect(ReportSections.captureLabels(["a/x.pcap", "b/y.pcap"]) == ["x.pcap", "y.pcap"])
        #expect(
            ReportSections.captureLabels(["a/x.pcap", "b/x.pcap", "c/z.pcap"]) == ["a/x.pcap", "b/x.pcap", "z.pcap"])
        #expect(ReportSections.captureLabels(["-"]) == ["-"])
    }

    @Test func cutNotesGroupThousands() {
        #expect(
            ReportWording.grouped(9_868) == "9,868" && ReportWording.grouped(100) == "100"
                && ReportWording.grouped(1_000_000) == "1,000,000")
        #expect(
            ReportWording.cutNote(shown: 100, total: 9_868, of: "passing callbacks", remedy: "--list-all lists all")
                == "showing 100 of 9,868 passing callbacks; --list-all lists all")
    }

    @Test func clippingEndsInAnEllipsisAndKeepsShortText() {
        #expect(ReportWording.clipped("abcdef", to: 4) == "abc…")
        #expect(ReportWording.clipped("abc", to: 4) == "abc")
    }

    @Test func densityBinsAreQuarterDecades() {
        #expect(LatencyDensity.bin(ofNanoseconds: 1_000_000) == -12)  // 1 ms = 10^-3 s
        #expect(LatencyDensity.bin(ofNanoseconds: 999_999) == -13)
        #expect(LatencyDensity.bin(ofNanoseconds: 6_000_000_000) == 3)  // 6 s: 10^0.75 ≈ 5.62 ≤ 6 < 10
        #expect(abs(LatencyDensity.lowerBound(ofBin: -1) - 0.562_341_325) < 1e-9)
        #expect(abs(LatencyDensity.lowerBound(ofBin: -12) - 0.001) < 1e-15)
        for bin in -40...8 {
            #expect(LatencyDensity.lowerBound(ofBin: bin) < LatencyDensity.lowerBound(ofBin: bin + 1))
        }
    }
}
