import Testing

@testable import Rendering

/// The numbers behind the HTML charts.
@Suite struct ChartGeometryTests {
    typealias Scale = HTMLCharts.LogScale

    @Test func naturalLogarithmMatchesKnownValues() {
        for (x, expected) in [
            (1.0, 0.0), (2.0, 0.693_147_180_559_945_3), (10.0, 2.302_585_092_994_046), (0.001, -6.907_755_278_982_137),
        ] {
            #expect(abs(Scale.ln(x) - expected) < 1e-12, "ln(\(x))")
        }
        #expect(Scale.ln(0) == -.infinity)
    }

    @Test func scaleCoversTheDataAndTheThresholdInDecades() {
        let defaults = Scale(values: [0.0004, 0.2, 6.001], threshold: 5)
        #expect(defaults.lowExponent == -4 && defaults.highExponent == 1)
        #expect(defaults.ticks.map(\.label) == ["100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s"])
        let wide = Scale(values: [0.000_02, 45], threshold: 5)
        #expect(wide.lowExponent == -5 && wide.highExponent == 2)
        #expect(Scale(values: [], threshold: 5).highExponent == 1)
        // Positions: the low decade at 0, the high one at 1, a decade per step, clamped.
        #expect(defaults.fraction(0.0001) == 0)
        #expect(abs(defaults.fraction(0.01) - 0.4) < 1e-12)
        #expect(defaults.fraction(10) == 1)
        #expect(defaults.fraction(1000) == 1)
        #expect(defaults.fraction(0) == 0)
    }

    @Test func axisStepsAreRound() {
        #expect(HTMLCharts.niceStep(27.9 / 6) == 5)
        #expect(HTMLCharts.niceStep(0.51 / 6) == 0.1)
        #expect(HTMLCharts.niceStep(1.2) == 2)
        #expect(HTMLCharts.niceStep(0) == 1)
        #expect(HTMLCharts.trimmed(2.5) == "2.5")
        #expect(HTMLCharts.trimmed(5) == "5")
    }

    @Test func legendWrapsWithinTheWidth() {
        let items = (0..<12).map { (key: "k\($0)", label: "a-fairly-long-label-\($0)", color: "#000") }
        let rows = HTMLCharts.layoutLegend(items, from: 64, to: 742)
        #expect(rows.count > 1)
        #expect(rows.flatMap { $0 }.count == 12)
        for row in rows {
            #expect(row.first?.0 == 64)
            for (x, item) in row { #expect(x + HTMLCharts.legendItemWidth(item.label) <= 742 || x == 64) }
        }
    }

    @Test func cspHashIsTheBase64SHA256OfTheExactText() {
        // echo -n 'body{}' | openssl dgst -sha256 -binary | base64
        #expect(HTMLRenderer.hashSource("body{}") == "sha256-fJgEClQWV1hGkK4qHMO0KotTsVnMYMXTq7/suurGyUo=")
        let policy = HTMLRenderer.contentSecurityPolicy(style: "a", script: "b")
        #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-"))
        #expect(policy.contains("script-src 'sha256-"))
        #expect(!policy.contains("unsafe"))
    }
}
