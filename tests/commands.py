"""Running a management command in a test as a shell would, to assert what its user sees."""

from django.core.management import ManagementUtility
from django.core.management import base as management_base


def cli(capsys, monkeypatch, *argv: str) -> tuple[int, str, str]:
    """``manage.py <argv>`` as a shell runs it: (exit status, standard output, standard error)."""
    monkeypatch.setattr(management_base.connections, "close_all", lambda: None)  # the test's own connection
    try:
        ManagementUtility(["manage.py", *argv]).execute()
        status = 0
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err
