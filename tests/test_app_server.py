"""What the app's server runs on: Streamlit's server takes uvloop when it is installed (a dependency on Linux and
macOS), whose sockets send each response at once; on asyncio's own loop the server's listening socket (created
without IPPROTO_TCP) never gets TCP_NODELAY, and every response after the first on a kept-alive connection waited
for the browser's delayed ACK (~40 ms; `benchmarks.browser_bench` reports it as `static_file_ms`)."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not built for Windows")
def test_streamlit_runs_its_server_on_uvloop():
    import uvloop
    from streamlit.web import bootstrap

    factory = bootstrap._get_uvloop_loop_factory()  # how `streamlit run` picks its event loop
    assert factory is uvloop.new_event_loop
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
