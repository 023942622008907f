"""Assertions shared by the Python client tests (e2e_web3.py, e2e_blob.py)."""


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")
