"""``-o key.pdf``: the LaTeX rendering compiled with pdflatex: one run, and a second when
LaTeX asks for it (a tall table's column widths, which longtable settles on the second)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from dlsolve.errors import DlsolveError
from dlsolve.progress import status

TIMEOUT = 120  # seconds per pdflatex run


def compile_pdf(tex: str, output: str, fmt: str) -> None:
    """Write ``output`` (a PDF) from the LaTeX document ``tex``; exit 2 when that cannot be."""
    if fmt != "latex":
        raise DlsolveError(f"{output}: a .pdf is made from LaTeX; use --format latex "
                           f"(or leave --format out), not {fmt}")
    exe = shutil.which("pdflatex")
    if exe is None:
        raise DlsolveError(f"{output}: pdflatex is not installed; write the LaTeX with "
                           f"-o {Path(output).with_suffix('.tex').name} and compile it "
                           "elsewhere (or install TeX Live)")
    with tempfile.TemporaryDirectory(prefix="dlsolve-pdf-") as tmp:
        source = Path(tmp) / "key.tex"
        source.write_text(tex, encoding="utf-8")
        with status(f"compiling {Path(output).name} with pdflatex"):
            _run(exe, Path(tmp), "key", output)
        _write(Path(output), (Path(tmp) / "key.pdf").read_bytes())


def _run(exe: str, folder: Path, name: str, shown: str) -> str:
    """pdflatex on ``folder/name.tex``, rerun (at most twice) while the log asks; the log."""
    for _ in range(3):
        try:
            proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error",
                                   f"{name}.tex"], cwd=folder, capture_output=True, text=True,
                                  timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DlsolveError(f"{shown}: pdflatex took longer than {TIMEOUT} s") from None
        log_file = folder / f"{name}.log"
        log = (log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists()
               else proc.stdout)
        if proc.returncode != 0:
            first = next((ln for ln in log.splitlines() if ln.startswith("!")),
                         "see the LaTeX log")
            raise DlsolveError(f"{shown}: pdflatex failed: {first}")
        if "Rerun LaTeX" not in log and "Table widths have changed" not in log:
            return log
    return log


def _write(target: Path, data: bytes) -> None:
    """Write via a temporary file beside the target, then rename (the umask applies)."""
    if not target.parent.is_dir():
        raise DlsolveError(f"{target}: the folder {target.parent} does not exist")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DlsolveError(f"{target}: cannot write ({e.strerror})") from None


def compile_report(tex: str, workdir: str | Path, name: str = "key") -> tuple[int, list[float]]:
    """Compile ``tex`` in ``workdir``: (pages, the overfull hbox widths in pt). For checks and
    benchmarks; raises DlsolveError when pdflatex is missing or fails."""
    import re

    exe = shutil.which("pdflatex")
    if exe is None:
        raise DlsolveError("pdflatex is not installed")
    folder = Path(workdir)
    (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
    log = _run(exe, folder, name, f"{folder / name}.tex")
    pages = re.search(r"Output written on .*?\((\d+) pages?", log)
    overfull = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    return (int(pages.group(1)) if pages else 0), overfull
