"""spatial/allocator.py: the arena limit is set once, before worker threads, and yields to the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = "from spatial.allocator import limit_arenas; print(limit_arenas(), limit_arenas())"


def _run(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env_extra
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_set_once_on_glibc_and_never_over_the_environment():
    assert _run({}) == "True False"  # set, then a second call leaves it
    assert _run({"MALLOC_ARENA_MAX": "4"}) == "False False"  # the environment's choice stands
