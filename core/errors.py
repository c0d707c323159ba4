"""Domain errors that are not about one field: each carries its HTTP status.

Services raise these (or Django's ValidationError); the API exception handler
turns them into the one error shape, and web views into a page.
"""


class DomainError(Exception):
    status = 400
    code = "error"
    default_detail = "The request cannot be carried out."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.errors = errors or {}
        super().__init__(self.detail)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Gone(DomainError):
    status = 410
    code = "gone"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"
