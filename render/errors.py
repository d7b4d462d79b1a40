"""Errors a user can fix: the CLI prints them as one line and exits with status 2."""


class UserError(Exception):
    """Bad input or an unusable environment; the message says what is wrong and what to do."""
