"""``python -m benchmarks``: the engines side by side on the benchmark model and Phase 3 (issue 13).

    python -m benchmarks [--max-n N] [--engines explicit,fast] [--format text|json]
                         [--reference-max-n N] [--liveness] [--symmetry] [--no-phase3] [--timeout S]

Rows: MODEL.md's session + N clients for N = 1..max-n (state counts checked against its formula,
10**N + 3 * 4**N), optionally with its liveness property P3 for every client, and the Phase 3
configurations of issue 13. ``--symmetry`` adds the rows ``model-sym N``: the same model with the
clients as one family declared symmetric, for every engine but the reference, whose states are
canonical states (checked against the number of orbits, C(N+9, 9) + 3 C(N+3, 3)) standing for
exactly the states of MODEL.md's formula; their ratio is to the reference on the unreduced model.
Every row runs in a fresh process (``benchmarks.row``): its seconds
are the check's wall time and its peak memory that process's maximum resident set. The ratio is
the reference engine's seconds over the row's, for the same case in the same run. ``--format
json`` prints one JSON object per row (engine, n, states, transitions, seconds, peak_mb, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "explicit"

#: the Phase 3 configurations of issue 13: (label, function, parameters)
PHASE3: list[tuple[str, str, dict[str, Any]]] = [
    ("after chats=3", "after", {"chats": 3}),
    ("after experience guide strict logins=2", "after",
     {"experience": True, "guide": True, "strict_mode": True, "logins": 2}),
    ("before experience guide strict logins=2", "before",
     {"experience": True, "guide": True, "strict_mode": True, "logins": 2}),
]


def run_row(engine: str, case: str, n: int, params: dict[str, Any], timeout: float, memory_mb: int | None) -> dict[str, Any]:
    """Run one row in a child process; its peak memory comes from ``wait4``'s resource usage."""
    cmd = [sys.executable, "-m", "benchmarks.row", engine, case, str(n), json.dumps(params),
           str(memory_mb) if memory_mb is not None else "-"]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)
        deadline = started + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                return {"error": f"timeout after {timeout:g} s", "peak_mb": usage.ru_maxrss / 1024}
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().strip().splitlines()
        if child.returncode != 0 or not text:
            return {"error": (err.read().strip().splitlines() or ["failed"])[-1], "peak_mb": usage.ru_maxrss / 1024}
        got: dict[str, Any] = json.loads(text[-1])
        got["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
        return got


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = f"{names[0]} x{len(names)}" if names else cpu
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1024 / 1024
        cpu += f", {mem:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}; Python {platform.python_version()}; {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-n", type=int, default=6, help="largest N of the benchmark model (default 6)")
    ap.add_argument("--min-n", type=int, default=1, help="smallest N (default 1)")
    ap.add_argument("--engines", default="explicit,fast", help="engines, comma-separated (default explicit,fast)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--reference-max-n", type=int, default=6,
                    help="largest N the reference engine runs (N=7 takes it ~10 minutes and ~4 GB; default 6)")
    ap.add_argument("--liveness", action="store_true", help="also the model with P3 (leads-to) for every client")
    ap.add_argument("--symmetry", action="store_true",
                    help="also the model with a symmetric family of clients (model-sym N; not the reference engine)")
    ap.add_argument("--no-phase3", action="store_true", help="leave out the Phase 3 configurations")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds one row may take (default 900)")
    ap.add_argument("--max-memory-mb", type=int, default=None, help="memory budget given to every check")
    args = ap.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    cases: list[tuple[str, str, int, dict[str, Any]]] = []
    for n in range(args.min_n, args.max_n + 1):
        cases.append((f"model N={n}", "model", n, {}))
    if args.liveness:
        for n in range(args.min_n, args.max_n + 1):
            cases.append((f"model+P3 N={n}", "model-live", n, {}))
    if args.symmetry:
        for n in range(args.min_n, args.max_n + 1):
            cases.append((f"model-sym N={n}", "model-sym", n, {}))
    if not args.no_phase3:
        cases += [(label, fn, 0, params) for label, fn, params in PHASE3]
    if args.format == "text":
        print(f"machine: {machine()}")
        print(f"{'case':<42} {'engine':<9} {'states':>11} {'transitions':>12} {'seconds':>9} {'peak MB':>8} "
              f"{'vs ref':>7}  verdicts")
    failed = False
    unreduced_ref: dict[int, float] = {}  # the reference's seconds on the unreduced model, by N
    for label, case, n, params in cases:
        ref_seconds = unreduced_ref.get(n) if case == "model-sym" else None
        for e in engines:
            if case == "model-sym" and e == REFERENCE:
                continue  # the reference engine does not reduce: its row is "model N"
            if e == REFERENCE and case.startswith("model") and n > args.reference_max_n:
                row: dict[str, Any] = {"error": f"skipped (--reference-max-n {args.reference_max_n})"}
            else:
                row = run_row(e, case, n, params, args.timeout, args.max_memory_mb)
            if e == REFERENCE and "seconds" in row:
                ref_seconds = row["seconds"]
                if case == "model":
                    unreduced_ref[n] = row["seconds"]
            if case == "model-sym" and "states" in row and row.get("complete", True):
                from math import comb

                expected, orbits = 10**n + 3 * 4**n, comb(n + 9, 9) + 3 * comb(n + 3, 3)
                represented = row.get("represented") or row["states"]  # one client: nothing to permute
                if represented != expected or row["states"] != orbits:
                    row["error"] = (f"{row['states']} canonical states standing for {row.get('represented')}; "
                                    f"expected {orbits} for {expected} ({row.get('symmetry')})")
                    failed = True
            elif case.startswith("model") and "states" in row and row.get("complete", True):
                expected = 10**n + 3 * 4**n
                if row["states"] != expected:
                    row["error"] = f"{row['states']} states, MODEL.md says {expected}"
                    failed = True
            ratio = ref_seconds / row["seconds"] if ref_seconds and row.get("seconds") else None
            record = {"engine": e, "n": n, "case": label, "states": row.get("states"),
                      "transitions": row.get("transitions"), "seconds": row.get("seconds"),
                      "peak_mb": round(row["peak_mb"], 1) if row.get("peak_mb") is not None else None,
                      "ratio": round(ratio, 2) if ratio else None, "complete": row.get("complete"),
                      "exit": row.get("exit"), "verdicts": row.get("verdicts"), "error": row.get("error")}
            if case == "model-sym":
                record["represented"] = row.get("represented")
            if args.format == "json":
                print(json.dumps(record), flush=True)
                continue
            if row.get("error") and "seconds" not in row:
                print(f"{label:<42} {e:<9} {row['error']}", flush=True)
                continue
            verdicts = row.get("verdicts") or {}
            summary = ", ".join(f"{v}: {sum(1 for x in verdicts.values() if x == v)}"
                                for v in ("holds", "violated", "inconclusive") if v in verdicts.values())
            print(f"{label:<42} {e:<9} {row['states']:>11,} {row['transitions']:>12,} {row['seconds']:>9.2f} "
                  f"{row['peak_mb']:>8.0f} {(f'{ratio:.1f}x' if ratio else ''):>7}  {summary}"
                  + (f"  (canonical; stand for {row['represented']:,}, {row['represented'] / row['states']:,.0f}x fewer)"
                     if case == "model-sym" and row.get("represented") else "")
                  + (f"  ({row['error']})" if row.get("error") else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
