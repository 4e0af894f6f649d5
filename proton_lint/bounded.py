"""The render budget: what keeps a hostile template from hanging the tool or taking its memory.

Jinja's ``SandboxedEnvironment`` stops templates from reaching Python internals, but not from
running for hours (nested loops, exponential macro recursion) or allocating gigabytes in one call
(``'x'.center(10**9)``, ``'%0999999999d' % 1``, ``(9**512)**512``). The sandbox in
:mod:`proton_lint.render` builds on its hooks, and this module holds what they share:

* a :class:`Meter` per render counts steps (loop iterations, calls, filters, intercepted
  operators) and watches the clock, against :class:`proton_lint.budgets.Budgets`;
* checks that refuse a value before it is built when its size can be known from the arguments
  (widths, repeat counts, exponents, format specs), and after it is built for everything else;
* wrappers for Jinja's filters and globals, and a shield for functions and methods, so that no
  value a template can print shows a Python object's repr or a memory address.

Going over a budget raises :class:`BudgetExceeded`; the renderer turns it into a finding at the
template line that asked for it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from proton_lint import budgets

#: log10(2): decimal digits per bit, to size integers without printing them
_DIGITS_PER_BIT = 0.30103
#: how many steps pass between two looks at the clock
_CLOCK_EVERY = 256


class BudgetExceeded(Exception):
    """A template went over one of the run's budgets."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(f"{message} (the limit is set by limits.{key})")
        self.key = key


class Meter:
    """Steps and time of one render."""

    __slots__ = ("budgets", "deadline", "next_clock", "steps")

    def __init__(self, limits: budgets.Budgets) -> None:
        self.budgets = limits
        self.deadline = time.monotonic() + limits.render_seconds
        self.steps = 0
        self.next_clock = _CLOCK_EVERY

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.budgets.render_steps:
            raise BudgetExceeded(
                f"the template takes more than {self.budgets.render_steps:,} steps (loop iterations and calls)",
                "render-steps",
            )
        if self.steps >= self.next_clock:
            self.next_clock = self.steps + _CLOCK_EVERY
            self.check_clock()

    def check_clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"rendering the template takes longer than {self.budgets.render_seconds:g} s", "render-seconds"
            )


_meter: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("proton_lint_render_meter", default=None)


@contextlib.contextmanager
def metering() -> Iterator[Meter]:
    """Meter one render under the budgets in force."""
    meter = Meter(budgets.current())
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def step(count: int = 1) -> None:
    """Count ``count`` steps of the current render (nothing outside a render: compile-time folding)."""
    meter = _meter.get()
    if meter is not None:
        meter.step(count)


def check_clock() -> None:
    meter = _meter.get()
    if meter is not None:
        meter.check_clock()


def metered(iterable: Iterable[Any]) -> Lazy:
    """``iterable``, one step per item: what every ``{% for %}`` loops over."""
    return iterable if isinstance(iterable, Lazy) else Lazy(iter(iterable))


# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------


def value_limit() -> int:
    meter = _meter.get()
    return (meter.budgets if meter is not None else budgets.current()).value_size


def check_size(size: int, what: str = "a value") -> None:
    """Refuse building ``what`` of ``size`` characters or items."""
    limit = value_limit()
    if size > limit:
        raise BudgetExceeded(
            f"the template builds {what} of {size:,} characters or items; at most {limit:,}", "value-size"
        )


def check_digits(bits: int) -> None:
    """Refuse an integer of ``bits`` bits (measured in decimal digits)."""
    digits = int(bits * _DIGITS_PER_BIT) + 1
    limit = value_limit()
    if digits > limit:
        raise BudgetExceeded(
            f"the template computes an integer of about {digits:,} digits; at most {limit:,}", "value-size"
        )


def checked(value: Any) -> Any:
    """``value`` if its size is within the budget (strings, containers, integers).

    An iterator (what ``batch``, ``map`` or ``reverse`` return) comes back as a :class:`Lazy`: it
    iterates as before, one step per item, but cannot be printed as ``<generator object at 0x…>``.
    """
    if value is None or type(value) is bool:
        return value
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        check_size(len(value), f"a {type(value).__name__}")
    elif isinstance(value, int):
        check_digits(value.bit_length())
    elif isinstance(value, Iterator) and not isinstance(value, Lazy):
        return Lazy(value)
    return value


class Lazy:
    """An iterator handed to a template: metered, and refused when printed."""

    __slots__ = ("source",)

    def __init__(self, source: Iterator[Any]) -> None:
        self.source = source

    def __iter__(self) -> Lazy:
        return self

    def __next__(self) -> Any:
        item = next(self.source)
        step()
        return item

    def __repr__(self) -> str:
        from jinja2.sandbox import SecurityError

        raise SecurityError("a sequence still to be computed cannot be printed: add |list to print its items")

    __str__ = __repr__


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


# ---------------------------------------------------------------------------------------------
# Operators (the sandbox's intercepted binops)
# ---------------------------------------------------------------------------------------------

#: ``%`` conversions: flags, width and precision (``*`` takes them from the arguments)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def binop(operator: str, left: Any, right: Any) -> Any:
    """``left <operator> right`` for the operators that can build unbounded values."""
    step()
    if operator == "**":
        return _power(left, right)
    if operator == "*":
        _check_product(left, right)
        return checked(left * right)
    if operator == "+":
        a, b = _sized(left), _sized(right)
        if a is not None and b is not None:
            check_size(a + b, "a concatenation")
        return checked(left + right)
    if operator == "%":
        if isinstance(left, str):
            check_format_args(right)
            check_percent_format(left, right)
        return checked(left % right)
    raise AssertionError(f"operator {operator} is not intercepted")


def _power(left: Any, right: Any) -> Any:
    base, exponent = _int(left), _int(right)
    if base is not None and exponent is not None and exponent > 0 and abs(base) > 1:
        check_digits(base.bit_length() * exponent)
    elif isinstance(right, (int, float)) and abs(right) > 10_000 and isinstance(left, (int, float)) and abs(left) > 1:
        raise BudgetExceeded(f"the template raises a number to the power {right}", "value-size")
    return checked(left**right)


def _check_product(left: Any, right: Any) -> None:
    a, b = _int(left), _int(right)
    if a is not None and b is not None:
        check_digits(a.bit_length() + b.bit_length())
        return
    for sequence, count in ((left, b), (right, a)):
        length = _sized(sequence)
        if length is not None and count is not None:
            check_size(length * count, f"a {type(sequence).__name__} repeated {count:,} times")


def check_percent_format(template: str, args: Any) -> None:
    """Refuse ``%`` formatting whose widths or precisions build a huge string."""
    limit = value_limit()
    for match in _PERCENT_SPEC.finditer(template):
        for number in match.groups():
            if number == "*":
                values = args if isinstance(args, tuple) else (args,)
                if any((_int(v) or 0) > limit for v in values):
                    raise BudgetExceeded(f"a '%*' width in the template is over {limit:,}", "value-size")
            elif (number is not None and len(number) > 12) or (number and int(number) > limit):
                raise BudgetExceeded(f"the format {match.group(0)!r} asks for {int(number):,} characters", "value-size")


def check_brace_format(template: str, args: Iterable[Any]) -> None:
    """Refuse ``str.format`` fields whose widths or precisions build a huge string."""
    import string

    limit = value_limit()
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # str.format raises the same error with its own message
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec and any((_int(v) or 0) > limit for v in args):
            raise BudgetExceeded(f"a nested width in the format {template[:40]!r} is over {limit:,}", "value-size")
        for number in re.findall(r"\d+", spec):
            if len(number) > 12 or int(number) > limit:
                raise BudgetExceeded(f"the format spec {spec!r} asks for {int(number):,} characters", "value-size")


def check_format_args(args: Any) -> None:
    """Refuse formatting a function, method or class as text (its repr shows a memory address)."""
    values = args.values() if isinstance(args, dict) else args if isinstance(args, tuple) else (args,)
    for value in values:
        refuse_unprintable(value)


# ---------------------------------------------------------------------------------------------
# Printable values
# ---------------------------------------------------------------------------------------------

_CALLABLE_TYPES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    functools.partial,
    type,
)


class Shielded:
    """A function, method or class handed to a template: callable, with a repr that shows no address."""

    __slots__ = ("label", "target")

    def __init__(self, target: Callable[..., Any], label: str) -> None:
        self.target = target
        self.label = label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.target(*args, **kwargs)

    def __repr__(self) -> str:
        # also inside a list or a tuple: ``[''.upper]|string`` is refused, not printed
        from jinja2.sandbox import SecurityError

        raise SecurityError(f"{self.label} is a function, not a value: a template can only print data")

    __str__ = __repr__


def shield(value: Any, label: str) -> Any:
    """``value``, wrapped in :class:`Shielded` when it is a function, method or class."""
    if isinstance(value, _CALLABLE_TYPES):
        return Shielded(value, label)
    return value


def unshield(value: Any) -> Any:
    return value.target if isinstance(value, Shielded) else value


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), list, dict, tuple})


@functools.lru_cache(maxsize=1)
def _code_types() -> tuple[type, ...]:
    """Jinja's objects that are code, not data (imported on first use: jinja2 loads lazily)."""
    from jinja2.runtime import LoopContext, Macro
    from jinja2.utils import Cycler, Joiner

    return (Macro, LoopContext, Cycler, Joiner, *_CALLABLE_TYPES)


def refuse_unprintable(value: Any) -> None:
    """Raise when ``value`` is code, not data: printing it would show a repr, not a value."""
    if type(value) in _PLAIN_TYPES:
        return
    from jinja2 import Undefined
    from jinja2.sandbox import SecurityError

    if isinstance(value, Undefined):
        return  # printing it raises the undefined error, which names what is missing
    if isinstance(value, Shielded):
        raise SecurityError(f"{value.label} is a function, not a value: a template can only print data")
    if isinstance(value, Lazy):
        repr(value)  # raises, saying what to do
    if isinstance(value, _code_types()) or (callable(value) and not isinstance(value, tuple(_PLAIN_TYPES))):
        name = getattr(value, "__name__", None) or getattr(value, "_name", None) or type(value).__name__
        raise SecurityError(f"{name} is a function or an object, not a value: a template can only print data")


# ---------------------------------------------------------------------------------------------
# Calls: methods of built-in types, Jinja's globals and filters
# ---------------------------------------------------------------------------------------------


def check_call(func: Any, args: tuple, kwargs: dict) -> None:
    """Refuse a call whose result would be over the budget, when that shows in its arguments."""
    limit = value_limit()
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if isinstance(owner, (str, bytes, list, tuple, dict, set, int)):
        # no method of a built-in type needs a number this large (center, ljust, zfill, to_bytes...)
        for value in (*args, *kwargs.values()):
            number = _int(value)
            if number is not None and abs(number) > limit:
                raise BudgetExceeded(f"{type(owner).__name__}.{name}() is given {number:,}", "value-size")
        _check_method(owner, name, args, kwargs)


def _check_method(owner: Any, name: str, args: tuple, kwargs: dict) -> None:
    if isinstance(owner, str):
        if name == "expandtabs":
            check_size(len(owner) * (_int(args[0] if args else kwargs.get("tabsize", 8)) or 0), "an expanded string")
        elif name == "replace" and len(args) >= 2:
            check_replace(owner, args[0], args[1], _int(args[2]) if len(args) > 2 else None)
        elif name == "join" and args:
            items = args[0] if isinstance(args[0], (list, tuple, str)) else ()
            check_size(len(owner) * max(len(items) - 1, 0), "a joined string")
    elif isinstance(owner, (list, set, dict)) and name in ("extend", "update") and args:
        grown = _sized(args[0]) if not isinstance(args[0], (set, dict)) else len(args[0])
        if grown is not None:
            check_size(len(owner) + grown, f"a {type(owner).__name__}")


def check_replace(text: Any, old: Any, new: Any, count: int | None = None) -> None:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return
    hits = len(text) + 1 if old == "" else text.count(old)
    if count is not None and count >= 0:
        hits = min(hits, count)
    check_size(len(text) + hits * len(new), "a replaced string")


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> None:  # noqa: ARG001
    words = (_int(n) or 0) * (_int(max) or 0)
    check_size(words * 10, "lorem ipsum")
    step(words)


def _center(value: Any, width: Any = 80) -> None:  # noqa: ARG001
    check_size(_int(width) or 0, "a centred string")


def _indent(value: Any, width: Any = 4, first: bool = False, blank: bool = False) -> None:  # noqa: ARG001
    pad = len(width) if isinstance(width, str) else _int(width) or 0
    lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
    check_size(len(value if isinstance(value, str) else "") + pad * lines, "an indented string")


def _replace(value: Any, old: Any, new: Any, count: Any = None) -> None:
    check_replace(value, old, new, _int(count))


def _batch(value: Any, linecount: Any, fill_with: Any = None) -> None:  # noqa: ARG001
    check_size(_int(linecount) or 0, "a batch")


def _slice(value: Any, slices: Any, fill_with: Any = None) -> None:  # noqa: ARG001
    count = _int(slices) or 0
    check_size(count, "a list of slices")
    step(count)


def _join(value: Any, d: Any = "", attribute: Any = None) -> None:  # noqa: ARG001
    items = len(value) if isinstance(value, (list, tuple, str, range, dict)) else None
    if items is not None and isinstance(d, str):
        check_size(len(d) * max(items - 1, 0), "a joined string")


def _wordwrap(*args: Any, **kwargs: Any) -> None:
    """``wordwrap(s, width, break_long_words, wrapstring, ...)``: wrapstring repeats per line."""
    text = args[0] if args else None
    wrapstring = kwargs.get("wrapstring", args[3] if len(args) > 3 else None)
    if isinstance(text, str) and isinstance(wrapstring, str):
        check_size(len(text) * (len(wrapstring) + 1), "a wrapped string")


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    if isinstance(value, str):
        check_format_args(args or kwargs)
        check_percent_format(value, args)


def _tojson(value: Any, indent: Any = None) -> None:  # noqa: ARG001
    check_size(_int(indent) or 0, "a JSON indent")


def _string(value: Any) -> None:
    refuse_unprintable(value)


#: Filters whose arguments can ask for a huge result, and the check run before each.
FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": _center,
    "indent": _indent,
    "replace": _replace,
    "batch": _batch,
    "slice": _slice,
    "join": _join,
    "wordwrap": _wordwrap,
    "format": _format,
    "tojson": _tojson,
    "string": _string,
    "pprint": _string,
}


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` counted as a step, with its pre-check, and its result's size checked."""
    check = FILTER_CHECKS.get(name)
    # a filter marked pass_context, pass_eval_context or pass_environment gets that first
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)  # keeps jinja_pass_arg and the async variant marker
    def run(*args: Any, **kwargs: Any) -> Any:
        step()
        if check is not None:
            with contextlib.suppress(TypeError):  # wrong arguments: the filter raises Jinja's own error
                check(*args[skip:], **kwargs)
        return checked(func(*args, **kwargs))

    return run


def bounded_global(name: str, func: Callable[..., Any]) -> Shielded:
    """A Jinja global (``range``, ``lipsum``, ``cycler``...) with its check and a plain repr."""
    check = _lipsum if name == "lipsum" else None

    def run(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            with contextlib.suppress(TypeError):
                check(*args, **kwargs)
        return checked(func(*args, **kwargs))

    return Shielded(run, f"jinja global {name}")


def plain_repr(cls: type, label: str) -> type:
    """A subclass of ``cls`` that refuses to be printed (Jinja's cycler and joiner show addresses)."""

    def refuse(_self: Any) -> str:
        from jinja2.sandbox import SecurityError

        raise SecurityError(f"a {label} is an object, not a value: a template can only print data")

    return type(cls.__name__, (cls,), {"__repr__": refuse, "__str__": refuse, "__module__": __name__})


def concat(parts: tuple[Any, ...], markup: bool = False) -> str:
    """``a ~ b ~ c``: what Jinja's ``str_join`` does, with each part printable and the total bounded."""
    from jinja2.runtime import markup_join, str_join

    step()
    for part in parts:
        refuse_unprintable(part)
    texts = [p if isinstance(p, str) else str(p) for p in parts]
    check_size(sum(map(len, texts)), "a concatenated string")
    return markup_join(texts) if markup else str_join(texts)
