"""Load a model target (``path/to/file.py:name`` or ``package.module:name``) and its parameters."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, ModelError, Problem, UserError, suggest
from .machine import System
from .result import DEADLOCK

__all__ = ["load_function", "parse_params", "load_system", "signature_params"]

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _import_file(path: Path, target: str) -> Any:
    if not path.exists():
        near = suggest(path.name, (p.name for p in path.parent.glob("*.py")) if path.parent.is_dir() else ())
        raise InputError(f"{target}: file {str(path)!r} does not exist; " + (near or "check the path"), path=str(path))
    if path.is_dir():
        raise InputError(f"TARGET {target!r}: {str(path)!r} is a folder, not a Python file; "
                         "give path/to/file.py:function", path=str(path))
    if path.suffix != ".py":
        raise InputError(f"TARGET {target!r}: {path.name!r} is not a Python file; give path/to/file.py:function",
                         path=str(path))
    path = path.resolve()
    # inside a package: import it by its dotted name, so its relative and absolute imports work
    parts = [path.stem]
    root = path.parent
    while (root / "__init__.py").exists():
        parts.insert(0, root.name)
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    alias = _statebound_alias(root / parts[0]) if len(parts) > 1 else None
    if alias is not None:
        # a file of statebound's own packages (models/phase3.py in a checkout): import it under
        # its installed name, so that it is not loaded twice under two names
        return _import_module(".".join([alias, *parts[1:]]), target)
    name = ".".join(parts)
    if len(parts) > 1:
        return _import_module(name, target)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{target}: cannot load {str(path)!r} as Python; give a .py file", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except UserError:
        raise
    except SyntaxError as err:
        raise InputError(f"{err.filename}:{err.lineno}: syntax error: {err.msg}; fix the model file",
                         path=err.filename, line=err.lineno) from None
    except MemoryError:
        raise  # not a bug in the model: the CLI says how to make it smaller
    except (Exception, SystemExit) as err:  # noqa: BLE001 - any error in user code is reported, not raised
        raise _user_code_error(target, "loading", err) from None
    return module


def _statebound_alias(folder: Path) -> str | None:
    """``statebound.models`` when *folder* is where that subpackage is installed from, else None."""
    if folder.name not in {"checker", "diagrams", "models", "properties"}:
        return None
    spec = importlib.util.find_spec(f"statebound.{folder.name}")
    locations = spec.submodule_search_locations if spec is not None else None
    if locations and any(Path(loc).resolve() == folder for loc in locations):
        return f"statebound.{folder.name}"
    return None


def _import_module(name: str, target: str) -> Any:
    try:
        return importlib.import_module(name)
    except UserError:
        raise
    except SyntaxError as err:
        raise InputError(f"{err.filename}:{err.lineno}: syntax error: {err.msg}; fix the model file",
                         path=err.filename, line=err.lineno) from None
    except ModuleNotFoundError as err:
        if err.name and (name == err.name or name.startswith(err.name + ".")):
            raise InputError(
                f"{target}: no module named {err.name!r}; give path/to/file.py:function or an importable package.module:function"
            ) from None
        raise _user_code_error(target, "loading", err) from None
    except MemoryError:
        raise
    except (Exception, SystemExit) as err:  # noqa: BLE001
        raise _user_code_error(target, "loading", err) from None


def _user_code_error(target: str, doing: str, err: BaseException) -> InputError:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "/checker/" not in f.filename.replace("\\", "/")]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else target
    line = frames[-1].lineno if frames else None
    if isinstance(err, SystemExit):
        # issue 8, defect 4: an exit from model code would end statebound with its status ("holds")
        status = "" if err.code is None else repr(err.code)
        fix = ("remove the call, or guard it with if __name__ == '__main__':" if doing == "loading"
               else "return a System instead")
        text = f"{where}: the model called sys.exit({status}) while {doing} {target}; {fix}"
    else:
        detail = f": {err}" if str(err) else ""  # a MemoryError or a bare exception has no text
        text = f"{where}: {type(err).__name__} while {doing} {target}{detail}; fix the model"
    return InputError(text, path=frames[-1].filename if frames else None, line=line)


def load_function(target: str) -> Callable[..., Any]:
    """The function that *target* names (``models/phase3.py:before``)."""
    module_part, sep, name = target.rpartition(":")
    if not sep or not module_part or not name:
        raise InputError(
            f"TARGET {target!r}: expected path/to/file.py:function or package.module:function, "
            "e.g. models/phase3.py:before"
        )
    if module_part.endswith(".py") or "/" in module_part or "\\" in module_part or Path(module_part).is_file():
        module = _import_file(Path(module_part), target)
    else:
        module = _import_module(module_part, target)
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        choices = [
            n for n, v in vars(module).items()
            if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
            and not isinstance(v, type)
        ]
        raise InputError(
            f"TARGET {target!r}: {module_part} has no function {name!r}; "
            + suggest(name, choices, default="functions: " + (", ".join(sorted(choices)) or "none"))
        )
    return fn  # type: ignore[no-any-return]


def signature_params(fn: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The keyword parameters a model function accepts."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    return {
        n: p for n, p in sig.parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }


def _convert(name: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InputError(f"--param {name}={text}: {name} is a boolean; use true or false")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise InputError(f"--param {name}={text}: {name} is an integer; give a whole number") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise InputError(f"--param {name}={text}: {name} is a number") from None
    if isinstance(default, str) or default is not None:
        return text
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        return text


def parse_params(fn: Callable[..., Any], pairs: Sequence[str], *, target: str = "") -> dict[str, Any]:
    """Turn ``key=value`` strings into keyword arguments for *fn*, typed by its defaults."""
    accepted = signature_params(fn)
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--param {pair!r}: expected key=value, e.g. --param clients=2")
        if key not in accepted:
            listing = ", ".join(accepted) or "none"
            hint = suggest(key, accepted, default=f"parameters of {target or fn.__name__}: {listing}")
            if hint.startswith("did you mean"):
                hint += f" (parameters: {listing})"
            raise InputError(f"--param {key}: {target or fn.__name__} has no parameter {key!r}; {hint}")
        if key in out:
            raise InputError(f"--param {key}={value.strip()}: {key} is already given ({key}={seen[key]}); "
                             "give each parameter once")
        seen[key] = value.strip()
        default = accepted[key].default
        out[key] = _convert(key, value.strip(), None if default is inspect.Parameter.empty else default)
    return out


def load_system(target: str, params: Sequence[str] = (), *, fn: Callable[..., Any] | None = None) -> System:
    """Build the System that *target* names, with ``key=value`` *params*.

    Raises
    ------
    InputError
        Bad target, unknown or ill-typed parameter, or an error raised by the model code.
    ModelError
        The model is malformed (all problems listed).
    """
    if fn is None:
        fn = load_function(target)
    kwargs = parse_params(fn, params, target=target)
    missing = [n for n, p in signature_params(fn).items() if p.default is inspect.Parameter.empty and n not in kwargs]
    if missing:
        raise InputError(
            f"TARGET {target!r}: parameter {missing[0]!r} has no default; pass --param {missing[0]}=VALUE "
            "or give it a default in the model function (defaults also type --param values)"
        )
    try:
        system = fn(**kwargs)
    except UserError:
        raise
    except (ValueError, TypeError) as err:
        if kwargs:  # most likely a parameter value the model rejects
            raise InputError(f"{target}: {err}; check the --param values") from None
        raise _user_code_error(target, "building", err) from None
    except MemoryError:
        raise  # not a bug in the model: the CLI says how to make it smaller
    except (Exception, SystemExit) as err:  # noqa: BLE001
        raise _user_code_error(target, "building", err) from None
    if not isinstance(system, System):
        raise InputError(
            f"TARGET {target!r}: the function returned {type(system).__name__}, not a System; "
            "return statebound.System(...) with its properties"
        )
    if system.check_deadlock and any(p.name == DEADLOCK for p in system.properties):
        # issue 8, defect 9: two outcomes under one name, and one trace file for both
        raise ModelError(Problem(
            where=f"{system.name}/property {DEADLOCK!r}", what="is the name of the built-in deadlock-freedom check",
            fix="rename the property, or build the System with check_deadlock=False",
        ))
    if not system.params:
        bound = {n: p.default for n, p in signature_params(fn).items() if p.default is not inspect.Parameter.empty}
        bound.update(kwargs)
        # every other field kept (shared variables, families, initial, constraint, fairness, ...)
        system = dataclasses.replace(system, params=tuple(bound.items()))
    return system
