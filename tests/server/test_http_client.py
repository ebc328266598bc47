"""The simulated peers' token call against a token endpoint that is not one."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from chat_console.simulate.http_client import TokenRefused, password_grant


@pytest.fixture
async def html_proxy() -> AsyncIterator[str]:
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/oauth/token", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_an_html_error_page_is_a_refusal_not_a_traceback(html_proxy: str) -> None:
    with pytest.raises(TokenRefused, match="HTTP 502") as refused:
        await password_grant(html_proxy, "cu1", "cu1pass")
    assert "cu1pass" not in str(refused.value)
