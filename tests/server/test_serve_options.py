"""`serve --rate-limit` and `--admin-token`, as the fault tests and the chaos benchmark use them."""

from chat_console.cli import build_parser
from chat_console.server.main import _rate_limit
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, RateLimit


def test_rate_limit_default_custom_and_lifted() -> None:
    assert _rate_limit(None) == DEFAULT_RATE_LIMIT
    assert _rate_limit(10) == RateLimit(per_second=10, burst=40)
    lifted = _rate_limit(0)
    assert lifted.per_second >= 1e9 and lifted.burst >= 1e9


def test_serve_reads_both_options() -> None:
    args = build_parser().parse_args(["serve", "--rate-limit", "0", "--admin-token", "s"])
    assert (args.rate_limit, args.admin_token) == (0.0, "s")
    args = build_parser().parse_args(["serve"])
    assert (args.rate_limit, args.admin_token) == (None, None)
