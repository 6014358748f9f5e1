"""What a build checks first, taken by a child process while the program imports.

``avi-atlas build`` starts by importing the program (pydantic, typer, Jinja: about 0.25 s). A
build then takes one stat of every catalog file, to tell which records changed, and one of every
file its site's manifest lists, to tell whether the site is still as it was written: at 10,000
papers 22,000 stats, 0.1 to 0.15 s of a one-record update's 0.8 s. Neither needs what is being
imported. So before importing, the command (``__main__``) forks a child that takes them on another
core (``start``), and the build picks them up when it gets to them (``taken``):

- the catalog's signatures (freshness.catalog_stats) and their digest (freshness.catalog_digest),
  and what its folders hold, as the loader reads them (freshness.listing: its record files in order,
  with their signatures; stray files);
- the site's manifest (freshness.recorded) and whether the site holds the files it lists
  (freshness.intact).

They are the values the build would take itself, taken a quarter of a second earlier. A file
edited in that time is seen as edited by the next build, as is one edited while a build reads
the catalog. The build uses them only for the very folders it was given; anything else (another
command, other folders, a child that failed, no ``os.fork``) and it takes them itself (``look``),
as it does when called from Python. ``avi-atlas validate`` takes the catalog's half.
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import freshness

#: the commands whose first work the child does, and the options naming their folders (short,
#: long) with the folders typer would use without them
COMMANDS = {"build": {"catalog": ("-c", "--catalog", "catalog"), "site": ("-o", "--out", "site")},
            "validate": {"catalog": ("-c", "--catalog", "catalog")}}

_CHILD: tuple[int, int, str, str | None] | None = None  # pid, read end of its pipe, the folders it looks at


@dataclass
class Seen:
    """The catalog's files and the site's, as a build starts: what the catalog holds (None if it
    is not a folder, see freshness.listing) and the digest of its files' signatures, and the site's
    manifest ({} if none). Whether the site holds what the manifest lists is looked at when first
    asked (``intact``), unless a child did."""

    site: Path | None
    listing: freshness.Listing | None
    digest: str
    manifest: dict
    _intact: bool | None = field(default=None, repr=False)

    def intact(self) -> bool:
        if self._intact is None:
            self._intact = self.site is not None and freshness.intact(self.site, self.manifest)
        return self._intact

    def up_to_date(self, inputs: str) -> bool:
        """The site was built from exactly these inputs and still holds the files it was built with."""
        return self.manifest.get("inputs") == inputs and self.intact()


def look(catalog: Path, site: Path | None) -> Seen:
    """What the catalog holds, its files' digest and the site's manifest, now (``site`` None: the
    catalog only)."""
    stats = freshness.catalog_stats(catalog) if catalog.is_dir() else None
    return Seen(site, freshness.listing(catalog, stats) if stats is not None else None,
                freshness.catalog_digest(stats) if stats is not None else "",
                freshness.recorded(site) if site is not None else {})


def folders(argv: list[str]) -> tuple[str, str | None] | None:
    """The catalog and site folders a command line names, if it is one of COMMANDS (site None for
    one without a site); None for any other. Options are read as typer reads them (``-c X``,
    ``-cX``, ``--catalog X``, ``--catalog=X``; the last one counts); the others are skipped. A
    command line this misreads costs only the child's work: ``taken`` checks the folders."""
    if not argv or argv[0] not in COMMANDS:
        return None
    options = COMMANDS[argv[0]]
    found = {name: default for name, (_, _, default) in options.items()}
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            break
        for name, (short, long, _) in options.items():
            if arg in (short, long):
                found[name] = next(args, found[name])
            elif arg.startswith(long + "="):
                found[name] = arg[len(long) + 1:]
            elif arg.startswith(short) and not arg.startswith("--") and len(arg) > 2:
                found[name] = arg[2:]
    return found["catalog"], found.get("site")


def start(argv: list[str]) -> None:
    """For a command of COMMANDS: fork a child that looks at its folders (``look``, with the
    site's files checked too) and sends what it saw down a pipe. Does nothing for any other, or
    where ``os.fork`` is missing or fails."""
    global _CHILD
    wanted = folders(argv)
    if wanted is None or not hasattr(os, "fork") or _CHILD is not None:
        return
    catalog, site = wanted
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(read)
            seen = look(Path(catalog), Path(site) if site is not None else None)
            if site is not None:
                seen.intact()
            data = memoryview(marshal.dumps((seen.listing, seen.digest, seen.manifest, seen._intact)))
            while data:
                data = data[os.write(write, data):]
            code = 0
        except BaseException:  # noqa: BLE001 - whatever happens, the parent takes them itself
            pass
        finally:
            os._exit(code)
    os.close(write)
    _CHILD = (pid, read, os.path.abspath(catalog), os.path.abspath(site) if site is not None else None)


def taken(catalog: Path, site: Path | None) -> Seen | None:
    """What the child started by ``start`` saw, if it looked at these very folders and finished
    well; else None. Waits for the child (by then it has long finished). Once only."""
    global _CHILD
    if _CHILD is None:
        return None
    pid, read, its_catalog, its_site = _CHILD
    _CHILD = None
    chunks, failed = [], False
    try:
        while chunk := os.read(read, 1 << 20):
            chunks.append(chunk)
    except OSError:
        failed = True
    finally:  # whatever happened, the pipe is closed and the child reaped
        os.close(read)
        try:
            status = os.waitpid(pid, 0)[1]
        except OSError:
            status = -1
    if failed or status != 0 or its_catalog != os.path.abspath(catalog) or \
            its_site != (os.path.abspath(site) if site is not None else None):
        return None
    try:
        listing, digest, manifest, intact = marshal.loads(b"".join(chunks))
    except (EOFError, ValueError, TypeError):
        return None
    return Seen(site, listing, digest, manifest, intact)
