"""Peak resident memory of this process, resettable between measured steps (Linux /proc)."""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["peak_rss_mb", "reset_peak_rss", "process_peak_rss_mb"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_before_resets = 0.0  # highest peak seen before any reset


def peak_rss_mb() -> float:
    """Peak resident set size since start or the last `reset_peak_rss()`, in MiB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux; never reset


def reset_peak_rss() -> bool:
    """Reset the peak to the current RSS (writes 5 to /proc/self/clear_refs); False where unsupported."""
    global _before_resets
    _before_resets = max(_before_resets, peak_rss_mb())
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def process_peak_rss_mb() -> float:
    """Peak resident set size of the whole process so far, resets notwithstanding, in MiB."""
    return max(_before_resets, peak_rss_mb())
