"""The analytics queries on SQLite and PostgreSQL against the seeded set, whose figures the test
works out on its own (expected.py)."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from bot.analytics import AnswerStats, DashboardReport, ReportFilter, Satisfaction, ServiceStats
from tests.analytics.expected import ATTRIBUTES, expected_figures
from tests.analytics.seed import CHANNELS, MISSED, RANGE_FROM, RANGE_TO, TZ, build_seed, insert_seed

TARGET = 90


@pytest.fixture
async def seeded(database):
    seed = build_seed()
    await insert_seed(database, seed)
    return database, seed


def week(channel: str | None = None) -> ReportFilter:
    query = {"from": RANGE_FROM, "to": RANGE_TO, "tz": TZ} | ({"channel": channel} if channel else {})
    return ReportFilter.parse(query, "UTC", CHANNELS)


@pytest.mark.parametrize("channel", [None, "wechat"])
async def test_volume_containment_and_handoffs(seeded, channel):
    db, seed = seeded
    want = expected_figures(seed, channel)
    stats = ServiceStats(db)
    volume = await stats.channel_volume(week(channel))
    assert volume == {ch: {k: counts[k] for k in ("conversations", "customer", "bot", "agent", "system")}
                      for ch, counts in want.channels.items()}
    containment = await stats.containment(week(channel))
    assert (containment.conversations, containment.contained) == (want.cohort, want.contained)
    assert containment.escalated == want.cohort - want.contained
    assert 0 < want.contained < want.cohort  # the seed really has both kinds
    assert await stats.handoff_reasons(week(channel)) == dict(want.reasons)


@pytest.mark.parametrize("channel", [None, "web"])
async def test_queue_waits_against_the_target(seeded, channel):
    db, seed = seeded
    want = expected_figures(seed, channel)
    waits = await ServiceStats(db).queue_waits(week(channel), TARGET)
    assert sorted(waits.waits) == sorted(want.waits)
    assert waits.unassigned == want.unassigned
    assert math.isclose(waits.p50, want.percentile(50)) and math.isclose(waits.p90, want.percentile(90))
    assert waits.within_target == sum(1 for w in want.waits if w <= TARGET)
    assert waits.within_target_share == waits.within_target / len(want.waits)


@pytest.mark.parametrize("channel", [None, "telegram"])
async def test_decisions_top_entries_and_unanswered(seeded, channel):
    db, seed = seeded
    want = expected_figures(seed, channel)
    answers = AnswerStats(db)
    assert await answers.decisions(week(channel)) == {d: want.decisions[d] for d in ("answer", "clarify", "no_answer")}
    top = await answers.top_entries(week(channel))
    assert {e.entry_id: e.answered for e in top} == dict(want.answered)
    assert [e.answered for e in top] == sorted((e.answered for e in top), reverse=True)
    for e in top:
        assert (e.helpful, e.not_helpful) == (want.votes[(e.entry_id, True)], want.votes[(e.entry_id, False)])
    groups = await answers.unanswered(week(channel))
    label = {text: group for text, group in MISSED}
    # Every wording of a group lands in one group, whatever its case, width, punctuation or phrasing.
    found = {label[g.representative]: (g.asked, g.customers) for g in groups}
    assert all(len({label[q] for q in g.questions}) == 1 for g in groups)
    assert found == want.unanswered
    assert [(g.customers, g.asked) for g in groups] == sorted(((g.customers, g.asked) for g in groups), reverse=True)


@pytest.mark.parametrize("channel", [None, "wechat"])
async def test_satisfaction_and_its_driver(seeded, channel):
    db, seed = seeded
    want = expected_figures(seed, channel)
    report = await Satisfaction(db).report(week(channel))
    assert report.count == len(want.all_scores)
    assert math.isclose(report.mean, sum(want.all_scores) / len(want.all_scores))
    for score in report.attributes:
        scores = want.ratings[score.attribute]
        assert score.count == len(scores) and math.isclose(score.mean, sum(scores) / len(scores))
        assert score.distribution == {s: scores.count(s) for s in range(1, 6)}
        expected_r = want.correlations[score.attribute]
        assert (score.r is None) == (expected_r is None)
        if expected_r is not None:
            assert math.isclose(score.r, expected_r, abs_tol=1e-9)
    assert [a.attribute for a in report.attributes] == list(ATTRIBUTES)
    assert report.driver == want.driver


async def test_the_report_counts_arrivals_by_local_day_and_hour(seeded):
    db, seed = seeded
    want = expected_figures(seed)
    report = await DashboardReport.build(db, week(), TARGET)
    heat = {(r["channel"], r["weekday"], r["hour"]): r["conversations"] for r in report.tables["heatmap"]}
    assert heat == dict(want.heatmap)
    daily = report.tables["daily"]
    assert {r["date"] for r in daily} == {f"2025-03-{d:02d}" for d in range(3, 10)}  # zeros kept: all 7 days
    assert {(r["date"], r["channel"]): r["conversations"] for r in daily if r["conversations"]} == dict(want.daily)
    summary = report.summary
    assert summary["conversations"] == sum(c["conversations"] for c in want.channels.values())
    assert summary["containment_rate"] == round(want.contained / want.cohort, 4)
    assert summary["wait_p90_seconds"] == round(want.percentile(90), 2)
    # The same week shown in UTC: the same conversations fall on other days and hours.
    same_week = {"from": f"{RANGE_FROM}T00:00:00+08:00", "to": f"{RANGE_TO}T00:00:00+08:00", "tz": "UTC"}
    utc = await DashboardReport.build(db, ReportFilter.parse(same_week, TZ, CHANNELS), TARGET)
    utc_heat = {(r["channel"], r["weekday"], r["hour"]): r["conversations"] for r in utc.tables["heatmap"]}
    assert utc_heat == dict(expected_figures(seed, tz="UTC").heatmap) and utc_heat != heat


async def test_an_empty_range_has_no_rates_rather_than_zero(database):
    f = ReportFilter.parse({"from": "2030-01-01", "to": "2030-01-02"}, "UTC", CHANNELS)
    report = await DashboardReport.build(database, f, TARGET)
    summary = report.summary
    assert summary["conversations"] == 0 and summary["containment_rate"] is None
    assert summary["wait_p50_seconds"] is None and summary["satisfaction_driver"] == ""
    assert report.tables["daily"] == [] and report.tables["heatmap"] == []
    assert f.start == datetime(2030, 1, 1, tzinfo=timezone.utc)
