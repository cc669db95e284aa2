#!/usr/bin/env python3
"""Compare callback-doctor's JSON report (or tshark's fields) with the generator's truth.

    bench/check_findings.py report CAPTURE REPORT.json   # callback-doctor analyze --format json
    bench/check_findings.py tshark CAPTURE TSHARK.tsv    # tshark -T fields (see bench/run.sh)

CAPTURE is the generated .pcap; its truth files (.truth.tsv, .truth.json) sit next to it.

report: the summary must equal the truth's totals exactly (exchanges, callbacks, passed, failed,
refused, findings by rule); every exchange the report lists must be in the truth with the same
method, status, latency (to the microsecond) and findings; per rule, the exchanges listed plus
those only counted (`captures[].unlistedExchanges`, past the report's per-kind quotas) must be
the truth's, and listed + counted must be every exchange of the truth.

tshark: tshark's HTTP responses, paired with their requests by `http.request_in`, must be the
truth's responses: the same count and, per status code, the same numbers; `http.time` must agree
with the truth's latency (tshark prints it to the nanosecond, the capture has microseconds).

Exit status 0 when everything matches, 1 otherwise (the differences are printed).
"""
import collections
import json
import sys


def load_truth(capture):
    base = capture[:-5] if capture.endswith(".pcap") else capture
    rows = {}
    with open(base + ".truth.tsv") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            rows[(row["client"], int(row["index"]))] = row
    with open(base + ".truth.json") as f:
        totals = json.load(f)
    return rows, totals


def check_report(capture, report_path):
    rows, totals = load_truth(capture)
    with open(report_path) as f:
        report = json.load(f)
    problems = []
    summary = report["summary"]
    for key in ("exchanges", "callbacks", "callbacksPassed", "callbacksFailed", "refusedConnections"):
        if summary[key] != totals[key]:
            problems.append("summary.%s = %s, truth %s" % (key, summary[key], totals[key]))
    if summary["findingsByRule"] != totals["findingsByRule"]:
        problems.append("findingsByRule %s, truth %s" % (summary["findingsByRule"], totals["findingsByRule"]))
    if summary["callbacksUnknown"] != 0:
        problems.append("callbacksUnknown = %d, truth 0" % summary["callbacksUnknown"])

    listed = set()
    for e in report["exchanges"]:
        key = (e["connection"]["client"], e["connection"]["index"])
        listed.add(key)
        row = rows.get(key)
        if row is None:
            problems.append("%s #%d: not in the truth" % key)
            continue
        method = e["request"]["method"] if e["request"] else "-"
        status = str(e["response"]["status"]) if e["response"] and row["status"] != "-" else "-"
        rules = ",".join(f["rule"] for f in e["findings"]) or "-"
        if method != row["method"] or status != row["status"] or rules != row["rules"]:
            problems.append("%s #%d: %s %s %s, truth %s %s %s" % (key + (method, status, rules, row["method"], row["status"], row["rules"])))
        if row["latencyMicros"] != "-":
            latency = e["latencySeconds"]
            if latency is None or abs(latency * 1e6 - int(row["latencyMicros"])) > 0.5:
                problems.append("%s #%d: latency %s s, truth %s µs" % (key + (latency, row["latencyMicros"])))
    # Per rule, the exchanges listed plus those only counted are the truth's.
    unlisted = collections.Counter()
    unlisted_total = 0
    for c in report["captures"]:
        u = c.get("unlistedExchanges", {})
        unlisted_total += u.get("exchanges", 0)
        unlisted.update(u.get("findingsByRule", {}))
    listed_by_rule = collections.Counter()
    for e in report["exchanges"]:
        for f in e["findings"]:
            listed_by_rule[f["rule"]] += 1
    truth_by_rule = collections.Counter(rule for r in rows.values() if r["rules"] != "-" for rule in r["rules"].split(","))
    if listed_by_rule + unlisted != truth_by_rule:
        problems.append("listed %s + counted %s != truth %s" % (dict(listed_by_rule), dict(unlisted), dict(truth_by_rule)))
    if len(listed) + unlisted_total != len(rows):
        problems.append("%d listed + %d counted != %d in the truth" % (len(listed), unlisted_total, len(rows)))

    print("findings: %d exchanges (%d listed in full and checked one by one, %d only counted), %d failing, by rule %s"
          % (summary["exchanges"], len(listed), unlisted_total, summary["callbacksFailed"],
             json.dumps(summary["findingsByRule"], sort_keys=True)))
    return problems


def check_tshark(capture, fields_path):
    rows, totals = load_truth(capture)
    requests = {}
    responses = []
    with open(fields_path) as f:
        for line in f:
            number, method, code, time, request_in = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            if method:
                requests[number] = method
            if code:
                responses.append((code, time, request_in))
    truth_responses = collections.Counter(r["status"] for r in rows.values() if r["status"] != "-" and r["latencyMicros"] != "-")
    seen = collections.Counter(code for code, _, _ in responses)
    problems = []
    if seen != truth_responses:
        problems.append("tshark responses by status %s, truth %s" % (dict(seen), dict(truth_responses)))
    truth_latencies = collections.Counter(int(r["latencyMicros"]) for r in rows.values() if r["latencyMicros"] != "-")
    tshark_latencies = collections.Counter(round(float(t) * 1e6) for _, t, _ in responses if t)
    if tshark_latencies != truth_latencies:
        diff = (tshark_latencies - truth_latencies) + (truth_latencies - tshark_latencies)
        problems.append("http.time differs from the truth for %d responses" % sum(diff.values()))
    unpaired = sum(1 for _, _, r in responses if r not in requests)
    if unpaired:
        problems.append("%d tshark responses without their request" % unpaired)
    methods = collections.Counter(requests.get(r, "?") for _, _, r in responses)
    print("tshark: %d requests, %d responses (methods %s), statuses %s"
          % (len(requests), len(responses), dict(methods), dict(sorted(seen.items()))))
    return problems


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("report", "tshark"):
        sys.stderr.write(__doc__)
        return 2
    check = check_report if sys.argv[1] == "report" else check_tshark
    problems = check(sys.argv[2], sys.argv[3])
    for p in problems[:20]:
        print("  MISMATCH " + p)
    if len(problems) > 20:
        print("  ... %d more" % (len(problems) - 20))
    print("  => %s" % ("matches the generator's truth" if not problems else "DOES NOT match the truth"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
