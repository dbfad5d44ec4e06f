"""Benchmark of the Excel import stage: a 5,000-row office summary workbook (50 units, 350 feedback
problems, two measures a row, dated progress) imported into a fresh ``rectify init`` repository,
round and units created by the import. Prints wall time and peak memory of the import command.

    .venv/bin/python bench/excel_import.py [ROWS]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook


def workbook(path: Path, rows: int) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["县委巡察反馈问题整改情况汇总表"])
    ws.append(["序号", "被巡察单位", "反馈问题", "问题表现", "整改措施", "责任领导", "责任人", "完成时限", "整改进展",
               "完成情况", "备注"])
    for i in range(rows):
        u = i % 50
        ws.append([i + 1, f"县第{u}局", f"反馈问题{u}-{i % 7}", f"第{i}个问题的具体表现，情况较为突出", "1.清理台账\n2.建立制度",
                   f"领导{u}", f"股室甲 张{i}、股室乙 李{i}", "2026年11月30日", "2026年5月10日 已清理台账",
                   "整改中" if i % 3 else "已完成", "备注"])
    wb.save(path)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rectify = str(Path(sys.executable).with_name("rectify"))
    env = dict(os.environ, RECTIFY_NOW="2026-09-15T10:00:00+08:00")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        workbook(base / "big.xlsx", rows)
        subprocess.run([rectify, "init", str(base / "c")], check=True, env=env, capture_output=True)
        start = time.perf_counter()
        proc = subprocess.run([rectify, "import", str(base / "big.xlsx"), "--ledger", str(base / "c" / "ledger"),
                               "--round", "2026-R1", "--round-name", "县委第一轮巡察", "--feedback-date", "2026-03-01",
                               "--deadline", "2026-12-31", "--no-cache"], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr)
        print(f"import of {rows} rows: {wall:.1f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
