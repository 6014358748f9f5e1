"""render: the Markdown filter's plain-text path writes exactly what markdown-it writes."""

from __future__ import annotations

import os
import types

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from avi_atlas import render

from .conftest import FIXTURE_CATALOG, REPO

# every character that means something to CommonMark, with words, digits, spaces and line breaks
ALPHABET = st.sampled_from(list("ab z09.)\"'\\`*_[]<>&!#>+=|~-:/\n\t\r\x00\x0b é—") + ["  ", "\n\n", "1. ", "- ", "    "])


def markdown_it(text: str) -> str:
    return render._markdown().render(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_any_text_renders_as_markdown_it_renders_it(text: str):
    assert str(render.markdown(text)) == (markdown_it(text) if text else "")


def test_every_summary_and_description_in_the_catalog_renders_as_markdown_it_renders_it():
    texts = []
    for path in sorted((REPO / "catalog").glob("*/*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [value for key, value in record.items() if isinstance(value, str) and key in
                  ("summary", "definition", "caveats", "protocol", "description")]
    assert len(texts) > 500
    assert [str(render.markdown(t)) for t in texts] == [markdown_it(t) for t in texts]


def test_plain_text_takes_the_short_path_and_markup_the_parser(monkeypatch):
    parsed = []
    monkeypatch.setattr(render, "_markdown", lambda: type("P", (), {"render": lambda self, t: parsed.append(t) or ""})())
    render.markdown('A "plain" summary of a paper.\nOn two lines.')
    assert parsed == []
    for text in ("Some *emphasis*.", "A [link](https://x.org).", "# Heading", "1. a list", "a\n\nb", "a  \nb"):
        render.markdown(text)
    assert len(parsed) == 6


def test_template_calls_take_the_short_path_only_where_jinja_would_pass_nothing(tmp_path):
    """render._Context calls a plain function directly; a callable that asks for the context or
    environment, a macro, and a function raising StopIteration behave as in Jinja's own path."""
    import jinja2

    (tmp_path / "t.html").write_text(
        "{% macro m(x) %}<{{ x }}>{% endmacro %}"
        "{% for i in [1, 2] %}{{ plain(i) }} {{ bound(i) }} {{ ctx() }} {{ env_name() }} {{ m(i) }}"
        " {{ stop() is undefined }} {{ builtin([i, 3]) }} {{ marked(i) }} {{ wrapped(i) }} {{ dict_get(i) }}|{% endfor %}"
        "{% block b %}{{ plain('&') }}{{ ctx() }}{% endblock %}")

    class Box:
        def twice(self, i):
            return i * 2

        @jinja2.pass_context
        def marked(self, c, i):  # a method that asks for the context
            return f"{c['who']}{i}"

    class Marked:  # a callable that is not a function, marked on its class
        jinja_pass_arg = jinja2.utils._PassArg.context

        def __call__(self, owner, c, i):
            return f"w{c['who']}{i}"

    def stop():
        raise StopIteration

    context = dict(plain=lambda x: f"p{x}", bound=Box().twice, ctx=jinja2.pass_context(lambda c: c["who"]),
                   env_name=jinja2.pass_environment(lambda e: type(e).__name__), stop=stop, builtin=max, who="me",
                   marked=Box().marked, wrapped=types.MethodType(Marked(), Box()), dict_get={1: "one"}.get)
    ours = render.environment(str(tmp_path))
    assert ours.context_class is render._Context
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True)
    expected = plain.get_template("t.html").render(**context)
    assert ours.get_template("t.html").render(**context) == expected
    assert "p1 2 me Environment <1> True 3 me1 wme1 one|p2 4 me Environment <2> True 3 me2 wme2 None|p&amp;me" == expected


def test_the_programs_templates_are_compiled_once_and_never_served_stale(tmp_path, monkeypatch):
    """The program's templates are kept compiled beside its own compiled modules: a second run
    renders them without Jinja's compiler; an edited template, a damaged file and a folder that
    cannot be written still render what the template says; other folders are not kept."""
    import jinja2

    templates, compiled = tmp_path / "templates", tmp_path / "compiled"
    templates.mkdir()
    (templates / "t.html").write_text("<p>{% if x %}<b>{{ x }}</b>{% endif %}</p>\n")
    monkeypatch.setattr(render, "templates_dir", lambda: templates)
    monkeypatch.setattr(render, "compiled_templates_dir", lambda: compiled)
    monkeypatch.setattr(render.sys, "dont_write_bytecode", False)  # (as without PYTHONDONTWRITEBYTECODE)
    real_compile = jinja2.Environment.compile
    compiled_now = []
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *a, **k: compiled_now.append(a[1] if len(a) > 1 else k.get("name")) or real_compile(self, *a, **k))

    def run(**context) -> str:  # as a new process: a new environment
        render.environment.cache_clear()
        compiled_now.clear()
        return render.environment(str(templates)).get_template("t.html").render(**context)

    try:
        assert run(x="a&b") == "<p><b>a&amp;b</b></p>\n" and compiled_now == ["t.html"]
        assert len(list(compiled.iterdir())) == 1
        assert run(x="c") == "<p><b>c</b></p>\n" and compiled_now == []  # taken as compiled
        (templates / "t.html").write_text("<i>{{ x }}</i>\n")  # edited: compiled again
        assert run(x="d") == "<i>d</i>\n" and compiled_now == ["t.html"]
        assert run(x="e") == "<i>e</i>\n" and compiled_now == []
        for kept in compiled.iterdir():  # damaged
            kept.write_bytes(kept.read_bytes()[:40])
        assert run(x="f") == "<i>f</i>\n" and compiled_now == ["t.html"]
        assert run(x="g") == "<i>g</i>\n" and compiled_now == []  # and written again
        for kept in compiled.iterdir():
            kept.write_bytes(b"not a compiled template")
        assert run(x="h") == "<i>h</i>\n" and compiled_now == ["t.html"]
        monkeypatch.setattr(render, "compiled_templates_dir", lambda: tmp_path / "file" / "below")
        (tmp_path / "file").write_text("a file where a folder would go")  # cannot be written: still renders
        assert run(x="i") == "<i>i</i>\n" and compiled_now == ["t.html"]
        other = tmp_path / "other"
        other.mkdir()
        (other / "t.html").write_text("{{ x }}")
        render.environment.cache_clear()
        assert render.environment(str(other)).bytecode_cache is None  # not the program's templates
        monkeypatch.setattr(render.sys, "dont_write_bytecode", True)  # python -B: nothing written
        monkeypatch.setattr(render, "compiled_templates_dir", lambda: tmp_path / "unwritten")
        assert run(x="j") == "<i>j</i>\n" and not (tmp_path / "unwritten").exists()
    finally:
        render.environment.cache_clear()


def test_an_update_takes_only_the_data_files_on_disk_that_the_last_build_wrote(tmp_path, monkeypatch):
    """OnDisk reads the data files an update may patch in a thread: a file that is not the one the
    last build noted once it was in place (edited, even to the same size and time; replaced; gone),
    or that changed while it was read, is left out (it is made again whole), and no thread is left
    running once they are waited for (worker processes fork after)."""
    import threading
    import time

    (tmp_path / "data").mkdir()
    files = {"data/catalog.json": b'{"as": "written"}', "data/papers.csv": b"id,title\n", "data/catalog.bib": b"@misc{x}"}
    for path, data in files.items():
        (tmp_path / path).write_bytes(data)
    noted = {path: (None, (), b"", frozenset(), b"") for path in files}
    render.signed(tmp_path, noted)
    assert render.OnDisk(tmp_path, render.ASSEMBLED).wait(noted) == files

    csv = tmp_path / "data/papers.csv"
    old = csv.stat()
    for _ in range(20):  # edited in place: same size, and the same modification time
        time.sleep(0.005)  # (a clock that moves in coarse ticks would give the same change time at once)
        csv.write_bytes(b"id,TITLE\n")
        os.utime(csv, ns=(old.st_atime_ns, old.st_mtime_ns))
        if os.stat(csv).st_ctime_ns != old.st_ctime_ns:
            break
    bib = tmp_path / "data/catalog.bib"
    (tmp_path / "copy").write_bytes(files["data/catalog.bib"])
    os.replace(tmp_path / "copy", bib)  # replaced by a file of the same bytes
    os.utime(bib, ns=(old.st_atime_ns, noted["data/catalog.bib"][0][1]))
    assert render.OnDisk(tmp_path, render.ASSEMBLED).wait(noted) == {"data/catalog.json": files["data/catalog.json"]}
    assert not [thread for thread in threading.enumerate() if thread.name == "avi-atlas data files"]
    assert render.OnDisk(tmp_path, render.ASSEMBLED).wait() == {}  # nothing noted: a full build
    (tmp_path / "data/catalog.json").unlink()
    assert render.OnDisk(tmp_path, render.ASSEMBLED).wait(noted) == {}  # gone

    (tmp_path / "data/catalog.json").write_bytes(files["data/catalog.json"])
    looks = iter(range(2))  # a file whose signature moves while it is read (written to meanwhile)
    monkeypatch.setattr(render, "file_signature", lambda st: (next(looks),))
    assert render.OnDisk(tmp_path, ["data/catalog.json"]).wait({"data/catalog.json": ((0,),)}) == {}


def test_the_data_files_an_update_reads_beforehand_are_those_laid_out_as_fragments():
    from avi_atlas import pipeline

    cat, report = pipeline.validate(FIXTURE_CATALOG)
    assert report.ok
    assert {page.path for page in render.plan(cat) if page.layout is not None} == set(render.ASSEMBLED)


def test_data_files_are_written_in_a_thread_and_its_errors_reach_the_build(tmp_path):
    """_Spool writes each data file an update renders, and gives back its size; a file it could not
    write is reported in the build's own thread, by done(), and no thread is left either way."""
    import threading

    def ours() -> list[threading.Thread]:
        return [thread for thread in threading.enumerate() if thread.name == "avi-atlas data files out"]

    writer = render._Writer(tmp_path)
    spool = render._Spool(writer)
    files = {"data/catalog.json": b'{"a": 1}\n' * 50_000, "data/catalog.bib": b"@misc{x}\n", "feed.xml": b""}
    old = memoryview(files["data/catalog.json"])
    parts = {"data/catalog.json": (old[:100_000], b'{"b": 2}\n', old[100_009:]),  # as an update patches it
             "data/catalog.bib": (files["data/catalog.bib"],), "feed.xml": ()}
    files["data/catalog.json"] = b"".join(parts["data/catalog.json"])
    for path, data in parts.items():
        spool.put(path, data)
    done = spool.done()
    assert not ours()
    assert {path: (tmp_path / path).read_bytes() for path in files} == files
    assert done == {path: len(data) for path, data in files.items()}

    (tmp_path / "blocked").write_text("a file where a folder should be")
    spool = render._Spool(writer)
    spool.put("blocked/catalog.json", b"{}")
    spool.put("data/papers.csv", b"id\n")
    try:
        spool.done()
    except OSError:
        pass
    else:
        raise AssertionError("a data file that could not be written went unreported")
    assert not ours() and (tmp_path / "data/papers.csv").read_bytes() == b"id\n"  # the others are written
    render._Spool(writer).close()  # one that was given nothing has no thread to end
    assert not ours()


def test_a_file_system_that_refuses_to_reserve_blocks_still_gets_the_file(tmp_path, monkeypatch):
    import os

    asked = []

    def refuse(fd, offset, length):
        asked.append(length)
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", refuse, raising=False)
    spool = render._Spool(render._Writer(tmp_path))
    spool.put("data/catalog.json", (b"{", memoryview(b"ab")[1:], b"}"))
    spool.put("data/papers.csv", ())  # empty: nothing to reserve
    done = spool.done()
    assert asked == [3]  # the whole file's size, in bytes
    assert done["data/catalog.json"] == 3 and (tmp_path / "data/catalog.json").read_bytes() == b"{b}"
    assert (tmp_path / "data/papers.csv").read_bytes() == b""


def test_reserving_a_data_file_s_blocks_leaves_it_its_own_size(tmp_path):
    writer = render._Writer(tmp_path)
    for data in (b"", b"x", b"{" * 70_000):
        assert writer.write("data/catalog.json", (data,), allocate=True) == len(data)
        assert (tmp_path / "data/catalog.json").read_bytes() == data

def test_a_record_page_makes_its_context_title_and_later_when_first_asked():
    from functools import partial

    from avi_atlas import pipeline

    cat, report = pipeline.validate(FIXTURE_CATALOG)
    assert report.ok
    shared = {"cat": cat, "base_url": "/", "repo_url": ""}
    pid = next(iter(cat.papers))
    page = render._RecordPage(f"papers/{pid}/index.html", "paper.html", "papers", pid, shared)
    assert set(vars(page)) == {"path", "template", "_of"}  # nothing else made yet
    eager = render.Page(f"papers/{pid}/index.html", "paper.html", {"id": pid, **shared},
                        partial(render._record_title, cat, "papers", pid), later=partial(render._paper_context, cat, pid))
    assert (page.path, page.template, page.context) == (eager.path, eager.template, eager.context)
    assert page.title() == eager.title() == cat.papers[pid].title
    page.title = page.title()  # as rendering does: the value set stays
    assert page.title == cat.papers[pid].title and page.later().keys() == eager.later().keys()
    assert page.content is None and page.layout is None and page.splice is None
    other = render._RecordPage(f"papers/{pid}/index.html", "paper.html", "papers", pid, shared)
    other.splice = ("x",)
    other.title = "set before any part was made"
    assert other.context == eager.context and other.title == "set before any part was made"
    pages = render.plan(cat)
    assert all(isinstance(p, render._RecordPage) for p in pages if p.template == "paper.html")
