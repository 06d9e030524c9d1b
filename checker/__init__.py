"""statebound's checker: the modelling language, the property language and the engines.

Names are imported on first use (PEP 562), so that importing one submodule, or the command line's
``--help``, does not load every engine (issue 13: start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engines import Budget as Budget
    from .engines import Engine as Engine
    from .engines import engine as engine
    from .engines.reference import Exploration as Exploration
    from .engines.reference import check as check
    from .engines.reference import explore as explore
    from .errors import InputError as InputError
    from .errors import InternalError as InternalError
    from .errors import ModelError as ModelError
    from .errors import Problem as Problem
    from .errors import PropertyError as PropertyError
    from .errors import StateboundError as StateboundError
    from .errors import UserError as UserError
    from .expr import FALSE as FALSE
    from .expr import SELF as SELF
    from .expr import TRUE as TRUE
    from .expr import Array as Array
    from .expr import Bool as Bool
    from .expr import Const as Const
    from .expr import Enum as Enum
    from .expr import Expr as Expr
    from .expr import Int as Int
    from .expr import Op as Op
    from .expr import Ref as Ref
    from .expr import Var as Var
    from .expr import all_of as all_of
    from .expr import any_of as any_of
    from .expr import count as count
    from .expr import exists as exists
    from .expr import forall as forall
    from .expr import implies as implies
    from .expr import is_in as is_in
    from .expr import ite as ite
    from .expr import max_of as max_of
    from .expr import min_of as min_of
    from .expr import prev as prev
    from .expr import ref as ref
    from .expr import shared as shared
    from .expr import to_text as to_text
    from .expr import unchanged as unchanged
    from .machine import Fairness as Fairness
    from .machine import Family as Family
    from .machine import Instance as Instance
    from .machine import Machine as Machine
    from .machine import System as System
    from .machine import Transition as Transition
    from .property import Always as Always
    from .property import Eventually as Eventually
    from .property import EventuallyAlways as EventuallyAlways
    from .property import InfinitelyOften as InfinitelyOften
    from .property import LeadsTo as LeadsTo
    from .property import NeverAfter as NeverAfter
    from .property import OnEveryStep as OnEveryStep
    from .property import OnStep as OnStep
    from .property import Property as Property
    from .property import Sometimes as Sometimes
    from .property import always as always
    from .property import eventually as eventually
    from .property import eventually_always as eventually_always
    from .property import infinitely_often as infinitely_often
    from .property import leads_to as leads_to
    from .property import never_after as never_after
    from .property import on_every_step as on_every_step
    from .property import on_step as on_step
    from .property import sometimes as sometimes
    from .result import DEADLOCK as DEADLOCK
    from .result import Breach as Breach
    from .result import Change as Change
    from .result import Coverage as Coverage
    from .result import ExitCode as ExitCode
    from .result import Kind as Kind
    from .result import Outcome as Outcome
    from .result import Report as Report
    from .result import Side as Side
    from .result import Step as Step
    from .result import Trace as Trace
    from .result import Verdict as Verdict

#: public name -> the submodule (relative to this package) that defines it
_WHERE: dict[str, str] = {
    "Budget": ".engines",
    "Engine": ".engines",
    "engine": ".engines",
    "Exploration": ".engines.reference",
    "check": ".engines.reference",
    "explore": ".engines.reference",
    "InputError": ".errors",
    "InternalError": ".errors",
    "ModelError": ".errors",
    "Problem": ".errors",
    "PropertyError": ".errors",
    "StateboundError": ".errors",
    "UserError": ".errors",
    "FALSE": ".expr",
    "SELF": ".expr",
    "TRUE": ".expr",
    "Array": ".expr",
    "Bool": ".expr",
    "Const": ".expr",
    "Enum": ".expr",
    "Expr": ".expr",
    "Int": ".expr",
    "Op": ".expr",
    "Ref": ".expr",
    "Var": ".expr",
    "all_of": ".expr",
    "any_of": ".expr",
    "count": ".expr",
    "exists": ".expr",
    "forall": ".expr",
    "implies": ".expr",
    "is_in": ".expr",
    "ite": ".expr",
    "max_of": ".expr",
    "min_of": ".expr",
    "prev": ".expr",
    "ref": ".expr",
    "shared": ".expr",
    "to_text": ".expr",
    "unchanged": ".expr",
    "Fairness": ".machine",
    "Family": ".machine",
    "Instance": ".machine",
    "Machine": ".machine",
    "System": ".machine",
    "Transition": ".machine",
    "Always": ".property",
    "Eventually": ".property",
    "EventuallyAlways": ".property",
    "InfinitelyOften": ".property",
    "LeadsTo": ".property",
    "NeverAfter": ".property",
    "OnEveryStep": ".property",
    "OnStep": ".property",
    "Property": ".property",
    "Sometimes": ".property",
    "always": ".property",
    "eventually": ".property",
    "eventually_always": ".property",
    "infinitely_often": ".property",
    "leads_to": ".property",
    "never_after": ".property",
    "on_every_step": ".property",
    "on_step": ".property",
    "sometimes": ".property",
    "DEADLOCK": ".result",
    "Breach": ".result",
    "Change": ".result",
    "Coverage": ".result",
    "ExitCode": ".result",
    "Kind": ".result",
    "Outcome": ".result",
    "Report": ".result",
    "Side": ".result",
    "Step": ".result",
    "Trace": ".result",
    "Verdict": ".result",
}

__all__ = [
    "Always", "Bool", "Breach", "Budget", "Change", "Const", "Coverage", "DEADLOCK", "Engine", "Enum", "ExitCode",
    "Exploration", "Expr", "FALSE", "InputError", "Instance", "Int", "InternalError", "Kind", "LeadsTo", "Machine",
    "ModelError", "NeverAfter", "OnStep", "Op", "Outcome", "Problem", "Property", "PropertyError", "Ref", "Report",
    "Side", "Sometimes", "StateboundError", "Step", "System", "TRUE", "Trace", "Transition", "UserError", "Var",
    "Verdict", "all_of", "always", "any_of", "check", "count", "engine", "explore", "implies", "is_in", "ite", "leads_to",
    "never_after", "on_step", "prev", "ref", "sometimes", "to_text", "unchanged",
    # the language, second edition (issue 9)
    "Fairness", "Array", "Family", "SELF", "exists", "forall", "max_of", "min_of", "shared",
    # temporal properties (issue 9)
    "Eventually", "EventuallyAlways", "InfinitelyOften", "OnEveryStep", "eventually", "eventually_always",
    "infinitely_often", "on_every_step",
]



def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value  # the next access is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
