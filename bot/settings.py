"""One typed, validated settings model: config.yml, then `KEFU_...` environment overrides.

Secrets never come from the file: they are read from the environment only (`Secrets`).
A wrong key or value raises `SettingsError` naming it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from knowledge.settings import KnowledgeSettings


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the key and what to do."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    data_dir: Path = Path("data")
    max_message_chars: int = Field(2000, ge=1)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Where a reverse proxy terminates TLS and the widget is embedded on other sites.
    allowed_origins: list[str] = Field(default_factory=list)


class DatabaseSettings(_Section):
    # Empty: an SQLite file in the data directory. PostgreSQL: postgresql+asyncpg://...
    url: str = ""


class DialogueSettings(_Section):
    default_language: str = "zh"
    misses_before_offer: int = Field(2, ge=1)  # answers in a row that missed before a human is offered
    ask_feedback: bool = True
    # A message that is (or briefly contains) one of these asks for a person.
    handoff_phrases: list[str] = Field(
        default_factory=lambda: [
            "人工", "转人工", "人工客服", "找客服", "找人工", "真人", "人工服务", "转接人工",
            "human", "agent", "real person", "talk to a human", "talk to a person", "speak to a person",
            "live agent", "human agent", "operator",
        ]
    )


class ActionsSettings(_Section):
    url: str = "http://127.0.0.1:5055/webhook"
    timeout_seconds: float = Field(3.0, gt=0)


class AppChannelSettings(_Section):
    enabled: bool = True
    token_max_age_seconds: int = Field(900, ge=30)


class WebChannelSettings(_Section):
    enabled: bool = True


class RestChannelSettings(_Section):
    enabled: bool = True


class ChannelsSettings(_Section):
    web: WebChannelSettings = WebChannelSettings()
    rest: RestChannelSettings = RestChannelSettings()
    app: AppChannelSettings = AppChannelSettings()


class Secrets(_Section):
    """Read from the environment only."""

    app_token_secret: SecretStr | None = None  # KEFU_APP_TOKEN_SECRET
    session_secret: SecretStr | None = None  # KEFU_SESSION_SECRET

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "Secrets":
        values = {name: env[f"KEFU_{name.upper()}"] for name in cls.model_fields if f"KEFU_{name.upper()}" in env}
        return cls(**values)


class Settings(_Section):
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    dialogue: DialogueSettings = DialogueSettings()
    actions: ActionsSettings = ActionsSettings()
    channels: ChannelsSettings = ChannelsSettings()
    secrets: Secrets = Secrets()

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{(self.server.data_dir / 'kefu.db').resolve()}"


_SECRET_ENV = {f"KEFU_{name.upper()}" for name in Secrets.model_fields}


def _apply_env(data: dict[str, Any], env: dict[str, str]) -> None:
    """`KEFU_SERVER__PORT=9000` sets server.port; `KEFU_DATABASE_URL` is a documented shortcut."""
    if "KEFU_DATABASE_URL" in env:
        data.setdefault("database", {})["url"] = env["KEFU_DATABASE_URL"]
    for key, value in env.items():
        if not key.startswith("KEFU_") or "__" not in key or key in _SECRET_ENV:
            continue
        path = key[len("KEFU_"):].lower().split("__")
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SettingsError(f"environment variable {key}: {part} is not a section")
        node[path[-1]] = yaml.safe_load(value) if value else value


def load_settings(path: str | Path | None = "config.yml", env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data: dict[str, Any] = {}
    if path is not None and Path(path).exists():
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path}: not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"{path}: the top level must be a mapping of sections")
        data = loaded or {}
    if "secrets" in data:
        raise SettingsError(f"{path}: 'secrets' may not be in the file; set KEFU_* environment variables instead")
    _apply_env(data, env)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise SettingsError(f"invalid configuration ({path}): {problems}") from None
    return settings.model_copy(update={"secrets": Secrets.from_env(env)})
