"""Logs made from runs of a model: a random walk that writes what a recorder would have seen."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping

from statebound.checker import System
from statebound.checker._compile import compile_system


def random_log(system: System, events: int, *, seed: int, recorded: Iterable[str],
               observe: Mapping[str, Iterable[str]] | None = None, header: bool = True) -> str:
    """A log of *events* events from one random run of *system*: every step of a *recorded*
    instance is a line (its transition, and the values of its variables named in *observe*);
    the other steps are left out, as a recorder would. Transitions tagged ``unlogged`` are left out too."""
    rng = random.Random(seed)
    c = compile_system(system)
    recorded = list(recorded)
    observe = {k: list(v) for k, v in (observe or {}).items()}
    lines = [json.dumps({"format": "statebound-trace", "version": 1, "recorded": recorded})] if header else []
    s = rng.choice(c.initial_states())
    ts = 1_700_000_000_000.0
    written = 0
    while written < events:
        succ = c.successors(s)
        if not succ:
            raise AssertionError("the run deadlocked before the log was long enough")
        label, t = rng.choice(succ)
        for inst, tr in c.label_transitions(label):
            if inst not in recorded or "unlogged" in tr.tags:
                continue
            ts += rng.choice((0.0, 0.5, 12.25))
            seen = {v: t[system.slot_of(inst, v)] for v in observe.get(inst, ())}
            doc: dict[str, object] = {"ts": ts, "instance": inst, "event": tr.name}
            if seen:
                doc["observed"] = seen
            lines.append(json.dumps(doc))
            written += 1
        s = t
    return "\n".join(lines) + "\n"
