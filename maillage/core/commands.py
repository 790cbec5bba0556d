"""Base class for management commands: a progress bar and an atomic, dry-run-able transaction."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.core.management.base import BaseCommand
from tqdm import tqdm

T = TypeVar("T")


class MaillageCommand(BaseCommand):
    """Commands print progress on stderr (a bar on a terminal) and results on stdout."""

    def progress(
        self, iterable: Iterable[T], *, total: int | None = None, desc: str = ""
    ) -> Iterator[T]:
        quiet = int(getattr(self, "verbosity", 1)) == 0
        return iter(
            tqdm(
                iterable,
                total=total,
                desc=desc,
                unit="",
                disable=quiet,
                file=self.stderr._out,
                mininterval=0.5,
                leave=False,
            )
        )

    def execute(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)
