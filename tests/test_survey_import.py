"""survey_import: list rows → records; checked facts applied, corrections logged, re-runs change nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from avi_atlas import pipeline, survey_import
from avi_atlas.loader import load_text
from avi_atlas.models import Paper

from .conftest import write

HEADER = "title\tarxiv_id\tpaper_url\tvenue_badge\tlist_date\tcode_url\thf_url\theadings\n"
V2A = "Audio-Visual Generation > Audio-Visual Cross-Modal Generation > Video-to-Audio Generation"
SEG = "Audio-Visual Perception > Audio-Visual Pixel Perception > Audio-Visual Segmentation"
DIFF = "Foundation Techniques > Generation-Centric Methods > Diffusion-based Generation"
DAY = dt.date(2026, 11, 26)


def tsv(tmp_path: Path, rows: list[list[str]]) -> Path:
    return write(tmp_path / "list.tsv", HEADER + "".join("\t".join(r) + "\n" for r in rows))


def checks(tmp_path: Path, items: list[dict]) -> Path:
    return write(tmp_path / "checks.jsonl", "".join(json.dumps(i) + "\n" for i in items))


ROWS = [
    # 1: unchecked → unverified record
    ["Foley magic: sounds for videos", "2501.00001", "https://arxiv.org/abs/2501.00001", "ISIT", "2025-01", "", "", V2A],
    # 2: checked; the list had the wrong id and venue
    ["Segment sounding things", "2503.01862", "https://arxiv.org/abs/2503.01862", "ICRA", "2025-03",
     "https://github.com/unrelated/repo", "", f"{SEG}; {DIFF}"],
    # 3: already in the catalog (by title): heading leaf merged in
    ["SegNet-AV: segmenting what sounds", "2305.00002", "", "arxiv", "2023-05", "", "", f"{SEG}; {DIFF}"],
    # 4: only a method heading
    ["Diffusion for everything", "", "https://example.org/blog", "arxiv", "", "", "", DIFF],
]
CHECKS = [
    {"row": 2, "status": "verified", "title": "SegSound: Segmenting Sounding Things", "authors": ["Ann Alpha", "Bo Beta"],
     "arxiv": "2406.00009", "date": "2024-06", "venue": "CVPR", "year": 2025, "code": "https://github.com/alpha/segsound",
     "modalities": {"input": ["audio", "video"], "output": ["image"]}, "summary": "Masks the pixels of what sounds.",
     "evidence": "https://arxiv.org/abs/2406.00009", "notes": "listed id is another paper"},
    {"row": 4, "status": "not-a-paper", "kind": "blog-post", "url": "https://example.org/blog", "title": "Diffusion for Everything",
     "evidence": "https://example.org/blog"},
]


@pytest.fixture
def imported(catalog: Path, tmp_path: Path):
    outcome = survey_import.run(tsv(tmp_path, ROWS), checks(tmp_path, CHECKS), catalog, DAY)
    survey_import.write(outcome, catalog)
    return outcome


def read(catalog: Path, rid: str) -> dict:
    doc, issues = load_text((catalog / f"papers/{rid}.yaml").read_text(), rid)
    assert not issues
    return doc.data


def test_every_row_is_matched_by_one_record(imported, catalog):
    assert [(n, rid, status) for n, _, rid, status in imported.rows] == [
        (1, "foley-magic", "unchecked"), (2, "segsound", "verified"), (3, "seg-net", "verified"),
        (4, "diffusion-everything", "not-a-paper")]
    _, report = pipeline.validate(catalog)
    assert report.ok, report.format()


def test_unchecked_row_keeps_only_title_and_placement(imported, catalog):
    assert read(catalog, "foley-magic") == {"title": "Foley magic: sounds for videos", "tasks": ["video-to-audio"],
                                            "unverified": True, "added": DAY}


def test_checked_row_takes_the_checked_facts(imported, catalog):
    rec = read(catalog, "segsound")
    assert rec["title"] == "SegSound: Segmenting Sounding Things" and rec["arxiv"] == "2406.00009"
    assert rec["tasks"] == ["av-segmentation"] and rec["methods"] == ["diffusion"]
    assert rec["venue"] == "CVPR" and rec["code"] == "https://github.com/alpha/segsound"
    Paper.model_validate(rec)


def test_existing_record_gains_heading_leaves_only(imported, catalog):
    rec = read(catalog, "seg-net")
    assert rec["methods"] == ["diffusion"] and rec["title"] == "SegNet-AV: Segmenting What Sounds"


def test_corrections_name_listed_and_corrected_values(imported, catalog):
    fixes = {(c["record"], c["field"]): (c["listed"], c["corrected"]) for c in imported.corrections}
    assert fixes[("segsound", "arxiv")] == ("2503.01862", "2406.00009")
    assert fixes[("segsound", "venue")] == ("ICRA", "CVPR")
    assert fixes[("segsound", "date")] == ("2025-03", "2024-06")
    assert fixes[("segsound", "code")] == ("https://github.com/unrelated/repo", "https://github.com/alpha/segsound")
    assert fixes[("seg-net", "title")] == ("SegNet-AV: segmenting what sounds", "SegNet-AV: Segmenting What Sounds")
    assert not any(r == "foley-magic" for r, _ in fixes), "unchecked rows are not 'corrected'"
    cat, _ = pipeline.validate(catalog)
    assert len(cat.corrections) == len(imported.corrections)
    log = (catalog / "provenance/survey-rows.tsv").read_text().splitlines()
    assert log[0] == "row\tlisted_title\trecord\tstatus" and len(log) == 5


def test_a_second_run_changes_nothing(imported, catalog, tmp_path):
    before = {p: p.read_bytes() for p in catalog.rglob("*") if p.is_file()}
    again = survey_import.run(tmp_path / "list.tsv", tmp_path / "checks.jsonl", catalog, DAY)
    assert again.created == {} and again.updated == {}
    survey_import.write(again, catalog)
    assert {p: p.read_bytes() for p in catalog.rglob("*") if p.is_file()} == before


def test_edits_to_imported_records_survive_a_re_run(imported, catalog, tmp_path):
    path = catalog / "papers/foley-magic.yaml"
    path.write_text(path.read_text().replace("unverified: true\n", "url: https://example.org/fm\n"))
    survey_import.write(survey_import.run(tmp_path / "list.tsv", tmp_path / "checks.jsonl", catalog, DAY), catalog)
    assert "url: https://example.org/fm" in path.read_text()


def test_unknown_heading_is_an_error(catalog, tmp_path):
    rows = [["X", "", "", "", "", "", "", "Audio-Visual Generation > Nope > Not A Leaf"]]
    with pytest.raises(ValueError, match="names no task leaf"):
        survey_import.run(tsv(tmp_path, rows), None, catalog, DAY)


@pytest.mark.parametrize("name, title, expected", [
    (None, "MMAudio: Taming Multimodal Joint Training", "mmaudio"),
    ("Qwen2.5-Omni", "Qwen2.5-Omni Technical Report", "qwen2-5-omni"),
    (None, "Look, listen and learn", "look-listen-learn"),
    (None, "Cooperative learning of audio and video models from self-supervised synchronization",
     "cooperative-learning-audio-video-models"),
    (None, "Frechet Audio Distance: a metric", "frechet-audio-distance"),
    (None, "Fréchet: ünïcode", "frechet"),
    ("π0", "π0: A Vision-Language-Action Flow Model", "pi0"),
    ("JavisDiT++", "JavisDiT++: Unified Modeling", "javisdit-pp"),
    (None, "Qwen3-Omni Technical Report", "qwen3-omni"),
    (None, "Claude 3.5 Sonnet Model Card Addendum", "claude-3-5-sonnet"),
])
def test_make_id(name, title, expected):
    assert survey_import.make_id(name, title, 2024, set()) == expected


def test_make_id_avoids_taken_ids():
    assert survey_import.make_id("AVQA", "AVQA: x", 2022, {"avqa"}) == "avqa-2022"
    assert survey_import.make_id("AVQA", "AVQA: x", 2022, {"avqa", "avqa-2022"}) == "avqa-2"


def test_dump_record_round_trips():
    rec = {"name": "X-1", "title": "X-1: Yes: No", "authors": ["A B", "Ö Ü"], "year": 2024, "date": "2024-01",
           "arxiv": "2401.00001", "tasks": ["video-to-audio"], "modalities": {"input": ["video"], "output": ["audio"]},
           "summary": "word " * 60, "added": DAY}
    doc, issues = load_text(survey_import.dump_record(rec), "x")
    assert not issues and doc.data == {**rec, "summary": ("word " * 60).strip()}


def test_invalid_checked_facts_are_refused_with_the_row(catalog, tmp_path):
    bad = [{"row": 2, "status": "verified", "title": "T", "arxiv": "2406.00009", "code": "javascript:alert(1)"}]
    with pytest.raises(ValueError, match=r"row 2 \(Segment sounding things\).*code"):
        survey_import.run(tsv(tmp_path, ROWS), checks(tmp_path, bad), catalog, DAY)


def test_a_placeholder_is_upgraded_when_its_row_is_checked(imported, catalog, tmp_path):
    later = CHECKS + [{"row": 1, "status": "verified", "title": "Foley Magic: Sounds for Videos", "authors": ["C D"],
                       "arxiv": "2501.00001", "date": "2025-01", "evidence": "https://arxiv.org/abs/2501.00001"}]
    outcome = survey_import.run(tmp_path / "list.tsv", checks(tmp_path, later), catalog, DAY)
    assert set(outcome.updated) == {"foley-magic"} and outcome.created == {}
    survey_import.write(outcome, catalog)
    rec = read(catalog, "foley-magic")
    assert rec["title"] == "Foley Magic: Sounds for Videos" and rec["authors"] == ["C D"]
    assert rec["tasks"] == ["video-to-audio"] and "unverified" not in rec
    assert ("foley-magic", "title") in {(c["record"], c["field"]) for c in outcome.corrections}


def test_correction_evidence_is_plain_text_within_the_logs_limit():
    from avi_atlas.survey_import import correction_rows

    row = {"title": "T", "arxiv_id": "", "venue_badge": "arxiv", "list_date": "", "code_url": ""}
    quoted = "owner/site:index.html@abc (page header: '<h1 class=\"venue\">ICLR 2026</h1>') " + "context " * 100
    [fix] = correction_rows(7, row, "t", {"title": "T", "venue": "ICLR"}, "https://example.org", "verified",
                            venue_evidence=quoted)
    assert fix["field"] == "venue" and fix["corrected"] == "ICLR"
    assert "<" not in fix["evidence"] and "ICLR 2026" in fix["evidence"]
    assert len(fix["evidence"]) <= 500 and fix["evidence"].startswith("owner/site:index.html@abc")
