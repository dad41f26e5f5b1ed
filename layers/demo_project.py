"""Former home of the demo project writer, kept so `layers.demo_project` imports work; see `layers.demo.project`."""

from __future__ import annotations

from layers.demo.project import DEMO_REGION, DEMO_YEAR, build_demo_project, default_demo_dir, ensure_demo

__all__ = ["DEMO_REGION", "DEMO_YEAR", "build_demo_project", "default_demo_dir", "ensure_demo"]
