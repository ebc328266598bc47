"""Reading an event's positional arguments: every problem becomes a Refusal (an error ack)."""

from typing import Any

from pydantic import BaseModel, ValidationError

from chat_console.protocol.limits import id_problem
from chat_console.server.untrusted import has_surrogate


class Refusal(Exception):
    """A request the server turns down; the text is the error ack's words."""


def arg(args: tuple[Any, ...], index: int, default: Any = None) -> Any:
    return args[index] if len(args) > index else default


def an_id(value: Any, what: str) -> str:
    """A ticket, message or user id within the protocol's limits (protocol/limits.py)."""
    problem = id_problem(value, what)
    if problem is not None:
        raise Refusal(problem)
    if has_surrogate(value):
        raise Refusal(f"{what} holds a lone surrogate (not Unicode text)")
    return str(value)


def validated(value: Any, model_type: type[Any], what: str, **override: Any) -> Any:
    """`value` validated as `model_type` (with `override` fields forced), or a Refusal naming the
    fields that failed, never the payload itself."""
    if not isinstance(value, dict):
        raise Refusal(f"{what} must be an object")
    try:
        # The model makes its text storable (a lone surrogate becomes the visible `\ud800`).
        parsed = model_type.model_validate({**value, **override})
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) or what for e in error.errors()})
        raise Refusal(f"invalid {what}: {', '.join(fields)}") from None
    assert isinstance(parsed, BaseModel)
    return parsed


def status_code(value: Any, allowed: tuple[int, ...]) -> int:
    # bool is an int subclass: True must not pass for 1.
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise Refusal("bad status")
    return value
