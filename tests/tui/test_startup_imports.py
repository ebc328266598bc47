"""The console draws its first frame before it loads the network stack.

Socket.IO, aiohttp and the client's transports were a quarter of the time to the first frame; the
app builds its client after that frame (see benchmarks/RESULTS.md, start-up). An eager import
anywhere on the way to the first frame would quietly undo that.
"""

import subprocess
import sys

HEAVY = ("socketio", "engineio", "aiohttp", "chat_console.client.operator")


def test_the_console_entry_point_imports_no_network_code() -> None:
    probe = (
        "import sys, chat_console.cli, chat_console.launch, chat_console.config;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


async def test_the_client_is_built_after_the_first_frame() -> None:
    from tests.tui.sample import store_app

    built: list[bool] = []

    class Idle:  # a client that never connects: only when it is built matters here
        async def start(self) -> None:
            pass

        async def stop(self) -> None:
            pass

    def factory(listener):  # type: ignore[no-untyped-def]
        built.append(True)
        return Idle()

    app = store_app(client_factory=factory)
    frames: list[bool] = []
    display = app._display

    def counted(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None and not frames:
            frames.append(bool(built))  # was the client built before the first frame?
        display(screen, renderable)

    app._display = counted  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert frames == [False] and built == [True]


def test_pillow_waits_for_the_first_image() -> None:
    """Pillow (its C core, TIFF and EXIF tables) was ~3 MB of every idle console's memory, with
    or without an image in its history; textual-image asks the terminal questions on import."""
    probe = (
        "import sys, chat_console.cli, chat_console.launch, chat_console.tui.app;"
        "print([m for m in ('PIL', 'textual_image') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_console_of_a_v4_server_never_loads_the_engineio3_client() -> None:
    """The "auto" probe needs the codec and one HTTP exchange, not the 2.x link's code."""
    probe = (
        "import sys, chat_console.launch, chat_console.client.factory,"
        " chat_console.client.operator, chat_console.client.transport_choice;"
        "print('chat_console.client.eio3.client' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
