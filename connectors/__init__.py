"""Channels: one module per messaging surface, registered explicitly here."""
from connectors.app_api import AppChannel
from connectors.channel import Channel, ChannelContext
from connectors.rest import RasaRestChannel
from connectors.telegram import TelegramChannel
from connectors.wechat import WeChatChannel
from connectors.wecom_kf import WeComKfChannel
from connectors.web import WebChannel

CHANNELS: dict[str, type[Channel]] = {
    "web": WebChannel,
    "rest": RasaRestChannel,
    "app": AppChannel,
    "telegram": TelegramChannel,
    "wechat": WeChatChannel,
    "wecom": WeComKfChannel,
}

__all__ = ["CHANNELS", "Channel", "ChannelContext", "AppChannel", "RasaRestChannel", "TelegramChannel", "WeChatChannel", "WeComKfChannel", "WebChannel"]
