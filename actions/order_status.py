"""Example custom action: look up an order's status (demo data, deterministic).

Runs on a standard Rasa action server: `python -m rasa_sdk --actions actions -p 5055`.
Replies carry Chinese and English in one message. When the order has a delivery problem the
action asks for a person by uttering `custom={"handoff": {"reason": ...}}`; `bot.action_client`
turns that into `ActionResult.handoff_reason` (returning `ConversationPaused()` works too).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

__all__ = ["ActionOrderStatus", "find_order_number"]

# Order numbers are 6-20 digits; the look-arounds stop a longer number (a phone number,
# a tracking code) from yielding a 6-digit slice. \d also matches full-width digits (１２３４５６).
_ORDER_NUMBER = re.compile(r"(?<!\d)\d{6,20}(?!\d)")

# Demo statuses, chosen by the order number so the same order always answers the same.
_STATUSES = (
    ("待发货", "awaiting shipment"),
    ("已发货，运输中", "shipped and in transit"),
    ("已签收", "delivered"),
    ("配送异常", "delivery problem"),
)
_PROBLEM = 3
HANDOFF_REASON = "order_delivery_problem"


def find_order_number(text: str) -> str | None:
    """The first order number in `text`, as ASCII digits, or None."""
    match = _ORDER_NUMBER.search(text or "")
    if match is None:
        return None
    return "".join(str(int(char)) for char in match.group())


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        number = find_order_number(tracker.latest_message.get("text", "")) or tracker.get_slot("order_number")
        if not number:
            dispatcher.utter_message(
                text="请告诉我您的订单号（6 位以上数字，可在“我的订单”中找到）。\n"
                     "Please send your order number (6 or more digits, shown under “My orders”)."
            )
            return []
        index = int(number) % len(_STATUSES)
        zh, en = _STATUSES[index]
        if index == _PROBLEM:
            dispatcher.utter_message(
                text=f"订单 {number}：{zh}，正在为您转接人工客服。\n"
                     f"Order {number}: {en}; connecting you to a person.",
                json_message={"handoff": {"reason": HANDOFF_REASON}},
            )
        else:
            dispatcher.utter_message(text=f"订单 {number}：{zh}。\nOrder {number}: {en}.")
        return [SlotSet("order_number", number)]
