#!/usr/bin/python3
"""timeline.py [--json FILE] -- VTRUNK ARGS... — where a vtrunk run's wall time goes.

Runs the vtrunk command line given after "--" with "--debug FIFO" appended, reads the trace
through the FIFO as vtrunk writes it (vtrunk flushes after each record) and stamps each
record ("> POST ..." when a request goes out, "< HTTP ..." when its answer is in) with the
time it arrived. Consecutive ReconfigVM_Task calls are merged into one concurrent batch.

Prints one line per step of the critical path: when it started (ms after the process was
started), how long it took, and the gap before it (vtrunk's own work between two calls:
parsing, diffing, building requests), then the totals. The tracing itself costs time (it
copies and writes every body, a few MiB per inventory read), so the traced run is slower
than an untraced one; the request sequence and the relative sizes are what it is for.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def main(argv):
    out_json = None
    if argv[1:2] == ["--json"]:
        out_json, argv = argv[2], argv[:1] + argv[3:]
    if "--" not in argv:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[argv.index("--") + 1:]
    d = tempfile.mkdtemp()
    fifo = os.path.join(d, "trace")
    os.mkfifo(fifo, 0o600)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd + ["--debug", fifo], stdout=subprocess.DEVNULL)
    events = []  # (t_ms, kind, what)
    want_method = False
    with open(fifo, "rb", buffering=1 << 20) as f:
        for line in f:
            t = (time.monotonic() - t0) * 1e3
            if line.startswith(b"> "):
                parts = line.split()
                events.append([t, ">", parts[1].decode() + " " + parts[2].decode().split("/sdk", 1)[-1] or "/sdk"])
                want_method = parts[1] == b"POST"
            elif line.startswith(b"< "):
                m = re.match(rb"< HTTP (\d+), (\d+) bytes, (\d+) ms", line)
                events.append([t, "<", (int(m.group(2)), int(m.group(3))) if m else line.decode().strip()])
                want_method = False
            elif want_method:
                m = re.search(rb"<soapenv:Body><(\w+)", line)
                if m:
                    events[-1][2] = m.group(1).decode()
                    want_method = False
    rc = proc.wait()
    t_end = (time.monotonic() - t0) * 1e3
    os.unlink(fifo)
    os.rmdir(d)

    # vtrunk traces a call when it is over: the request, then "< HTTP status, bytes, ms"
    # where ms is the call's own duration. So a call ends when its answer record arrives
    # and started that many ms before.
    calls, i = [], 0
    while i < len(events):
        t, kind, what = events[i]
        if kind == ">" and i + 1 < len(events) and events[i + 1][1] == "<":
            ans = events[i + 1][2]
            nbytes, ms = ans if isinstance(ans, tuple) else (None, 0)
            end_t = events[i + 1][0]
            calls.append({"call": what, "start": end_t - ms, "end": end_t, "bytes": nbytes})
            i += 2
        else:
            i += 1
    # Steps: one call, or a batch of concurrent ReconfigVM_Task calls.
    steps, i, prev_end = [], 0, 0.0
    while i < len(calls):
        c = calls[i]
        j = i + 1
        if c["call"] == "ReconfigVM_Task":
            while j < len(calls) and calls[j]["call"] == "ReconfigVM_Task":
                j += 1
        group = calls[i:j]
        start, end = min(g["start"] for g in group), max(g["end"] for g in group)
        name = c["call"]
        if len(group) > 1:
            each = sum(g["end"] - g["start"] for g in group) / len(group)
            name = "%s x%d (%.1f ms each on average, %.1f in flight on average)" % (
                name, len(group), each, each * len(group) / max(end - start, 1e-9))
        steps.append({"call": name, "start_ms": start, "ms": end - start, "gap_ms": start - prev_end,
                      "bytes": sum(g["bytes"] or 0 for g in group), "requests": len(group)})
        prev_end, i = end, j
    summary = {"exit": rc, "wall_ms": t_end, "steps": steps, "after_last_ms": t_end - prev_end,
               "requests": sum(s["requests"] for s in steps),
               "sequential_steps": len(steps)}
    print("%8s %8s %8s %9s  %s" % ("start_ms", "gap_ms", "took_ms", "bytes", "call"))
    for s in steps:
        print("%8.0f %8.0f %8.0f %9s  %s" % (s["start_ms"], s["gap_ms"], s["ms"],
                                             s["bytes"] if s["bytes"] is not None else "-", s["call"]))
    print("%8.0f %8.0f %8s %9s  %s" % (t_end, summary["after_last_ms"], "", "", "exit %d" % rc))
    print("wall %.0f ms: %.0f ms waiting on answers, %.0f ms between calls and after the last; "
          "%d requests in %d sequential steps" % (
              t_end, sum(s["ms"] for s in steps),
              sum(s["gap_ms"] for s in steps) + summary["after_last_ms"], summary["requests"], len(steps)))
    if out_json:
        with open(out_json, "w") as f:
            json.dump(summary, f, indent=1)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
