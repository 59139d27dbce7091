"""The benchmarks' shared helpers (bench/common.py)."""

from __future__ import annotations

from bench.common import server_settings


def test_server_settings_name_the_version_and_the_memory_the_figures_depend_on(
    server_url: str,
) -> None:
    settings = server_settings(server_url)

    assert settings["server_version"].split(".")[0].isdigit()
    assert settings["shared_buffers"].endswith(("kB", "MB", "GB"))
    assert settings["effective_cache_size"].endswith(("kB", "MB", "GB"))
