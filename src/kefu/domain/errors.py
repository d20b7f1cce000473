"""Domain errors: a stable code plus parameters, turned into words at the edge."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every rule violation; `code` is stable, `params` fill the message."""

    code = "domain_error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class InvalidTransition(DomainError):
    code = "invalid_transition"


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one input row: what is wrong and where.

    A reason with figures in it (a limit, a date) also keeps its `template` and `params`,
    so a page can show it in the agent's language; `reason` is the English text."""

    field: str
    reason: str
    row: int | None = None
    value: str | None = None
    template: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def about(
        cls,
        field: str,
        template: str,
        *,
        row: int | None = None,
        value: str | None = None,
        **params: object,
    ) -> FieldError:
        words = {k: str(v) for k, v in params.items()}
        return cls(field, template.format(**words), row, value, template, tuple(words.items()))

    def describe(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        shown = f" (got {self.value!r})" if self.value is not None else ""
        return f"{where}field '{self.field}': {self.reason}{shown}"


class RowErrors(DomainError):
    """All field errors of one input row, raised by parsers so a row fails whole."""

    code = "invalid_row"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.describe() for e in errors))
        self.errors = errors
