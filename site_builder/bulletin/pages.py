"""Bulletin pages: a ``Bulletin`` rendered as a Markdown page, the archive of every week, and the
Atom feed; ``bulletin_pages`` plugs them (with the Word documents) into the site build.

Like ``render``, nothing here reads the disk or the clock: the same history gives the same bytes.
Ledger text goes through Jinja's autoescape inside HTML blocks, and newlines in it are folded so
that no text can end an HTML block and turn into Markdown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

from jinja2 import Environment, PackageLoader, StrictUndefined

from site_builder.ledger.audience import Redaction
from site_builder.bulletin.builder import Bulletin, BulletinBuilder
from site_builder.bulletin.figures import Changes
from site_builder.core import runner
from site_builder.ledger.cache import code_version, open_store
from site_builder.history.timeline import History
from site_builder.ledger.load import Ledger
from site_builder.core.messages import translate
from site_builder.core.outputs import front_title
from site_builder.bulletin.wording import long_date, reason_text, section_title, verdict

ATOM_NS = "http://www.w3.org/2005/Atom"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _oneline(text) -> str:
    return " ".join(str(text).split("\n"))


@lru_cache(maxsize=None)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("site_builder.bulletin", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["oneline"] = _oneline
    return env


def bulletin_markdown(b: Bulletin, lang: str = "zh", *, links: bool = False, internal: bool | None = None,
                      item_links: set[str] | frozenset = frozenset(), unit_links: set[str] | frozenset = frozenset()) -> str:
    """The bulletin as a Markdown page. ``links``: a site page (links to items, units and the .docx)."""
    internal = b.audience != "public" if internal is None else internal
    changes = [(kind, r) for kind in Changes.KINDS for r in getattr(b.changes, kind)]
    overdue_tables = [("bulletin.overdue_items", b.overdue_items, False),
                      ("bulletin.overdue_measures", b.overdue_measures, True),
                      ("bulletin.due_soon", b.due_soon, False)]
    title = translate("bulletin.page_title", lang, year=b.year, number=b.number, week=b.week)
    return _env().get_template("bulletin.md.j2").render(
        b=b, page_title=front_title(title), links=links, internal=internal, item_links=item_links,
        unit_links=unit_links, changes=changes, change_kinds=Changes.KINDS, overdue_tables=overdue_tables,
        action_total=sum(n for _, n in b.action_counts),
        t=lambda code, **kw: translate(code, lang, **kw), long=lambda d: long_date(d, lang),
        section=lambda n, code: section_title(n, code, lang), verdict=lambda r: verdict(r, lang),
        reason=lambda r: reason_text(r, lang))


@dataclass(frozen=True)
class Summary:
    """What the archive and the feed show of one week's bulletin (kept with the cached outputs)."""
    week: str
    year: int
    number: int
    start: dt.date
    end: dt.date
    issue_date: dt.date
    timezone: str
    rounds: tuple[tuple[str, str, float], ...]      # (round id, name, completion rate)
    cleared: int                                    # cleared this week
    overdue: int                                    # overdue items at the end of the week

    @classmethod
    def of(cls, b: Bulletin) -> "Summary":
        return cls(b.week, b.year, b.number, b.start, b.end, b.issue_date, b.timezone,
                   tuple((r.round_id, r.name, r.completion_rate) for r in b.rounds), b.cleared_this_week, b.overdue_total)

    def to_json(self) -> str:
        data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Summary":
        data = json.loads(text)
        for k in ("start", "end", "issue_date"):
            data[k] = dt.date.fromisoformat(data[k])
        data["rounds"] = tuple((rid, name, float(rate)) for rid, name, rate in data["rounds"])
        return cls(**data)


def archive_markdown(weeks: list[tuple[str, Summary | None]], ledger: Ledger, lang: str = "zh") -> str:
    """``bulletins/index.md``: one row per week, newest first, with the key figures."""
    names = {rid: r.name for rid, r in ledger.rounds.items()}
    for _, b in weeks:
        for rid, name, _ in (b.rounds if b else ()):
            names.setdefault(rid, name)
    present = {rid for _, b in weeks if b for rid, _, _ in b.rounds}
    rows = [{"week": w, "b": b, "completion": {rid: rate for rid, _, rate in b.rounds} if b else {}}
            for w, b in reversed(weeks)]
    return _env().get_template("bulletins_index.md.j2").render(
        page_title=front_title(translate("bulletin.archive_title", lang)), rows=rows,
        rounds=[(rid, _oneline(names[rid])) for rid in names if rid in present],
        t=lambda code, **kw: translate(code, lang, **kw))


def _stamp(day: dt.date, tz: str) -> str:
    from site_builder.bulletin.weeks import zone
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone(tz)).isoformat()


def _entry_id(organisation: str, week: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"rectify-bulletin:{organisation}:{week}"))


def feed_xml(bulletins: list[Summary], organisation: str, office: str, lang: str = "zh") -> bytes:
    """An Atom feed of the bulletins, newest first; links are relative to ``bulletins/``, and the
    only absolute URI is the Atom namespace. ``updated`` is an issue date, never the build time."""
    title = translate("bulletin.feed_title", lang, organisation=organisation)
    ordered = sorted(bulletins, key=lambda b: b.issue_date, reverse=True)
    updated = _stamp(ordered[0].issue_date, ordered[0].timezone) if ordered else "1970-01-01T00:00:00+00:00"
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="{ATOM_NS}" xml:lang="{"zh-CN" if lang == "zh" else "en"}">',
           f"  <title>{escape(title)}</title>",
           f"  <id>{_entry_id(organisation, 'feed')}</id>",
           f"  <updated>{updated}</updated>",
           '  <link rel="self" href="feed.xml"/>',
           '  <link rel="alternate" type="text/html" href="index.html"/>',
           f"  <author><name>{escape(office)}</name></author>"]
    for b in ordered:
        rounds = "".join(translate("bulletin.feed_round", lang, name=name, completion=rate) for _, name, rate in b.rounds)
        summary = translate("bulletin.feed_summary", lang, week=b.week, cleared=b.cleared, overdue=b.overdue, rounds=rounds)
        entry_title = translate("bulletin.page_title", lang, year=b.year, number=b.number, week=b.week)
        out += ["  <entry>",
                f"    <title>{escape(entry_title)}</title>",
                f"    <id>{_entry_id(organisation, b.week)}</id>",
                f"    <updated>{_stamp(b.issue_date, b.timezone)}</updated>",
                f'    <link rel="alternate" type="text/html" href={quoteattr(b.week + ".html")}/>',
                f'    <link rel="enclosure" type="{DOCX_TYPE}" href={quoteattr(b.week + ".docx")}/>',
                f"    <summary>{escape(summary)}</summary>",
                "  </entry>"]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")


# ---------------------------------------------------------------- the site

@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Everything a cached bulletin page depends on besides the history: the package's code (the
    store is emptied for other code anyway), the bulletin's templates and python-docx."""
    import docx
    digest = hashlib.sha1(code_version().encode() + getattr(docx, "__version__", "").encode())
    templates = Path(__file__).parent / "templates"
    for name in ("bulletin.md.j2", "bulletins_index.md.j2"):
        digest.update((templates / name).read_bytes())
    return digest.hexdigest()


class _Asked:
    """The ids a page may link to, noting every id the page asked about: a past week mentions few of
    today's items, and its page stays valid as long as those few are linked as before."""

    def __init__(self, ids):
        self.ids, self.asked = ids, set()

    def __contains__(self, value) -> bool:
        self.asked.add(value)
        return value in self.ids


def _links(asked: dict[str, list[str]], shown: Ledger) -> dict[str, list[str]]:
    """Of the ids a page asked about, those linked on the site of ``shown``."""
    return {"items": sorted(i for i in asked.get("items", ()) if i in shown.items),
            "units": sorted(u for u in asked.get("units", ()) if u in shown.units)}


class OutputStore:
    """Finished weekly pages (Markdown, Word, summary) kept next to the parse cache.

    A week's bulletin is fixed by the commit its notes were read at (every earlier commit is that
    commit's ancestry), the ledger's first commit, the time zone, audience, language and the code:
    those make the key, so a site rebuild only computes the weeks that a new commit can still
    change. Its page also links the items and units it names that the site has; each week keeps the
    ids it asked about and is taken back only while the same of them are linked, so a new item
    (which no past week names) leaves every past week as it was. Without a cache path it stores
    nothing."""

    def __init__(self, path: Path | None):
        self.db = None
        if path is None:
            return
        self.db = open_store(path, ("CREATE TABLE IF NOT EXISTS week (key TEXT PRIMARY KEY, md TEXT, docx BLOB,"
                                    " summary TEXT, asked TEXT)",))

    def get(self, key: str, shown: Ledger) -> tuple[str, bytes, Summary, dict] | None:
        """The week kept under ``key``, if the ids it asked about are linked on ``shown``'s site as
        they were when it was made."""
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT md, docx, summary, asked FROM week WHERE key = ?", (key,)).fetchone()
            if not row:
                return None
            asked = json.loads(row[3])
            if _links(asked["asked"], shown) != asked["linked"]:
                return None
            return row[0], bytes(row[1]), Summary.from_json(row[2]), asked["asked"]
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, md: str, docx: bytes, summary: Summary, asked: dict, shown: Ledger) -> None:
        if self.db is None:
            return
        kept = json.dumps({"asked": asked, "linked": _links(asked, shown)}, ensure_ascii=False)
        try:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO week VALUES (?, ?, ?, ?, ?)",
                                (key, md, docx, summary.to_json(), kept))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


#: weeks whose files are parsed in one batch: enough for the parse to go parallel, few enough that
#: a year of weekly ledgers is never in memory at once
PREFETCH_WEEKS = 8


#: below this many weeks to make, one process does them all
PARALLEL_WEEKS = 6

def _make_week(builder: BulletinBuilder, week: str, shown: Ledger, lang: str,
               batch: list[str]) -> tuple[str, bytes, Summary, dict] | None:
    """Page, Word document, summary and the ids the page asked to link of one week (None when its
    ledger did not load)."""
    from site_builder.bulletin.word import bulletin_docx
    if week in batch[::PREFETCH_WEEKS]:       # parse the next weeks' files in one batch
        at = batch.index(week)
        builder.prefetch(batch[at:at + PREFETCH_WEEKS])
    b, _ = builder.build(week)
    if b is None:
        return None
    items, units = _Asked(shown.items), _Asked(shown.units)
    md = bulletin_markdown(b, lang, links=True, item_links=items, unit_links=units)
    return md, bulletin_docx(b, lang), Summary.of(b), {"items": sorted(items.asked), "units": sorted(units.asked)}


def _week_worker(job: tuple, weeks: list[str]) -> list[tuple]:
    builder, shown, lang = job
    builder.history.cache.detach()
    out = []
    for week in weeks:
        made = _make_week(builder, week, shown, lang, weeks)
        out.append((week, None, None, None, None) if made is None else
                   (week, made[0], made[1], made[2].to_json(), made[3]))
    return out


def _make_weeks(builder: BulletinBuilder, weeks: list[str], shown: Ledger,
                lang: str) -> dict[str, tuple[str, bytes, Summary, dict] | None]:
    """The weeks' outputs. Many weeks are split into one run of consecutive weeks per core, each
    built in a worker process: a week's ledger mostly repeats the week before's, so a run parses
    each file version once, and only the first week of each run parses a whole ledger. The
    builder holds the open history, so workers are forked; where only spawn exists the weeks are
    made here."""
    workers = runner.worker_count(len(weeks) // PARALLEL_WEEKS, 2)
    if workers < 2 or runner.start_method() != "fork":
        return {week: _make_week(builder, week, shown, lang, weeks) for week in weeks}
    size = -(-len(weeks) // workers)
    runs = [weeks[k:k + size] for k in range(0, len(weeks), size)]
    results = runner.run(_week_worker, runs, job=(builder, shown, lang), workers=len(runs))
    # The workers keep their parses to themselves; parse (and store) here the files of the latest
    # week, which the next build, one commit later, will most likely have to make again.
    builder.prefetch(weeks[-1:])
    return {week: None if md is None else (md, docx, Summary.from_json(summary), asked)
            for run in results for week, md, docx, summary, asked in run}


def bulletin_pages(history: History, given: BulletinBuilder | None = None) -> Callable[..., dict[str, str | bytes]]:
    """An ``extra_pages`` callable for ``site.build_site``: the archive, one page and one Word
    document per week since the ledger's first commit (up to the last week complete at ``as_of``),
    and the feed. Weeks whose ledger did not load are listed without a page. Finished weeks are
    kept in an ``OutputStore`` beside the history's parse cache. ``given``: a builder made by the caller
    for this build's ledger and audience, to go on using its as-of ledgers afterwards."""

    def pages(shown: Ledger, full: Ledger, as_of: dt.date, lang: str, audience) -> dict[str, str | bytes]:
        aud = getattr(audience, "value", audience) or "internal"
        # every week is redacted by this build's ledger, the same redaction as its current pages
        builder = given or BulletinBuilder(history, full.settings, aud, Redaction.of(full))
        cache_path = getattr(history.cache, "path", None)
        store = OutputStore(cache_path.with_name("bulletins.sqlite") if cache_path else None)
        out: dict[str, str | bytes] = {}
        weeks: list[tuple[str, Summary | None]] = []
        try:
            plan = []
            for week in ([] if builder.problems else builder.weeks_until(as_of)):
                # the links a page makes are checked against this site's pages when it is read back
                key = builder.fingerprint(week, f"{aud}|{lang}|{_code_fingerprint()}")
                plan.append((week, key, store.get(key, shown) if key else None))
            missing = [week for week, _, hit in plan if hit is None]
            made = _make_weeks(builder, missing, shown, lang)
            for week, key, hit in plan:
                if hit is None:
                    hit = made[week]
                    if hit is None:
                        weeks.append((week, None))
                        continue
                    if key:
                        store.put(key, *hit, shown)
                out[f"bulletins/{week}.md"], out[f"bulletins/{week}.docx"] = hit[0], hit[1]
                weeks.append((week, hit[2]))
        finally:
            store.close()
        settings = full.settings
        out["bulletins/index.md"] = archive_markdown(weeks, full, lang)
        out["bulletins/feed.xml"] = feed_xml([b for _, b in weeks if b], settings.organisation if settings else "",
                                             settings.office if settings else "", lang)
        return out

    return pages
