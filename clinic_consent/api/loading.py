"""Load a route's object before anything else looks at the request.

flask-smorest parses the body before the view runs; without this, someone who may not see an
object would learn from a 422 that their body was wrong, instead of getting the 404 that the
web pages give. ``@loaded`` goes between ``@blp.route`` and ``@blp.arguments``: it runs the
access loader on the path's id first (404, logged), checks the role for a change (403), and
hands the view the object instead of the id. ``@clinicians_only`` does the role check alone,
for a change that names no object yet.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from clinic_consent import access

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def loaded(
    loader: Callable[[int], object], param: str, name: str, *, change: bool = False
) -> Callable[[ViewT], ViewT]:
    def decorator(view: ViewT) -> ViewT:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[name] = loader(kwargs.pop(param))
            if change:
                access.require_clinician()
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def clinicians_only(view: ViewT) -> ViewT:
    """A change that names no object yet (a new client, a new session): the role first (403)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        access.require_clinician()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
