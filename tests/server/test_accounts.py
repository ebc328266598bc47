"""Accounts: the built-in demo set, TOML files, and clear errors for bad files."""

import argparse
from pathlib import Path

import aiohttp
import pytest

from chat_console.server.accounts import AccountsError, Role, demo_accounts, load_accounts
from chat_console.server.main import serve
from chat_console.server.runner import running_server
from tests.helpers import fetch_token, whoami

GOOD = """
[[operators]]
username = "alice"
password = "s3cret"
user_id = "op-a"
full_name = "Alice Admin"

[[customers]]
username = "bob"
password = "hunter2"
user_id = "cu-b"
full_name = "Bob Buyer"

[[clients]]
client_id = "bot"
client_secret = "bot-secret"
user_id = "op-a"
"""


def test_demo_accounts() -> None:
    accounts = demo_accounts()
    assert [a.user_id for a in accounts.operators()] == ["op-1", "op-2"]
    assert [a.user_id for a in accounts.customers()] == ["cu-1", "cu-2", "cu-3"]
    op1 = accounts.check_password("op1", "op1pass")
    assert op1 is not None and op1.full_name == "Olivia Operator" and op1.role is Role.OPERATOR
    assert accounts.check_password("op1", "op2pass") is None
    assert accounts.check_password("ghost", "op1pass") is None
    client = accounts.check_client("console", "console-secret")
    assert client is not None and client.user_id == "op-1"
    assert "op1pass" not in repr(op1)


async def test_a_file_replaces_the_demo_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(GOOD)
    async with running_server(accounts=load_accounts(path)) as server:
        assert await whoami(server.url, await fetch_token(server.url, "bob", "hunter2")) == "cu-b"
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await fetch_token(server.url, "op1", "op1pass")
        assert refused.value.status == 400


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[operators]\n", "not valid TOML"),
        ("", "no [[operators]] or [[customers]] defined"),
        ('operators = "x"', "[[operators]] must be an array of tables"),
        ('[[operators]]\nusername = "a"\n', "operators #1: 'password' must be a non-empty string"),
        (GOOD.replace('user_id = "cu-b"', 'user_id = "op-a"'), "duplicate user_id 'op-a'"),
        ("[[customers]]\nusername = 1\n", "customers #1: 'username' must be a non-empty string"),
        (GOOD + '\n[[clients]]\nclient_id = "x"\nclient_secret = "y"\nuser_id = "zz"\n',
         "client 'x' acts as unknown user_id 'zz'"),
    ],
    ids=["toml", "empty", "not-array", "missing-key", "duplicate", "not-a-string", "bad-client"],
)  # fmt: skip
def test_bad_accounts_files_name_the_file_and_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    with pytest.raises(AccountsError) as error:
        load_accounts(path)
    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AccountsError, match="cannot read"):
        load_accounts(tmp_path / "absent.toml")


def test_serve_with_a_bad_accounts_file_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text("[[customers]]\n")
    args = argparse.Namespace(host="127.0.0.1", port=0, db=None, accounts=str(path))
    assert serve(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("chat-console serve: error: ") and str(path) in err
    assert "Traceback" not in err
