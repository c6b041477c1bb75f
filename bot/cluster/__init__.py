"""Running several server processes: Redis relay for live delivery and cross-process locks."""
from bot.cluster.redis_keyed_lock import RedisKeyedLock
from bot.cluster.redis_relay import RedisRelay

__all__ = ["RedisKeyedLock", "RedisRelay"]
