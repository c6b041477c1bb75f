"""Service analytics over the conversation tables: volume, containment, handoffs, answers,
satisfaction and queue waits for a date range and channel (the dashboard's figures)."""
from bot.analytics.answer_stats import AnswerStats, EntryUse
from bot.analytics.dashboard_report import TABLES, DashboardReport
from bot.analytics.report_filter import FilterError, ReportFilter
from bot.analytics.satisfaction import AttributeScore, Satisfaction, SatisfactionReport
from bot.analytics.service_stats import Containment, QueueWaits, ServiceStats

__all__ = [
    "AnswerStats", "AttributeScore", "Containment", "DashboardReport", "EntryUse", "FilterError", "QueueWaits",
    "ReportFilter", "Satisfaction", "SatisfactionReport", "ServiceStats", "TABLES",
]
