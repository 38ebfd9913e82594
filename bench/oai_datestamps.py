"""How far an OAI-PMH datestamp can tell which announcement a paper was in (issue 27).

    python bench/oai_datestamps.py [FEEDS_DIR]   # defaults to ../shared/corpus/feeds

For a past day there is no RSS feed to reconcile with; arXiv's OAI-PMH interface lists records by datestamp.
For each recorded record (`oai_*.xml`) this compares the header's datestamp with the paper's first version
(`created`, which decides its announcement) and its last one (`updated`), and says whether the datestamp falls
in the week after the first version, where it would have to be to witness that announcement. It writes
bench/results/oai_datestamps.json.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"


def records(path: Path) -> list[dict[str, object]]:
    out = []
    for record in ET.parse(path).getroot().iter(f"{OAI}record"):
        header = record.find(f"{OAI}header")
        meta = record.find(f".//{ARXIV}arXiv")
        if header is None or meta is None:
            continue
        stamp = date.fromisoformat(header.findtext(f"{OAI}datestamp", ""))
        created = date.fromisoformat(meta.findtext(f"{ARXIV}created", ""))
        updated_text = meta.findtext(f"{ARXIV}updated")
        updated = date.fromisoformat(updated_text) if updated_text else None
        out.append({
            "file": path.name, "id": meta.findtext(f"{ARXIV}id"), "datestamp": stamp.isoformat(),
            "created": created.isoformat(), "updated": updated.isoformat() if updated else None,
            "days_after_first_version": (stamp - created).days,
            "days_after_last_version": (stamp - updated).days if updated else None,
            "witnesses_first_announcement": 0 <= (stamp - created).days <= 7,
        })
    return out


def main() -> None:
    feeds = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "feeds"
    found = [r for path in sorted(feeds.glob("oai_*.xml")) for r in records(path)]
    summary = {
        "records": len(found),
        "datestamp_within_a_week_of_first_version": sum(1 for r in found if r["witnesses_first_announcement"]),
        "datestamp_after_a_later_version": sum(1 for r in found if r["updated"] and r["datestamp"] > r["created"]
                                               and r["datestamp"] >= r["updated"]),
        "note": "recorded responses from 2017-2018 (hepcrawl test fixtures); a handful of records, not a sample",
        "per_record": found,
    }
    target = ROOT / "bench" / "results" / "oai_datestamps.json"
    target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for r in found:
        print(f"{r['id']}: datestamp {r['datestamp']}, v1 {r['created']}, last version {r['updated']} "
              f"({r['days_after_first_version']} days after v1)")
    print(f"{summary['datestamp_within_a_week_of_first_version']} of {len(found)} datestamps within a week of v1")


if __name__ == "__main__":
    main()
