"""The engine's one error type, in a module that imports nothing heavy (the command line catches
it before NumPy is even loaded)."""


class ParamError(ValueError):
    """A parameter value that is not allowed; str() is one line naming the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
