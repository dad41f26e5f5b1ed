"""Published layers served as immutable, pre-compressed files (maps/serving.py, issue 13 item 1): the bytes
are the published ones, gzip only for a browser that takes it, names outside the published set go on to
Streamlit, and a browser holding the copy gets 304."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading

import pytest

from maps.publish import payload_name, publish_payload
from maps.serving import IMMUTABLE, PublishedLayers, accepts_gzip, layer_response

PAYLOAD = json.dumps({"type": "FeatureCollection", "features": [], "note": "宗地 " * 200}, ensure_ascii=False)


@pytest.fixture
def published(tmp_path):
    url = publish_payload(PAYLOAD, "parcels", folder=tmp_path)
    return tmp_path / "layers", url.rpartition("/")[2]


def test_publishing_writes_a_gzip_copy_of_the_same_bytes(published):
    folder, name = published
    assert name == payload_name("parcels", PAYLOAD)
    assert gzip.decompress((folder / f"{name}.gz").read_bytes()) == PAYLOAD.encode("utf-8")
    assert (folder / f"{name}.gz").stat().st_size < len(PAYLOAD.encode("utf-8")) / 5  # 200 repeats compress well


def test_a_copy_missing_from_an_older_publication_is_written_again(published):
    folder, name = published
    (folder / f"{name}.gz").unlink()
    publish_payload(PAYLOAD, "parcels", folder=folder.parent)
    assert gzip.decompress((folder / f"{name}.gz").read_bytes()) == PAYLOAD.encode("utf-8")


@pytest.mark.parametrize(("header", "takes"), [(b"gzip, deflate, br", True), (b"br;q=1.0, gzip;q=0.5", True),
                                               (b"*", True), (b"gzip;q=0", False), (b"identity", False), (None, False)])
def test_accept_encoding_is_read_with_its_weights(header, takes):
    assert accepts_gzip([] if header is None else [(b"Accept-Encoding", header)]) is takes


def test_a_layer_is_answered_immutable_and_compressed_only_when_asked(published):
    folder, name = published
    status, headers, body = layer_response(name, [(b"accept-encoding", b"gzip")], folder)
    fields = dict(headers)
    assert status == 200 and fields[b"cache-control"] == IMMUTABLE.encode() and fields[b"content-encoding"] == b"gzip"
    assert gzip.decompress(body) == PAYLOAD.encode("utf-8") and fields[b"content-length"] == str(len(body)).encode()
    status, headers, body = layer_response(name, [], folder)
    assert status == 200 and b"content-encoding" not in dict(headers) and body == PAYLOAD.encode("utf-8")
    assert dict(headers)[b"content-type"] == b"application/json"
    tag = fields[b"etag"]
    assert layer_response(name, [(b"accept-encoding", b"gzip"), (b"if-none-match", tag)], folder)[:3:2] == (304, b"")


@pytest.mark.parametrize("name", ["../landpark_launcher.py", "parcels-570d8e14.json", "parcels-570d8e14cdadf8dcbe11.json",
                                  "..%2Fsecret-570d8e14cdadf8dcbe11.json", "parcels-570d8e14cdadf8dcbe11.json.gz"])
def test_names_not_published_here_are_left_to_streamlit(published, name):
    folder, _ = published
    assert layer_response(name, [], folder) is None  # bad form, escaping the folder, or not there: Streamlit's 404


def _call(path: str, method: str = "GET", headers: list | None = None) -> tuple[list, list[str]]:
    """Run one request through PublishedLayers in front of an app that only notes what reached it."""
    sent: list = []
    passed: list[str] = []

    async def inner(scope, receive, send):
        passed.append(scope["path"])

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": path, "method": method, "headers": headers or []}
    # on a thread of its own: a browser test in the same worker may leave Playwright's loop running on this one
    worker = threading.Thread(target=asyncio.run, args=(PublishedLayers(inner)(scope, receive, send),))
    worker.start()
    worker.join(30)
    return sent, passed


def test_the_middleware_answers_published_layers_and_passes_everything_else_on(published, monkeypatch):
    folder, name = published
    monkeypatch.setenv("LANDPARK_STATIC_DIR", str(folder.parent))
    sent, passed = _call(f"/app/static/layers/{name}", headers=[(b"accept-encoding", b"gzip")])
    assert not passed and sent[0]["status"] == 200 and gzip.decompress(sent[1]["body"]) == PAYLOAD.encode("utf-8")
    sent, passed = _call(f"/app/static/layers/{name}", method="HEAD")
    assert not passed and sent[0]["status"] == 200 and sent[1]["body"] == b""
    for path in ("/app/static/vendor/leaflet/leaflet.js", "/_stcore/health", "/app/static/layers/nothing.json"):
        sent, passed = _call(path)
        assert passed == [path] and not sent
    sent, passed = _call(f"/app/static/layers/{name}", method="POST")
    assert passed and not sent
