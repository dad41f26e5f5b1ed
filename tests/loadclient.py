"""A scripted Streamlit browser for load tests: speaks the app's websocket protocol (/_stcore/stream, protobuf
BackMsg out, ForwardMsg in) the way the frontend does, without drawing anything.

One `StreamClient` is one app session: it connects, asks for a run of a page (by the page hashes the server's
navigation message lists) with a query string and widget values, and reads ForwardMsgs until the run ends,
recording exceptions, the page the server ran, and the address the app published for this session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

FINISHED = {  # the ScriptFinishedStatus values (ForwardMsg.proto)
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "early_for_rerun",
}


@dataclass
class RunResult:
    """What one script run sent back: its end status, exceptions shown, the page run and the address published."""

    status: str = ""
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)  # st.error boxes the page drew (the app's own error reports)
    page_hash: str = ""
    query: dict[str, str] | None = None  # the last address the app published in this run (None: it published none)
    widgets: dict[str, object] = field(default_factory=dict)  # user key → the widget element drawn with that key
    messages: int = 0
    seconds: float = 0.0


class StreamClient:
    """One scripted app session over the websocket (one thread each; not thread-safe). A context manager: the
    session lasts while the websocket is open, as a browser tab's does."""

    def __init__(self, base: str, *, timeout: float = 120.0) -> None:
        """Prepare a session on the app at `base` (http://host:port); `with` opens it, as a same-origin browser would."""
        url = urlparse(base)
        self.timeout = timeout
        self._connect = connect(f"ws://{url.netloc}/_stcore/stream", origin=base, subprotocols=["streamlit"],
                                max_size=None, open_timeout=30, compression="deflate",
                                ping_interval=None)  # a browser answers the server's pings but sends none
        self.ws = None
        self.pages: dict[str, str] = {}  # url path → page script hash (from the navigation message)
        self.default_page = ""
        self.session_id = ""
        # url path ("*": every page, e.g. the sidebar) → widget id → (value field, value), sent as the browser
        # sends the values of the widgets on the page it shows
        self.widget_values: dict[str, dict[str, tuple[str, str]]] = {}

    def __enter__(self) -> StreamClient:
        """Open the websocket (the server starts a session)."""
        self.ws = self._connect.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        """Close the websocket (the server then ends the session)."""
        self._connect.__exit__(*exc_info)

    def run(self, page: str = "", *, query: str = "") -> RunResult:
        """Ask for a run of the page at url path `page` ("" = the default) with address `query`, and read until it ends."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_name = page
        state.page_script_hash = self.pages.get(page, "") if page else ""
        chosen = {**self.widget_values.get("*", {}), **self.widget_values.get(page, {})}
        for widget_id, (kind, value) in chosen.items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            setattr(widget, kind, value)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"http://localhost/{page}"
        self.ws.send(msg.SerializeToString())
        return self._read_run()

    def set_selectbox(self, widget, label: str, *, page: str = "*") -> None:
        """Choose the option shown as `label` in selectbox `widget` (its element from a previous run) from the next run
        on, on the page at url path `page` ("*": a sidebar widget, on every page)."""
        if label not in widget.options:
            raise ValueError(f"{label!r} is not an option of {widget.id}")
        self.widget_values.setdefault(page, {})[widget.id] = ("string_value", label)

    def _read_run(self) -> RunResult:
        """Read ForwardMsgs until this run's script_finished (a run ended early for a rerun is read on)."""
        result = RunResult()
        start = time.monotonic()
        while True:
            remaining = self.timeout - (time.monotonic() - start)
            if remaining <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f} s")
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=remaining))
            result.messages += 1
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "navigation":
                nav = fwd.navigation
                self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
                self.default_page = next((p.url_pathname for p in nav.app_pages if p.is_default), "")
                result.page_hash = nav.page_script_hash
            elif kind == "page_info_changed":
                parsed = parse_qs(fwd.page_info_changed.query_string, keep_blank_values=True)
                result.query = {k: v[-1] for k, v in parsed.items()}
            elif kind == "page_not_found":
                result.exceptions.append(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    ex = element.exception
                    result.exceptions.append(f"{ex.type}: {ex.message}")
                elif which == "alert" and element.alert.format == Alert.ERROR:
                    result.error_alerts.append(element.alert.body[:200])
                elif which is not None:
                    widget = getattr(element, which)
                    widget_id = getattr(widget, "id", "")
                    if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):  # "$$ID-<hash>-<user key>"
                        result.widgets[widget_id.split("-", 2)[-1]] = widget
            elif kind == "script_finished":
                result.status = FINISHED.get(fwd.script_finished, str(fwd.script_finished))
                if result.status != "early_for_rerun":
                    result.seconds = time.monotonic() - start
                    return result
