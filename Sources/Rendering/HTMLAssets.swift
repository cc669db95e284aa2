import Diagnosis

/// The HTML report's own stylesheet and script. Both are constants of the tool (no data in
/// them); the Content-Security-Policy allows exactly these bytes by their SHA-256.
enum HTMLAssets {
    /// Colours for rules (a categorical palette) and outcomes, used by charts, legends and badges.
    static func color(_ rule: RuleID) -> String {
        switch rule {
        case .connectionRefused: "#9467bd"
        case .noResponse: "#d62728"
        case .slowResponse: "#ff7f0e"
        case .badStatus: "#e377c2"
        case .bomPrefix: "#8c564b"
        case .nonJSONBody: "#bcbd22"
        case .missingContentLength: "#17becf"
        case .contentLengthMismatch: "#1f77b4"
        case .bodyTooLarge: "#393b79"
        case .incomplete: "#f2b701"
        case .signatureInvalid: "#a86500"
        case .untrustedKeyURL: "#7f0000"
        case .forgedCallbackAccepted: "#b00020"
        case .unsignedCallbackAccepted: "#8e0038"
        case .genuineCallbackRejected: "#6a3d9a"
        default: "#555555"
        }
    }

    static let passColor = "#2ca02c"
    static let unknownColor = "#f2b701"
    static let otherColor = "#9aa3b2"

    /// The CSS class for a rule's badge (`rc-bad-status`); rule ids are ours, from the catalogue.
    static func ruleClass(_ rule: RuleID) -> String {
        "rc-"
            + String(
                rule.rawValue.unicodeScalars.filter {
                    ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-"
                }.map(Character.init))
    }

    static let stylesheet: String = {
        var css = """
            :root{--fg:#1d2330;--muted:#5b6475;--bg:#f5f6f8;--card:#fff;--line:#dde1e7;--head:#eef1f5;--fail:#c62828;--pass:#2e7d32;--warn:#a86500;--code:#f3f5f8}
            *{box-sizing:border-box}
            html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:14px;line-height:1.45;color:var(--fg);background:var(--bg)}
            body{margin:0}
            main{max-width:1240px;margin:0 auto;padding:24px}
            h1{font-size:22px;margin:0 0 4px}
            h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
            h3{font-size:14px;margin:14px 0 6px}
            p{margin:6px 0}
            a{color:#1f5fbf}
            .meta{color:var(--muted)}
            .note{background:#fff8e1;border:1px solid #eed48a;border-radius:6px;padding:8px 12px;margin:12px 0}
            .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:16px 0}
            .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
            .card .n{display:block;font-size:26px;font-weight:650}
            .card .l{color:var(--muted)}
            .card.fail .n{color:var(--fail)}
            .card.pass .n{color:var(--pass)}
            .card.warn .n{color:var(--warn)}
            .charts{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:16px}
            @media (max-width:900px){.charts{grid-template-columns:minmax(0,1fr)}}
            figure{min-width:0;margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px}
            figcaption{font-weight:600;margin-bottom:6px}
            figure p{color:var(--muted);font-size:12px}
            svg{display:block;width:100%;height:auto}
            svg text{font-family:inherit;font-size:13px;fill:#5b6475}
            svg .title{font-size:14px;fill:#1d2330}
            svg a:focus circle,svg a:hover circle{stroke:#000;stroke-width:2}
            table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}
            th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
            th{background:var(--head);font-weight:600;white-space:nowrap}
            .num{text-align:right;white-space:nowrap}
            .nowrap{white-space:nowrap}
            .wrap{overflow-wrap:anywhere;word-break:break-word}
            .scroll{overflow-x:auto;max-width:100%;margin:0 0 8px;-webkit-overflow-scrolling:touch}
            .scroll>table{margin:0}
            figure .plot{overflow-x:auto}
            figure .plot svg{min-width:600px}
            code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
            pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:8px;margin:4px 0;overflow-x:auto;white-space:pre}
            #exchanges th{cursor:pointer;user-select:none}
            #exchanges th[aria-sort=ascending]::after{content:" \\25B2"}
            #exchanges th[aria-sort=descending]::after{content:" \\25BC"}
            #exchanges tbody tr:hover{background:#f7f9fc}
            .controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
            .controls input,.controls select{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:var(--card)}
            .controls input{min-width:0;flex:1 1 200px}
            @media (max-width:600px){main{padding:12px}h1{font-size:19px}.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.card .n{font-size:21px}}
            .badge{display:inline-block;padding:0 6px;border-radius:4px;font-size:11px;font-weight:700;color:#fff;letter-spacing:.02em}
            .badge.fail{background:var(--fail)}
            .badge.pass{background:var(--pass)}
            .badge.unknown{background:var(--warn)}
            .badge.other{background:#8a94a6}
            .sig{font-weight:650}
            .sig.valid{color:var(--pass)}
            .sig.invalid{color:var(--fail)}
            .sig.missing,.sig.unverifiable{color:var(--warn)}
            .rule{display:inline-block;padding:0 6px;margin:1px 2px 1px 0;border-radius:4px;border-left:4px solid #888;background:var(--head);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;white-space:nowrap}
            details{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:0 12px}
            details[open]{padding-bottom:10px}
            summary{cursor:pointer;padding:7px 0;overflow-wrap:anywhere}
            code{overflow-wrap:anywhere}
            .finding{border-left:4px solid var(--fail);background:#fcf3f3;border-radius:0 6px 6px 0;padding:6px 10px;margin:8px 0}
            .finding.info{border-left-color:#1f77b4;background:#f1f6fb}
            .finding.warning{border-left-color:var(--warn);background:#fdf7ec}
            dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:4px 0}
            dt{color:var(--muted)}
            dd{margin:0;word-break:break-all}
            .headers td:first-child{width:1%;white-space:nowrap;color:var(--muted)}
            td.req{min-width:14em;max-width:40em}
            .headers td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
            .rules-fired section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:4px 14px;margin:8px 0}
            footer{color:var(--muted);font-size:12px;margin:32px 0 8px}

            """
        for rule in RuleCatalog.all {
            css += ".rule.\(ruleClass(rule.id)){border-left-color:\(color(rule.id))}\n"
        }
        return css
    }()

    /// Sorting, filtering and details-opening for the exchange table. Reads only the DOM (text
    /// and our own `data-*` attributes); writes only `textContent`, `hidden`, `open` and
    /// `aria-sort` — never HTML.
    static let script = """
        (function () {
          "use strict";
          var table = document.getElementById("exchanges");
          if (!table) { return; }
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var heads = table.tHead.rows[0].cells;
          var sortColumn = -1, direction = 1;
          function key(row, column) {
            var cell = row.cells[column];
            var value = cell.getAttribute("data-sort");
            if (value === null) { return cell.textContent.toLowerCase(); }
            var number = parseFloat(value);
            return isNaN(number) ? value : number;
          }
          function sortBy(column) {
            direction = column === sortColumn ? -direction : 1;
            sortColumn = column;
            rows.sort(function (a, b) {
              var x = key(a, column), y = key(b, column);
              if (typeof x !== typeof y) { x = String(x); y = String(y); }
              var order = x < y ? -1 : (x > y ? 1 : 0);
              return order * direction || (Number(a.getAttribute("data-n")) - Number(b.getAttribute("data-n")));
            });
            rows.forEach(function (row) { body.appendChild(row); });
            Array.prototype.forEach.call(heads, function (th, i) {
              th.setAttribute("aria-sort", i === column ? (direction > 0 ? "ascending" : "descending") : "none");
            });
          }
          Array.prototype.forEach.call(heads, function (th, column) {
            th.tabIndex = 0;
            th.addEventListener("click", function () { sortBy(column); });
            th.addEventListener("keydown", function (event) {
              if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(column); }
            });
          });
          var filter = document.getElementById("filter");
          var outcome = document.getElementById("outcome");
          var shown = document.getElementById("shown");
          function apply() {
            var query = filter.value.trim().toLowerCase(), wanted = outcome.value, count = 0;
            rows.forEach(function (row) {
              var visible = (wanted === "" || row.getAttribute("data-outcome") === wanted) &&
                (query === "" || row.textContent.toLowerCase().indexOf(query) !== -1);
              row.hidden = !visible;
              if (visible) { count += 1; }
            });
            shown.textContent = String(count);
          }
          filter.addEventListener("input", apply);
          outcome.addEventListener("change", apply);
          function openTarget() {
            var id;
            try { id = decodeURIComponent(location.hash.slice(1)); } catch (error) { return; }
            var target = id ? document.getElementById(id) : null;
            if (target && target.tagName === "DETAILS") { target.open = true; }
          }
          window.addEventListener("hashchange", openTarget);
          openTarget();
        })();

        """
}
