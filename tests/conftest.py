import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regenerate-frames", action="store_true",
                     help="rewrite the stored control frames of the scene tests")
