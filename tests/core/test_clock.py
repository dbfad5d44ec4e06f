"""One clock: "today" is the date in the ledger's time zone, whatever the machine's zone.

The command line runs as a user's would, in a process of its own, with the machine's zone set by
``TZ`` and the instant by ``RECTIFY_NOW``, at instants around midnight in Beijing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ITEM_2, SETTINGS, write

ROOT = Path(__file__).resolve().parents[2]
NO_AS_OF = SETTINGS.replace("as_of: 2023-08-18\n", "")
# a progress report dated 19 August (Beijing), the day that starts at 2023-08-18T16:00Z
REPORTED_19TH = ITEM_2 + "  - {date: 2023-08-19, by: 东关镇, text: 已采购救生衣200件}\n"


def cli(tmp_path: Path, args: list[str], now: str, tz: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TZ=tz, RECTIFY_NOW=now, RECTIFY_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "site_builder.cli.main", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("tz", ["UTC", "Etc/GMT+12", "Asia/Shanghai"])
@pytest.mark.parametrize("now, beijing_day", [
    ("2023-08-18T15:59:00+00:00", "2023-08-18"),   # 23:59 in Beijing
    ("2023-08-18T16:00:00+00:00", "2023-08-19"),   # midnight in Beijing, 16:00 on the UTC runner
    ("2023-08-18T23:59:00+00:00", "2023-08-19"),   # 07:59 in Beijing, still the 18th in UTC and UTC-12
    ("2023-08-19T08:00:00+08:00", "2023-08-19"),
])
def test_today_is_the_beijing_day_on_any_machine(ledger_dir, tmp_path, tz, now, beijing_day):
    write(ledger_dir, "ledger.yaml", NO_AS_OF)
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", REPORTED_19TH)
    validate = cli(tmp_path, ["validate", "ledger", "--no-cache"], now, tz)
    if beijing_day == "2023-08-18":
        assert validate.returncode == 1
        assert "ledger/issues/2023-R2/2023-R2-002.yaml:18:12: 日期 2023-08-19 晚于今天（2023-08-18）。" in validate.stdout
    else:
        assert validate.returncode == 0, validate.stdout + validate.stderr
    status = cli(tmp_path, ["status", "ledger", "--no-cache"], now, tz)
    if validate.returncode == 0:
        assert f"（截至 {beijing_day}）" in status.stdout.splitlines()[0]


def test_the_ledger_time_zone_counts_not_beijing(ledger_dir, tmp_path):
    write(ledger_dir, "ledger.yaml", NO_AS_OF + "timezone: America/New_York\n")
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", REPORTED_19TH)
    # 08:00 on the 19th in Beijing is 20:00 on the 18th in New York
    late = cli(tmp_path, ["validate", "ledger", "--no-cache"], "2023-08-19T00:00:00+00:00", "UTC")
    assert late.returncode == 1
    assert "日期 2023-08-19 晚于今天（2023-08-18）。" in late.stdout
    assert cli(tmp_path, ["validate", "ledger", "--no-cache"], "2023-08-19T04:00:00+00:00", "Etc/GMT+12").returncode == 0


@pytest.mark.parametrize("tz", ["UTC", "Etc/GMT+12"])
def test_an_edit_is_dated_on_the_beijing_day(ledger_dir, tmp_path, tz):
    write(ledger_dir, "ledger.yaml", NO_AS_OF)
    made = cli(tmp_path, ["report", "2023-R2-002", "ledger", "--text", "已补齐", "--by", "东关镇"],
               "2023-08-18T17:30:00+00:00", tz)           # 01:30 on the 19th in Beijing
    assert made.returncode == 0, made.stdout + made.stderr
    text = (ledger_dir / "issues/2023-R2/2023-R2-002.yaml").read_text(encoding="utf-8")
    assert "{date: 2023-08-19, by: 东关镇, text: 已补齐}" in text or "date: 2023-08-19" in text, text
    assert cli(tmp_path, ["validate", "ledger", "--no-cache"], "2023-08-18T17:31:00+00:00", tz).returncode == 0
