"""Who may log in: operators, customers and OAuth clients, built in or read from a TOML file."""

import hmac
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Role(StrEnum):
    OPERATOR = "operator"
    CUSTOMER = "customer"


class AccountsError(ValueError):
    """An accounts file that cannot be used; the text names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    password: str = field(repr=False)  # never shown, not even in a repr
    user_id: str
    full_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """A client_credentials client; it acts as the account with `user_id`."""

    client_id: str
    client_secret: str = field(repr=False)
    user_id: str


def _same(expected: str, presented: str) -> bool:
    """Constant-time comparison; `surrogatepass` because a JSON body can carry a lone surrogate."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), presented.encode("utf-8", "surrogatepass")
    )


class Accounts:
    def __init__(self, accounts: list[Account], clients: list[OAuthClient] | None = None) -> None:
        self._by_username = {a.username: a for a in accounts}
        self._by_user_id = {a.user_id: a for a in accounts}
        self._clients = {c.client_id: c for c in clients or []}
        for client in self._clients.values():
            if client.user_id not in self._by_user_id:
                raise AccountsError(
                    f"client {client.client_id!r} acts as unknown user_id {client.user_id!r}"
                )

    def check_password(self, username: str, password: str) -> Account | None:
        account = self._by_username.get(username)
        # Compare even for an unknown user so the timing does not tell which usernames exist.
        expected = account.password if account else "\0unknown"
        if _same(expected, password) and account:
            return account
        return None

    def check_client(self, client_id: str, client_secret: str) -> Account | None:
        client = self._clients.get(client_id)
        expected = client.client_secret if client else "\0unknown"
        if _same(expected, client_secret) and client:
            return self._by_user_id[client.user_id]
        return None

    def by_user_id(self, user_id: str) -> Account | None:
        return self._by_user_id.get(user_id)

    def operators(self) -> list[Account]:
        return [a for a in self._by_user_id.values() if a.role is Role.OPERATOR]

    def customers(self) -> list[Account]:
        return [a for a in self._by_user_id.values() if a.role is Role.CUSTOMER]

    def clients(self) -> list[OAuthClient]:
        return list(self._clients.values())


def demo_accounts() -> Accounts:
    """The built-in accounts used when no accounts file is given.

    The OAuth client `console`/`console-secret` acts as operator `op-1`.
    """
    op, cu = Role.OPERATOR, Role.CUSTOMER
    return Accounts(
        [
            Account("op1", "op1pass", "op-1", "Olivia Operator", op),
            Account("op2", "op2pass", "op-2", "Oscar Other", op),
            Account("cu1", "cu1pass", "cu-1", "Carl Customer", cu),
            Account("cu2", "cu2pass", "cu-2", "Cora Client", cu),
            Account("cu3", "cu3pass", "cu-3", "Cliff Caller", cu),
        ],
        [OAuthClient("console", "console-secret", "op-1")],
    )


_ACCOUNT_KEYS = ("username", "password", "user_id", "full_name")
_CLIENT_KEYS = ("client_id", "client_secret", "user_id")


def _strings(entry: Any, keys: tuple[str, ...], where: str) -> list[str]:
    if not isinstance(entry, dict):
        raise AccountsError(f"{where}: expected a table")
    values = []
    for key in keys:
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            raise AccountsError(f"{where}: {key!r} must be a non-empty string")
        values.append(value)
    return values


def _table_list(data: dict[str, Any], name: str) -> list[Any]:
    entries = data.get(name, [])
    if not isinstance(entries, list):
        raise AccountsError(f"[[{name}]] must be an array of tables")
    return entries


def parse_accounts(data: dict[str, Any]) -> Accounts:
    accounts: list[Account] = []
    for role, section in ((Role.OPERATOR, "operators"), (Role.CUSTOMER, "customers")):
        for index, entry in enumerate(_table_list(data, section), start=1):
            username, password, user_id, full_name = _strings(
                entry, _ACCOUNT_KEYS, f"{section} #{index}"
            )
            accounts.append(Account(username, password, user_id, full_name, role))
    if not accounts:
        raise AccountsError("no [[operators]] or [[customers]] defined")
    for attribute in ("username", "user_id"):
        seen: set[str] = set()
        for account in accounts:
            value = getattr(account, attribute)
            if value in seen:
                raise AccountsError(f"duplicate {attribute} {value!r}")
            seen.add(value)
    clients = [
        OAuthClient(*_strings(entry, _CLIENT_KEYS, f"clients #{index}"))
        for index, entry in enumerate(_table_list(data, "clients"), start=1)
    ]
    return Accounts(accounts, clients)


def load_accounts(path: str | Path) -> Accounts:
    """Read an accounts TOML file; every problem becomes an AccountsError naming the file."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        return parse_accounts(data)
    except OSError as error:
        raise AccountsError(f"{path}: cannot read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise AccountsError(f"{path}: not valid TOML ({error})") from None
    except AccountsError as error:
        raise AccountsError(f"{path}: {error}") from None
