"""The benchmarks' shared helpers (bench/common.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
from bench.common import (
    backend_cpu_seconds,
    bounded_map,
    machine_speed,
    process_cpu_seconds,
    server_settings,
)
from sqlalchemy.engine import make_url

from catalog.db import libpq_url


def test_server_settings_name_the_version_and_the_memory_the_figures_depend_on(
    server_url: str,
) -> None:
    settings = server_settings(server_url)

    assert settings["server_version"].split(".")[0].isdigit()
    assert settings["shared_buffers"].endswith(("kB", "MB", "GB"))
    assert settings["effective_cache_size"].endswith(("kB", "MB", "GB"))


def test_machine_speed_times_both_fixed_loops(server_url: str) -> None:
    speed = machine_speed(server_url)

    assert set(speed) == {"python_loop_ms", "postgresql_loop_ms"}
    assert all(ms > 0 for ms in speed.values())


def test_a_process_cpu_grows_with_work_and_is_zero_once_the_process_is_gone() -> None:
    before = process_cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass

    assert process_cpu_seconds(os.getpid()) >= before + 0.03
    assert process_cpu_seconds(2**22 + 1) == 0.0  # above the kernel's largest pid


def test_the_backends_serving_a_database_are_found_by_its_name(database_url: str) -> None:
    database = make_url(database_url).database
    assert database is not None
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 300000)").fetchone()
        pid = conn.info.backend_pid

        assert pid in backend_cpu_seconds(database)
        assert pid not in backend_cpu_seconds(database + "_other")


def test_bounded_map_answers_in_order_taking_at_most_ahead_items_beyond_those_answered() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for n in range(20):
            taken.append(n)
            yield n

    answered = []
    with ThreadPoolExecutor(2) as pool:
        for answer in bounded_map(pool, lambda n: n * n, items(), ahead=3):
            assert len(taken) <= len(answered) + 3
            answered.append(answer)

    assert answered == [n * n for n in range(20)]
