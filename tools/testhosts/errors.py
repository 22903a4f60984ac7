"""The one error type the command turns into a one-line message."""


class TesthostsError(Exception):
    """A foreseeable failure: the message says what is wrong and what to do."""

    __test__ = False  # its name starts with "Test"; it is not a pytest test class
