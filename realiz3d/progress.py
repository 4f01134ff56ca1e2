"""Progress bars (rich) for long work; quiet when REALIZ3D_NO_PROGRESS is set (tests)."""
from __future__ import annotations

import os
from typing import Iterable, TypeVar

T = TypeVar("T")


def enabled() -> bool:
    return not os.environ.get("REALIZ3D_NO_PROGRESS")


def track(it: Iterable[T], description: str, total: int | None = None, show: bool = True) -> Iterable[T]:
    """A progress bar over `it`; nothing when show is False or REALIZ3D_NO_PROGRESS is set."""
    if not show or not enabled():
        return it
    from rich.progress import track as rich_track

    return rich_track(it, description=description, total=total, transient=False)


def bar(description: str, total: int, show: bool = True):
    """A rich Progress with speed; use as a context manager: `with bar(...) as (p, task)`.
    show=False (or progress bars off for the process): a stand-in whose update does nothing."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    @contextmanager
    def cm():
        if not (show and enabled()):
            class _Null:
                def update(self, *a, **k):
                    pass

            yield _Null(), None
            return
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn()) as p:
            task = p.add_task(description, total=total, info="")
            yield p, task

    return cm()
