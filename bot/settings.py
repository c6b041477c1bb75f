"""One typed, validated settings model: config.yml, then `KEFU_...` environment overrides.

Secrets never come from the file: they are read from the environment only (`Secrets`).
A wrong key or value raises `SettingsError` naming it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

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
    workers: int = Field(1, ge=1, le=64)  # processes sharing the port; more than 1 needs cluster.redis_url
    # How often each process checks for a newly published knowledge base (seconds).
    kb_refresh_seconds: float = Field(2.0, gt=0)
    # Where a reverse proxy terminates TLS and the widget is embedded on other sites.
    allowed_origins: list[str] = Field(default_factory=list)
    # Prometheus metrics at /metrics, without login (for a scraper on the internal network).
    metrics_enabled: bool = True
    # Search (encoder, indexes, intent head) in its own process, so web and search each have an
    # interpreter: ~1.4x the requests/s on 2 cores (docs/benchmarks.md). Off: one process.
    search_process: bool = True


class DatabaseSettings(_Section):
    # Empty: an SQLite file in the data directory. PostgreSQL: postgresql+asyncpg://...
    url: str = ""


class DialogueSettings(_Section):
    default_language: str = "zh"
    misses_before_offer: int = Field(2, ge=1)  # answers in a row that missed before a human is offered
    ask_feedback: bool = True
    # A conversation the bot holds closes after this many idle hours; the next message opens a new one.
    idle_close_hours: float = Field(24.0, gt=0)
    # A message that is (or briefly contains) one of these asks for a person.
    handoff_phrases: list[str] = Field(
        default_factory=lambda: [
            "人工", "转人工", "人工客服", "找客服", "找人工", "真人", "人工服务", "转接人工",
            "human", "agent", "real person", "talk to a human", "talk to a person", "speak to a person",
            "live agent", "human agent", "operator",
        ]
    )


class BusinessHours(_Section):
    timezone: str = "Asia/Shanghai"
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])  # 0 = Monday
    start: str = Field("09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field("21:00", pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


class HandoffSettings(_Section):
    routing: Literal["auto", "claim"] = "auto"  # auto: route to the least busy agent; claim: agents pick
    after_misses: int = Field(3, ge=0)  # hand off after this many misses in a row (0: never)
    wait_target_seconds: int = Field(90, ge=1)
    queue_update_seconds: int = Field(30, ge=5)
    # Entries of these categories go straight to a person (entries can also say `handoff: true`).
    categories: list[str] = Field(default_factory=lambda: ["complaint"])
    business_hours: BusinessHours | None = None  # none: agents may be reached at any time


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


class TelegramChannelSettings(_Section):
    enabled: bool = False
    mode: Literal["webhook", "polling"] = "webhook"  # polling: development without a public URL
    api_base_url: str = "https://api.telegram.org"  # a local Bot API server or a test fake
    webhook_path: str = "/webhooks/telegram"
    webhook_url: str = ""  # public https URL of webhook_path; when set, setWebhook runs at start
    poll_timeout_seconds: int = Field(30, ge=0, le=50)
    api_timeout_seconds: float = Field(5.0, gt=0)  # per Bot API call (PTB's default); a timeout is retried
    # Telegram's limits: about 1 message per second per chat and 30 per second overall.
    per_chat_interval_seconds: float = Field(1.0, ge=0)
    global_per_second: int = Field(30, ge=1)
    button_ttl_seconds: int = Field(7 * 24 * 3600, ge=60)


class WeChatChannelSettings(_Section):
    enabled: bool = False
    app_id: str = ""  # the Official Account's AppID (wx...); not secret
    encryption: Literal["plain", "compatible", "safe"] = "safe"  # as chosen in the WeChat console
    path: str = "/webhooks/wechat"
    api_base_url: str = "https://api.weixin.qq.com"
    reply_budget_seconds: float = Field(4.0, gt=0, lt=5)  # WeChat gives up after 5 s
    max_clock_skew_seconds: int = Field(300, ge=1)  # older signed requests are replays
    welcome_text: str = ""  # empty: the built-in greeting
    menu: dict[str, str] = Field(default_factory=dict)  # CLICK EventKey -> FAQ entry id
    handoff: Literal["console", "wechat_kf"] = "console"  # wechat_kf: WeChat's own multi-agent system
    kf_account: str = ""  # optional fixed WeChat kf account for transfer_customer_service
    reply_window_hours: int = Field(48, ge=1)
    api_timeout_seconds: float = Field(10.0, gt=0)  # per API call; a timed-out agent message is reported
    option_ttl_seconds: int = Field(24 * 3600, ge=60)  # how long "reply 1, 2, 3" choices stay valid


class WeComChannelSettings(_Section):
    enabled: bool = False
    corp_id: str = ""  # the WeCom corp id (ww...); not secret
    path: str = "/webhooks/wecom"
    api_base_url: str = "https://qyapi.weixin.qq.com"
    max_clock_skew_seconds: int = Field(300, ge=1)
    handoff: Literal["console", "wecom"] = "console"  # wecom: hand to WeCom servicers (service_state/trans)
    servicer_userid: str = ""  # with handoff=wecom: a servicer to assign (state 3); empty = queue (state 2)
    api_timeout_seconds: float = Field(10.0, gt=0)  # per API call (sync_msg, send_msg, ...)
    option_ttl_seconds: int = Field(24 * 3600, ge=60)


class ChannelsSettings(_Section):
    web: WebChannelSettings = WebChannelSettings()
    rest: RestChannelSettings = RestChannelSettings()
    app: AppChannelSettings = AppChannelSettings()
    telegram: TelegramChannelSettings = TelegramChannelSettings()
    wechat: WeChatChannelSettings = WeChatChannelSettings()
    wecom: WeComChannelSettings = WeComChannelSettings()
    # Dedupe keys, tokens, cursors and button keys shared by all workers: redis://host:6379/0.
    # Empty: kept in this process only (fine for one worker; several workers need Redis).
    shared_store_url: str = ""


class ClusterSettings(_Section):
    # Set when running several server processes: per-customer ordering, live delivery to the
    # process that holds a customer's or agent's socket, and channel dedupe go through Redis.
    redis_url: str = ""
    redis_prefix: str = Field("kefu", pattern=r"^[A-Za-z0-9_.-]{1,40}$")  # separates deployments on one Redis


class Secrets(_Section):
    """Read from the environment only."""

    app_token_secret: SecretStr | None = None  # KEFU_APP_TOKEN_SECRET
    session_secret: SecretStr | None = None  # KEFU_SESSION_SECRET
    telegram_token: SecretStr | None = None  # KEFU_TELEGRAM_TOKEN
    telegram_webhook_secret: SecretStr | None = None  # KEFU_TELEGRAM_WEBHOOK_SECRET
    wechat_token: SecretStr | None = None  # KEFU_WECHAT_TOKEN (signature token)
    wechat_aes_key: SecretStr | None = None  # KEFU_WECHAT_AES_KEY (EncodingAESKey)
    wechat_previous_aes_key: SecretStr | None = None  # KEFU_WECHAT_PREVIOUS_AES_KEY (during rotation)
    wechat_app_secret: SecretStr | None = None  # KEFU_WECHAT_APP_SECRET
    wecom_token: SecretStr | None = None  # KEFU_WECOM_TOKEN
    wecom_aes_key: SecretStr | None = None  # KEFU_WECOM_AES_KEY
    wecom_secret: SecretStr | None = None  # KEFU_WECOM_SECRET (the 微信客服 app secret)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "Secrets":
        values = {name: env[f"KEFU_{name.upper()}"] for name in cls.model_fields if f"KEFU_{name.upper()}" in env}
        return cls(**values)


class Settings(_Section):
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    dialogue: DialogueSettings = DialogueSettings()
    handoff: HandoffSettings = HandoffSettings()
    actions: ActionsSettings = ActionsSettings()
    channels: ChannelsSettings = ChannelsSettings()
    cluster: ClusterSettings = ClusterSettings()
    secrets: Secrets = Secrets()

    @property
    def shared_store_url(self) -> str:
        """Where channels keep dedupe keys and tokens: their own setting, else the cluster's Redis."""
        return self.channels.shared_store_url or self.cluster.redis_url

    @property
    def shared_store_prefix(self) -> str:
        """What every channel key in the shared store starts with: deployments on one Redis stay apart."""
        return f"{self.cluster.redis_prefix}:"

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
