"""Every matching command's --json prints the JSON alone on standard output (log lines go to standard error),
and rank_order --orders-file reads a file as the importers read one (docs/matching.md)."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from creators.models import Creator
from tests.commands import cli
from tests.matching.test_rank_order_command import orders  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs_on_stdout(monkeypatch):
    """The log handler writes to the process's standard output, as marketplace.core.logs sets it up."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stdout)  # sys.stdout is capsys's here
    monkeypatch.setattr(root, "handlers", [handler])
    monkeypatch.setattr(root, "level", logging.INFO)
    return handler


@pytest.mark.parametrize(
    "argv",
    [
        lambda ids, order: ["rank_order", str(order), "--json"],
        lambda ids, order: ["search_product", "1004", "--json"],
        lambda ids, order: ["search_lookalike", "--ids", str(ids[0]), str(ids[1]), "--json"],
        lambda ids, order: ["search_content", "skincare", "--json"],
    ],
    ids=["rank_order", "search_product", "search_lookalike", "search_content"],
)
def test_json_output_is_the_json_alone(orders, logs_on_stdout, capsys, monkeypatch, argv):  # noqa: F811
    ids = list(Creator.objects.order_by("id").values_list("pk", flat=True)[:2])
    capsys.readouterr()

    status, out, _err = cli(capsys, monkeypatch, *argv(ids, orders[0].pk))

    assert status == 0
    json.loads(out)


def test_json_lines_of_an_orders_file_are_json_alone(orders, logs_on_stdout, tmp_path, capsys, monkeypatch):  # noqa: F811
    path = tmp_path / "orders.txt"
    path.write_text("\n".join(str(o.pk) for o in orders[:2]) + "\n")
    capsys.readouterr()

    status, out, _err = cli(capsys, monkeypatch, "rank_order", "--orders-file", str(path), "--json")

    assert status == 0
    assert [json.loads(line)["order"] for line in out.splitlines()] == [o.pk for o in orders[:2]]


def test_evaluate_matcher_logs_to_stderr_with_json(orders, logs_on_stdout, capsys, monkeypatch):  # noqa: F811
    capsys.readouterr()

    status, out, err = cli(capsys, monkeypatch, "evaluate_matcher", "--json")

    # No history here: refused after the snapshot is loaded, which logs; nothing of it on standard output.
    assert status == 1 and "no past orders" in err
    assert out == ""


def test_an_orders_file_with_a_bom_and_crlf_is_read(orders, tmp_path, capsys, monkeypatch):  # noqa: F811
    path = tmp_path / "orders.txt"
    path.write_bytes(b"\xef\xbb\xbf" + f"{orders[0].pk}\r\n{orders[1].pk}\r\n".encode())

    status, out, err = cli(capsys, monkeypatch, "rank_order", "--orders-file", str(path), "--json")

    assert status == 0, err
    assert [json.loads(line)["order"] for line in out.splitlines()] == [orders[0].pk, orders[1].pk]


def test_a_utf16_orders_file_is_refused_with_a_message(orders, tmp_path, capsys, monkeypatch):  # noqa: F811
    path = tmp_path / "orders.txt"
    path.write_bytes(f"{orders[0].pk}\n".encode("utf-16"))

    status, _out, err = cli(capsys, monkeypatch, "rank_order", "--orders-file", str(path))

    assert status == 1 and "The file is UTF-16; save it as CSV UTF-8." in err and "Traceback" not in err
