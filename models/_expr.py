"""A conjunction that leaves out what is trivially true, so guards read well in ``list``, diagrams
and counterexamples (``state == Active & true`` is noise)."""

from __future__ import annotations

from statebound.checker import Const, Expr, all_of

__all__ = ["conj"]


def conj(*parts: Expr | bool) -> Expr:
    """``a & b & ...`` without the parts that are ``True`` (or ``TRUE``).

    Examples
    --------
    >>> from statebound.checker import Bool, Var
    >>> print(conj(Var("a", Bool()), True, Var("b", Bool())))
    a & b
    """
    kept = [p for p in parts if not (p is True or (isinstance(p, Const) and p.value is True))]
    return all_of(*kept)
