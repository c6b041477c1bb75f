"""The `kefu` command line: help, configuration errors, and refusing unsafe combinations."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

KEFU = str(Path(sys.executable).parent / "kefu")


def _kefu(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([KEFU, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_every_command_has_help():
    for command in (["run"], ["chat"], ["kb"], ["kb", "import"], ["kb", "tune"], ["eval"], ["users", "add"]):
        result = _kefu(*command, "--help")
        assert result.returncode == 0, command
        assert "usage: kefu" in result.stdout


def test_a_wrong_config_key_fails_naming_it(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("server:\n  prot: 8080\n", encoding="utf-8")
    result = _kefu("-c", str(config), "kb", "list")
    assert result.returncode == 2
    assert "server.prot" in result.stderr


def test_secrets_in_the_config_file_are_refused(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("secrets:\n  app_token_secret: oops\n", encoding="utf-8")
    result = _kefu("-c", str(config), "kb", "list")
    assert result.returncode == 2 and "environment" in result.stderr


def test_several_workers_need_redis(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    result = _kefu("run", "--workers", "2", env=env | {"KEFU_SERVER__DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2 and "cluster.redis_url" in result.stderr


def test_users_add_never_takes_a_password_argument_and_needs_one(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")} | {"KEFU_SERVER__DATA_DIR": str(tmp_path)}
    missing = _kefu("users", "add", "li", "--role", "agent", "--password-env", "NOT_SET_ANYWHERE", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "NOT_SET_ANYWHERE" in missing.stderr
    short = _kefu("users", "add", "li", "--role", "agent", "--password-env", "PW", env=env | {"PW": "short"}, cwd=tmp_path)
    assert short.returncode == 1 and "10" in short.stderr
    ok = _kefu("users", "add", "li", "--role", "agent", "--password-env", "PW", env=env | {"PW": "long enough pw"}, cwd=tmp_path)
    assert ok.returncode == 0
    listed = _kefu("users", "list", env=env, cwd=tmp_path)
    assert "li\tagent" in listed.stdout and "long enough" not in listed.stdout
