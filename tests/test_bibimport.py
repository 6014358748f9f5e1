"""import-bib: a real-looking BibTeX export becomes clean records, plus one duplicate report."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from avi_atlas import bibimport, pipeline
from avi_atlas.loader import load_text

from .conftest import DATA, write

BIB = DATA / "bib" / "export.bib"


def test_import_gives_clean_records_and_one_duplicate_report(catalog: Path, cli):
    shutil.copy(BIB, "refs.bib")
    result = cli("import-bib", "refs.bib", "--task", "video-to-audio")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == ("refs.bib: duplicate: entry 'soundmaker-again' is already catalog/papers/sound-maker.yaml "
                      "(near-identical title); not written")
    assert sorted(out[1:]) == sorted([
        "wrote catalog/papers/look-listen-learn.yaml (from 'arandjelovic2017look')",
        "wrote catalog/papers/schone-klange.yaml (from 'mueller2024schoen')",
        "wrote catalog/papers/audio-visual-nunez-benchmark.yaml (from 'nunez2023')",
    ])
    look = load_text((catalog / "papers/look-listen-learn.yaml").read_text(), "x")[0].data
    assert look["title"] == "Look, Listen and Learn"
    assert look["authors"] == ["Relja Arandjelović", "Andrew Zisserman"]
    assert (look["venue"], look["year"], look["doi"]) == ("ICCV", 2017, "10.1109/ICCV.2017.73")
    schoen = load_text((catalog / "papers/schone-klange.yaml").read_text(), "x")[0].data
    assert schoen["title"] == "Schöne Klänge: Audio for Videos"
    assert schoen["authors"] == ["Jörg Müller", "Ana François"] or schoen["authors"][0] == "Jörg Müller"
    assert schoen["authors_complete"] is False and schoen["arxiv"] == "2401.01234" and "venue" not in schoen
    nunez = load_text((catalog / "papers/audio-visual-nunez-benchmark.yaml").read_text(), "x")[0].data
    assert nunez["title"] == "Áudio-Visual Nuñez Benchmark" and nunez["authors"] == ["José Núñez"]
    assert (nunez["arxiv"], nunez["venue"]) == ("2305.06789", "arXiv")
    assert cli("validate").exit_code == 0


def test_dry_run_writes_nothing(catalog: Path, cli):
    before = sorted(p.name for p in (catalog / "papers").iterdir())
    result = cli("import-bib", str(BIB), "--dry-run")
    assert result.exit_code == 0 and "would write catalog/papers/look-listen-learn.yaml" in result.stdout
    assert sorted(p.name for p in (catalog / "papers").iterdir()) == before


def test_duplicates_by_arxiv_doi_and_within_the_file(catalog: Path):
    cat, _ = pipeline.validate(catalog)
    text = ("@misc{a, title={Something else}, eprint={2403.00001}, archivePrefix={arXiv}}\n"
            "@misc{b, title={New one}, doi={https://doi.org/10.5555/Z}}\n"
            "@misc{c, title={Another}, doi={10.5555/z}}\n")
    out = bibimport.run(text, cat, [], [], dt.date(2026, 1, 1))
    assert [(d.key, d.other, d.reason) for d in out.duplicates] == [
        ("a", "sound-maker", "same arXiv id 2403.00001"), ("c", "entry b", "same DOI 10.5555/z")]
    assert list(out.keys.values()) == ["b"] and out.records["new-one"]["doi"] == "10.5555/Z"


@pytest.mark.parametrize("text, venue", [
    ("Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", "CVPR"),
    ("Advances in Neural Information Processing Systems", "NeurIPS"),
    ("ICASSP 2023 - 2023 IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)", "ICASSP"),
    ("Proceedings of the 28th ACM International Conference on Multimedia", "ACM MM"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "TPAMI"),
    ("Findings of the Association for Computational Linguistics: EMNLP 2023", "Findings of EMNLP"),
    ("Journal of Imaginary Results 2021", "Journal of Imaginary Results"),
])
def test_venue_spelling(text, venue):
    assert bibimport.venue_of(text) == venue


def test_broken_entries_are_reported_and_exit_1(catalog: Path, cli):
    write(Path("bad.bib"), "@misc{ok, title={Fine Title}, url={https://example.org/f}}\n@article{broken,\n  title = {Unclosed\n")
    result = cli("import-bib", "bad.bib", "--task", "video-to-audio")
    assert result.exit_code == 1 and "bad.bib: line 2: could not read this block" in result.stderr
    assert (catalog / "papers/fine-title.yaml").is_file()


def test_missing_file_is_a_usage_error(catalog: Path, cli):
    assert cli("import-bib", "nope.bib").exit_code == 2


def test_an_entry_without_any_identifier_is_not_written(catalog: Path, cli):
    write(Path("noid.bib"), "@inproceedings{x, title={Only A Title}, author={Doe, Jane}, booktitle={CVPR}, year={2024}}\n")
    result = cli("import-bib", "noid.bib", "--task", "video-to-audio")
    assert result.exit_code == 1
    assert "entry 'x' has no arXiv id, DOI or URL; not written" in result.stderr
    assert not (catalog / "papers/only-title.yaml").exists() and cli("validate").exit_code == 0
