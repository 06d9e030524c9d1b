"""A pytest plugin: every property of a model as a test, checked exhaustively (issue 11).

Registered through the ``pytest11`` entry point, so installing statebound is enough::

    pytest --statebound models/phase3.py:after                   # one test per property
    pytest --statebound models/phase3.py:before --statebound-param strict_mode=true
    pytest tests --statebound models/phase3.py:after             # with the tests of tests/

Each property (``deadlock-free`` included) is one test item, ``TARGET::property``, decided by the
reference engine (:func:`statebound.checker.check`, one exploration per target); a property that
does not hold fails with its counterexample, printed as ``statebound check`` prints it. Without
paths on the command line, ``--statebound`` runs only the models' properties (not the
``testpaths``). A test module does the same for its own model with a marker and a fixture::

    @pytest.mark.statebound("models/phase3.py:after", strict_mode=True)
    def test_after(statebound_property):
        statebound_property.check()          # or .assert_violated() for a model meant to break it

The marker takes a target (``path.py:function`` or ``package.module:function``, a path relative
to the test file or the current directory), a function returning a System, or a System; keyword
arguments are the model's parameters. :mod:`statebound.checker.testing` stays the function-level API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .checker.machine import System
    from .checker.result import Outcome, Report

__all__ = ["PropertyCheck", "StateboundFailure"]

#: (target key) -> (system, report): one exploration per target and parameters per session
_CHECKED: dict[tuple[Any, ...], tuple[System, Report | None]] = {}


class StateboundFailure(AssertionError):
    """A property that does not hold; its text is the counterexample (or what was not decided)."""


class _Target:
    """A model named on the command line or by a marker, loaded and checked once (lazily)."""

    def __init__(self, spec: Any, params: dict[str, Any], *, base: Path | None = None) -> None:
        self.spec, self.params, self.base = spec, params, base

    @property
    def label(self) -> str:
        spec = self.spec
        name = spec if isinstance(spec, str) else getattr(spec, "__name__", None) or getattr(spec, "name", "system")
        shown = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{name}[{shown}]" if shown else str(name)

    def _key(self) -> tuple[Any, ...]:
        spec = self.spec if isinstance(self.spec, str) else id(self.spec)
        return (spec, str(self.base), tuple(sorted((k, repr(v)) for k, v in self.params.items())))

    def system(self) -> System:
        key = self._key()
        got = _CHECKED.get(key)
        if got is None:
            got = _CHECKED[key] = (self._load(), None)
        return got[0]

    def report(self) -> Report:
        from .checker import check

        key = self._key()
        system = self.system()
        report = _CHECKED[key][1]
        if report is None:
            report = check(system)
            _CHECKED[key] = (system, report)
        return report

    def _load(self) -> System:
        from .checker.load import load_system
        from .checker.machine import System

        spec = self.spec
        if isinstance(spec, System):
            return spec
        if callable(spec):
            made = spec(**self.params)
            if not isinstance(made, System):
                raise TypeError(f"{self.label}: the model function returned {type(made).__name__}, not a System")
            return made
        pairs = [f"{k}={_text(v)}" for k, v in self.params.items()]
        return load_system(self._resolve(str(spec)), pairs)

    def _resolve(self, target: str) -> str:
        module, sep, func = target.rpartition(":")
        if sep and module.endswith(".py") and not Path(module).is_absolute() and not Path(module).exists():
            if self.base is not None and (self.base / module).exists():
                return f"{self.base / module}:{func}"
        return target


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _names(system: System) -> list[str]:
    from .checker.testing import property_names

    return property_names(system)


def _failure(system: System, o: Outcome) -> str:
    from .checker.output import format_outcome

    return f"{o.property} is {o.verdict}:\n" + "\n".join(format_outcome(o, system=system))


class PropertyCheck:
    """One property of a marked test's model (the ``statebound_property`` fixture)."""

    def __init__(self, target: _Target, name: str) -> None:
        self._target, self.name = target, name

    @property
    def system(self) -> System:
        return self._target.system()

    @property
    def outcome(self) -> Outcome:
        """The property's outcome from the reference engine (the model is explored once)."""
        return self._target.report().outcome(self.name)

    def check(self) -> None:
        """Fail with the counterexample unless the property holds."""
        from .checker.result import Verdict

        o = self.outcome
        if o.verdict is not Verdict.HOLDS:
            raise StateboundFailure(_failure(self.system, o))

    def assert_violated(self) -> Outcome:
        """Fail unless the property is violated (a model meant to break it); the outcome otherwise."""
        from .checker.result import Verdict

        o = self.outcome
        if o.verdict is not Verdict.VIOLATED:
            raise StateboundFailure(f"{self.name} was expected to be violated but is {o.verdict}: {o.message}")
        return o


# --------------------------------------------------------------------------- command line


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statebound", "statebound models as tests")
    group.addoption("--statebound", action="append", default=[], metavar="TARGET",
                    help="Check every property of TARGET (path/to/file.py:function or package.module:function), "
                         "one test per property (repeatable).")
    group.addoption("--statebound-param", action="append", default=[], metavar="KEY=VALUE",
                    help="A parameter of the --statebound model functions (repeatable).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "statebound(target, **params): the model whose properties parametrize the statebound_property fixture",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # `pytest --statebound T` with no paths runs T's properties only, not every testpath
    if config.getoption("statebound") and config.args_source is not pytest.Config.ArgsSource.ARGS:
        return True
    return None


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    targets = config.getoption("statebound")
    if not targets:
        return
    params: dict[str, Any] = {}
    for pair in config.getoption("statebound_param"):
        key, sep, value = pair.partition("=")
        if not sep:
            raise pytest.UsageError(f"--statebound-param {pair!r}: expected KEY=VALUE, e.g. --statebound-param clients=2")
        params[key.strip()] = value.strip()
    base = config.invocation_params.dir
    for spec in targets:
        target = _Target(spec, params, base=base)
        collector = _TargetCollector.from_parent(session, name=target.label, nodeid=target.label, target=target)
        items.extend(collector.collect())


class _TargetCollector(pytest.Collector):
    def __init__(self, *, target: _Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> Iterator[pytest.Item]:
        try:
            names = _names(self.target.system())
        except Exception as err:  # noqa: BLE001 - a model that does not load is one failing item
            yield _PropertyItem.from_parent(self, name="load", target=self.target, error=err)
            return
        for name in names:
            yield _PropertyItem.from_parent(self, name=name, target=self.target)


class _PropertyItem(pytest.Item):
    def __init__(self, *, target: _Target, error: BaseException | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target, self.error = target, error

    def runtest(self) -> None:
        if self.error is not None:
            raise StateboundFailure(f"{self.target.label}: the model could not be loaded: {self.error}")
        PropertyCheck(self.target, self.name).check()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, StateboundFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        return self.path, None, f"{self.target.label}::{self.name}"


# --------------------------------------------------------------------------- marker and fixture


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "statebound_property" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("statebound")
    if marker is None or not marker.args:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: the statebound_property fixture needs "
                                "@pytest.mark.statebound(TARGET, **params) on the test or its module")
    target = _Target(marker.args[0], dict(marker.kwargs), base=Path(str(metafunc.definition.path)).parent)
    names = _names(target.system())
    metafunc.parametrize("statebound_property", [PropertyCheck(target, n) for n in names], ids=names, indirect=True)


@pytest.fixture
def statebound_property(request: pytest.FixtureRequest) -> PropertyCheck:
    """One property of the model named by ``@pytest.mark.statebound`` (a test per property)."""
    param: PropertyCheck = request.param
    return param
