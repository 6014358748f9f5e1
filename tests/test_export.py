"""export: the catalog as JSON, CSV, JSON Schemas, an Atom feed and BibTeX; all parse and agree."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from functools import partial

from avi_atlas import export, pipeline
from avi_atlas.models import KINDS

from .conftest import FIXTURE_CATALOG


@pytest.fixture(scope="module")
def cat():
    c, report = pipeline.validate(FIXTURE_CATALOG)
    assert report.ok
    return c


def test_catalog_json_has_every_record_with_links(cat):
    data = json.loads(export.catalog_json(cat))
    assert set(data["papers"]) == set(cat.papers) and set(data["metrics"]) == set(cat.metrics)
    sm = data["papers"]["sound-maker"]
    assert sm["url"] == "papers/sound-maker/" and sm["links"]["benchmarks"] == ["clips-v2a"]
    assert sm["added"] == "2026-11-01" and sm["modalities"] == {"input": ["video", "text"], "output": ["audio"]}
    assert data["papers"]["clips-paper"]["links"]["introduces"] == ["datasets/clips-100"]
    assert [n["id"] for n in data["taxonomy"]["tasks"]][:2] == ["perception", "pixel-perception"]


def test_csv_per_kind(cat):
    files = export.csv_files(cat)
    assert set(files) == {"papers.csv", "datasets.csv", "benchmarks.csv", "results.csv", "metrics.csv"}
    papers = list(csv.DictReader(io.StringIO(files["papers.csv"])))
    assert [p["id"] for p in papers] == sorted(cat.papers)
    sm = next(p for p in papers if p["id"] == "sound-maker")
    assert sm["authors"] == "Ada Example; Relja Exampleović" and sm["input"] == "video; text"
    results = list(csv.DictReader(io.StringIO(files["results.csv"])))
    assert len(results) == 3 and {r["source_where"] for r in results} == {"Table 1", "leaderboard, 2026-10-01"}


def test_json_schemas_validate_what_the_models_accept(cat):
    schemas = {name: json.loads(text) for name, text in export.json_schemas().items()}
    assert set(schemas) >= {f"{k[:-1]}.schema.json" for k in KINDS}
    paper = schemas["paper.schema.json"]
    assert paper["additionalProperties"] is False and "title" in paper["required"]
    assert paper["properties"]["authors"]["description"]


def test_atom_feed_is_well_formed_and_newest_first(cat):
    xml = export.atom_feed(cat, "https://example.org/atlas/")
    root = ET.fromstring(xml)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.find("a:id", ns).text for e in root.findall("a:entry", ns)]
    assert ids == ["tag:avi-atlas,2026:papers/seg-net", "tag:avi-atlas,2026:papers/sound-maker"]
    assert root.attrib["{http://www.w3.org/XML/1998/namespace}base"] == "https://example.org/atlas/"
    assert root.find("a:updated", ns).text == "2026-11-02T00:00:00Z"


def test_bibtex_bundle_skips_unverified(cat):
    text = export.bibtex_bundle(cat, list(cat.papers))
    assert text.count("@") == 3 and "@inproceedings{sound-maker," in text


def test_assemble_keeps_a_fragments_own_reads_apart_from_what_it_shares():
    from avi_atlas import tracking

    def make(rid):
        if rid == "y":
            return "b"
        for dep in (("ids", "papers"), ("f", "papers", "x", "title"), ("has", "papers", "x"), ("f", "papers", "y", "title")):
            tracking.read(dep)
        return "a"

    layout = ["[", export.Run("papers", ["x", "y"], make, ","), "]"]
    out = export.assemble(layout)
    assert out.data == b"[a,b]" and out.keys == "papers/x\npapers/y"
    assert list(out.spans) == [1, 2, 3, 4]
    assert out.shared == {("ids", "papers"), ("f", "papers", "y", "title")}  # x's own reads are its own
    assert out.deps() >= {("f", "papers", None, "*"), ("ids", "papers")}
    previous = export.Previous(b"[A,b]", out.keys, out.spans, frozenset(), out.skeleton, changed={("papers", "y")})
    kept = export.assemble(layout, previous)
    assert kept.data == b"[A,b]" and kept.shared == frozenset()  # a kept fragment is not made again


def test_a_layout_s_skeleton_tells_apart_what_its_text_does_not_show():
    def frag(kind, *ids, between=""):
        return export.Run(kind, list(ids), lambda rid: "", between)

    same = [["a", frag("papers", "x"), "b"], ["a", frag("papers", "x"), "b"]]
    assert export.skeleton(same[0]) == export.skeleton(same[1])
    others = [
        ["ab", frag("papers", "x")],
        ["ab", frag("papers", "x"), "c"],
        ["a", frag("papers", "x"), "bc"],  # the same characters, split otherwise
        ["a", "b", frag("papers", "x")],
        [frag("papers", "x"), "ab"],  # a fragment elsewhere
        ["ab", frag("papers", "xy")],
        ["ab", frag("paper", "sx")],  # the same characters in kind and id
        ["ab", frag("datasets", "x")],
        ["ab", frag("papers", "x"), frag("papers", "y")],
        ["ab", frag("papers", "y"), frag("papers", "x")],  # the same fragments in another order
        ["ab", frag("papers", "x", "y")],
        ["ab", frag("papers", "y", "x")],
        ["ab", frag("papers", "x", "y", between=",")],  # another text between the fragments
        ["ab", frag("papers", "x", "y", between=";")],
        ["ab", frag("papers")],  # a run of no records
        ["ab", frag("datasets")],
        ["ab"],
        ["papersx"],  # a fragment's key as literal text
        [],
    ]
    digests = [export.skeleton(layout) for layout in others]
    assert len(set(digests)) == len(others)


def _previous(out: "export.Assembled", changed: set) -> "export.Previous":
    return export.Previous(out.data, out.keys, out.spans, out.shared, out.skeleton, changed)


def test_an_update_patches_the_changed_fragments_into_the_previous_text():
    from avi_atlas import tracking

    texts = {rid: f"<{rid} é>" for rid in "abcde"}  # spans count bytes: é is two
    made = []

    def make(rid):
        made.append(rid)
        tracking.read(("f", "papers", rid, "title"))
        tracking.read(("f", "papers", "z", "title"))  # another record's field: shared
        return texts[rid]

    def layout(ids):
        return ["head\n", export.Run("papers", list(ids), make, ";\n"), ";\n", "tail"]

    first = export.assemble(layout("abcde"))
    texts["b"], texts["d"] = "<b grew longer: ≥ ü>", "<>"
    made.clear()
    patched = export.assemble(layout("abcde"), _previous(first, {("papers", "b"), ("papers", "d")}))
    assert sorted(made) == ["b", "d"]  # only the changed records' fragments are made
    clean = export.assemble(layout("abcde"))
    assert list(patched.spans) == list(clean.spans) and patched.keys == clean.keys
    assert patched.skeleton == clean.skeleton and patched.kinds == ("papers",)
    assert patched.shared == {("f", "papers", "z", "title")}
    assert patched.data == clean.data and patched.text() == "head\n" + "".join(texts[r] + ";\n" for r in "abcde") + "tail"
    data = patched.data
    assert [data[s:e].decode() for s, e in zip(patched.spans[::2], patched.spans[1::2])] == [texts[r] for r in "abcde"]
    # its parts are the previous file's bytes between the new fragments, not a copy of them
    old = [part for part in patched.parts if isinstance(part, memoryview)]
    assert len(patched.parts) == 5 and len(old) == 3 and all(part.obj is first.data for part in old)
    assert len(first.parts) == 1 and first.data is first.parts[0]
    # a record added: another skeleton, so the file is joined again, keeping the unchanged fragments' text
    texts["f"] = "<f ñ>"
    made.clear()
    grown = export.assemble(layout("abcdef"), _previous(patched, {("papers", "f")}))
    assert made == ["f"] and grown.data == export.assemble(layout("abcdef")).data
    assert list(grown.spans) == list(export.assemble(layout("abcdef")).spans)
    # literal text that changed (same records) is not patched over
    made.clear()
    relabelled = ["HEAD\n", *layout("abcdef")[1:]]
    assert export.assemble(relabelled, _previous(grown, set())).text().startswith("HEAD\n<a é>") and made == []


def test_a_patch_finds_each_changed_fragment_among_several_runs():
    # ids that begin like others (a key found must be a whole line), in runs of two kinds; few
    # changed records are found by searching the keys, many by a dict of them (export.FEW)
    ids = {"papers": [f"p{n}" for n in range(30)] + ["p"], "datasets": ["p1", "d", "d1"]}
    texts = {(kind, rid): f"{kind[0]}:{rid}" for kind, rid_list in ids.items() for rid in rid_list}

    def layout():
        return ["{", *(part for kind in ids for part in (export.Run(kind, ids[kind], partial(lambda k, r: texts[k, r], kind), ","), "|")), "}"]

    first = export.assemble(layout())
    cases = ([("papers", "p1")], [("datasets", "p1"), ("papers", "p"), ("datasets", "d1")],
             [("papers", f"p{n}") for n in range(1, 30)] + [("datasets", "d")],  # more than FEW
             [("papers", "p1"), ("papers", "gone")])  # a record the file does not hold
    assert len(cases[2]) > export.FEW
    for changed in cases:
        for kind, rid in changed:
            texts[kind, rid] = texts.get((kind, rid), "") + "+"
        patched = export.assemble(layout(), _previous(first, set(changed)))
        clean = export.assemble(layout())
        assert len(patched.parts) > 1  # patched, not joined again
        assert patched.data == clean.data and list(patched.spans) == list(clean.spans)
        first = clean
