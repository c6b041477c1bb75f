"""Custom business actions, run by a standard Rasa action server:

    python -m rasa_sdk --actions actions -p 5055

Each action module is imported here explicitly; add new ones to this list.
"""
from actions.order_status import ActionOrderStatus

__all__ = ["ActionOrderStatus"]
