"""Timings of the chat panes declared as a family (models/chat_panes.py, issue 14): the proof for
every N (quantified 1-induction), then each N = 1..20 by the per-N engine (k-induction with the
same quantified lemma, which the per-N translation unrolls over the N members).

Run: ``.venv/bin/python -P tests/symbolic/chat_panes_timing.py [MAX_N]``. Not a test: it takes
about a minute on the shared machine.
"""

from __future__ import annotations

import sys
import time

from statebound.checker import Verdict
from statebound.checker.engines.symbolic import InductionEngine
from statebound.models.chat_panes import LEMMAS, system


def main(max_n: int = 20) -> None:
    started = time.perf_counter()
    report = InductionEngine(parametric=True, lemmas=LEMMAS, max_n=1).check(system(n=3))
    every = [o.property for o in report.outcomes if o.verdict is Verdict.HOLDS]
    print(f"every N: {time.perf_counter() - started:.2f} s, proved for every N: {', '.join(every)}")
    total = 0.0
    for n in range(1, max_n + 1):
        started = time.perf_counter()
        report = InductionEngine(lemmas=LEMMAS, pdr=False).check(system(n=n))
        took = time.perf_counter() - started
        total += took
        held = sum(o.verdict is Verdict.HOLDS for o in report.outcomes)
        methods = sorted({o.message.split(" ")[2] for o in report.outcomes if o.message.startswith("proved by")})
        print(f"N={n:2d} {took:6.2f} s  {held}/{len(report.outcomes)} hold ({', '.join(methods)}; the witness by bmc)")
    print(f"N=1..{max_n}: {total:.1f} s in all")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
