"""The built-in demo intranet: the app's `--demo` default and the project's test server."""

from tray_app.demo.scenario import ScenarioError, load_scenario
from tray_app.demo.server import DemoIntranet, run
from tray_app.demo.store import InvalidChange, UnknownIntegration

__all__ = [
    "DemoIntranet",
    "InvalidChange",
    "ScenarioError",
    "UnknownIntegration",
    "load_scenario",
    "run",
]
