"""Starting the services: a failed start leaves no search process behind."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.services import start_services
from tests.conftest import make_settings


def children() -> set[int]:
    return {int(c) for task in Path("/proc/self/task").iterdir() for c in (task / "children").read_text().split()}


async def test_a_database_that_cannot_be_reached_leaves_no_search_process(tmp_path, monkeypatch):
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    before = children()
    settings = make_settings(tmp_path, KEFU_SERVER__SEARCH_PROCESS="true",
                             KEFU_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with pytest.raises(OSError):
        await start_services(settings)
    assert len(started) == 1  # it had started, while the database was being reached
    assert children() - before == set() and started[0].returncode is not None
