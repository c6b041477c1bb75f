"""The store all workers share: the same behaviour in memory and in Redis, and two workers at once."""
from __future__ import annotations

import asyncio
import secrets

import aiohttp
import pytest

from bot.app import create_app
from connectors.dedupe_store import MemoryDedupeStore, RedisDedupeStore
from connectors.wechat_token import WeChatToken
from tests.connectors.wechat.conftest import WeChatSim, payload, stored, wechat_settings
from tests.connectors.wechat.fake_wechat_server import APP_ID, APP_SECRET
from tests.redis_keys import REDIS_URL, drop_keys, two_workers


@pytest.fixture
async def redis_stores():
    """Two connections with one private prefix: two workers sharing one Redis."""
    async with two_workers(lambda prefix: RedisDedupeStore(REDIS_URL, prefix)) as stores:
        yield stores


@pytest.fixture(params=["memory", "redis"])
async def store(request, redis_stores):
    if request.param == "memory":
        return MemoryDedupeStore()
    return redis_stores[0]


async def test_claim_succeeds_once(store) -> None:
    results = await asyncio.gather(*(store.claim("seen:1", ttl=60) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    await store.delete("seen:1")
    assert await store.claim("seen:1", ttl=60)


async def test_delete_if_only_deletes_the_expected_value(store) -> None:
    await store.set("token", "new")
    assert not await store.delete_if("token", "old")
    assert await store.get("token") == "new"
    assert await store.delete_if("token", "new")
    assert await store.get("token") is None


async def test_memory_keys_expire() -> None:
    now = [1000.0]
    store = MemoryDedupeStore(clock=lambda: now[0])
    await store.claim("k", ttl=10)
    now[0] += 11
    assert await store.get("k") is None and await store.claim("k", ttl=10)


async def test_redis_keys_carry_their_ttl(redis_stores) -> None:
    first, _ = redis_stores
    await first.claim("k", ttl=30)
    assert 0 < await first._redis.pttl(first._k("k")) <= 30_000


async def test_two_workers_fetch_one_access_token_and_refresh_it_once(redis_stores, fake_wechat) -> None:
    async with aiohttp.ClientSession() as http:
        await _two_workers_share_a_token(redis_stores, fake_wechat, http)


async def _two_workers_share_a_token(redis_stores, fake_wechat, http) -> None:
    url, params = f"{fake_wechat.url}/cgi-bin/token", {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    workers = [WeChatToken(s, lambda: http, url, params, "wechat:token:test") for s in redis_stores]
    tokens = await asyncio.gather(*(w.get() for w in workers for _ in range(3)))
    assert set(tokens) == {"ACCESS_TOKEN_1"} and fake_wechat.token_fetches == 1
    refreshed = await asyncio.gather(*(w.refresh("ACCESS_TOKEN_1") for w in workers))
    assert set(refreshed) == {"ACCESS_TOKEN_2"} and fake_wechat.token_fetches == 2


async def test_a_retry_storm_across_two_workers_is_answered_once(aiohttp_client, tmp_path, fake_wechat, action_server) -> None:
    # Two app processes' worth of channels on one database and one Redis; WeChat's retries hit both.
    env = {"KEFU_CHANNELS__SHARED_STORE_URL": REDIS_URL, "KEFU_CHANNELS__WECHAT__ENCRYPTION": "plain"}
    workers = []
    for _ in range(2):
        workers.append(await aiohttp_client(create_app(wechat_settings(tmp_path, fake_wechat, action_server.url, **env))))
    openid = f"o{secrets.token_hex(13)}"
    xml = payload("text.xml", MsgId=str(secrets.randbits(60)), FromUserName=openid)
    sims = [WeChatSim(w) for w in workers]
    responses = await asyncio.gather(sims[0].post_plain(xml), sims[1].post_plain(xml), sims[0].post_plain(xml))
    texts = [await r.text() for r in responses]
    assert sorted(t == "success" for t in texts) == [False, True, True]
    assert [r.author for r in await stored(workers[0])] == ["customer", "bot"]
    cleanup = RedisDedupeStore(REDIS_URL)
    keys = [k async for k in cleanup._redis.scan_iter(f"kefu:wechat:*{openid}*")]
    await cleanup._redis.delete(*keys)
    await cleanup.close()


async def test_two_deployments_on_one_redis_keep_their_dedupe_apart(aiohttp_client, tmp_path, fake_wechat, action_server) -> None:
    # cluster.redis_prefix separates deployments: a message id seen by one is new to the other
    prefixes = [f"kefu-test-{secrets.token_hex(6)}" for _ in range(2)]
    apps = []
    for prefix in prefixes:
        env = {"KEFU_CHANNELS__SHARED_STORE_URL": REDIS_URL, "KEFU_CHANNELS__WECHAT__ENCRYPTION": "plain",
               "KEFU_CLUSTER__REDIS_PREFIX": prefix}
        apps.append(await aiohttp_client(create_app(wechat_settings(tmp_path / prefix, fake_wechat, action_server.url, **env))))
    xml = payload("text.xml", MsgId=str(secrets.randbits(60)), FromUserName=f"o{secrets.token_hex(13)}")
    texts = [await (await WeChatSim(app).post_plain(xml)).text() for app in apps]
    assert "success" not in texts  # each deployment answered the message itself
    cleanup = RedisDedupeStore(REDIS_URL)
    for prefix in prefixes:
        assert [k async for k in cleanup._redis.scan_iter(f"{prefix}:wechat:*")]
        await drop_keys(cleanup._redis, f"{prefix}:*")
    await cleanup.close()
